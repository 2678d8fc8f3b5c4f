//! `store reindex`: removes every search index row and builds them all again, the header
//! indexes from the summaries and the declared ones from the messages, with `serve` stopped.
//! `serve` builds a newly declared index itself as it starts; this is the repair `store
//! verify` points to.

use std::path::Path;

use super::progress::Progress;
use super::store_keys::StoreKeyArgs;
use crate::store::{FileError, Store, store_opening};

/// Runs `store reindex` on the store file `db`.
pub(super) fn run(db: &Path, keys: &StoreKeyArgs, quiet: bool) -> Result<(), FileError> {
    let keys = keys.keys()?;
    let store = Store::open_with(db, &keys).map_err(|e| {
        store_opening(
            e,
            "stop serve first: it builds newly declared indexes itself as it starts",
        )
    })?;
    let mut bar: Option<Progress> = None;
    let built = crate::store::index::rebuild(
        &store,
        crate::interface::index::all(),
        &mut |done, total| {
            bar.get_or_insert_with(|| Progress::new(total as usize, "messages", quiet))
                .reach(done);
        },
    );
    if let Some(bar) = bar {
        bar.finish();
    }
    store.shutdown();
    let built = built.map_err(|e| FileError::Store(e.to_string()))?;
    let fields: Vec<String> = built
        .built
        .iter()
        .map(|(inbound, field)| format!("{field} ({inbound})"))
        .collect();
    say!(
        "reindexed {}: type, control ID and time of every message; declared: {} ({} messages parsed)",
        db.display(),
        if fields.is_empty() {
            "none".to_owned()
        } else {
            fields.join(", ")
        },
        built.parsed
    );
    Ok(())
}
