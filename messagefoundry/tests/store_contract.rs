//! The store contract, on the embedded redb backend.

use std::time::{Duration, Instant};

use messagefoundry::store::contract::Harness;
use messagefoundry::store::{KeySettings, Store, StoreError};

/// A redb store file in a temporary folder of its own.
struct RedbFile(tempfile::TempDir);

impl Harness for RedbFile {
    fn open_with(&self, keys: &KeySettings) -> Store {
        // After a drop without a shutdown the writer thread closes the file a moment later.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match Store::open_with(self.0.path().join("contract.redb"), keys) {
                Ok(store) => return store,
                Err(StoreError::Open { .. }) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => panic!("the store does not open: {e}"),
            }
        }
    }
}

messagefoundry::store_contract!(RedbFile(tempfile::tempdir().expect("a temporary folder")));
