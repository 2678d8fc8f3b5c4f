//! `store compact`: redb's compaction, which moves pages toward the start of the file and
//! truncates what is left free, with the engine stopped.
//!
//! Not online: redb compacts only through exclusive access to the database (`&mut Database`)
//! with no read transaction alive, and a running engine always has some (its senders read
//! their queues, scrapes read the counters). Space freed by a prune is reused by later writes
//! without compaction; compaction gives it back to the file system.
//!
//! Each step of the compaction is a commit of its own (two-phase), so a compaction stopped
//! halfway (Ctrl-C, a crash) leaves the store as it was after its last step: sound, and
//! smaller or the same size.

use std::path::Path;
use std::time::Instant;

use super::file_error::{FileError, opening};

/// What a compaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compacted {
    /// The file's size before, in bytes.
    pub before: u64,
    /// Its size after.
    pub after: u64,
    /// How long it took, in milliseconds.
    pub millis: u64,
}

/// Compacts the store file of a stopped engine. Blocking; fails with
/// [`FileError::InUse`] while `serve` runs on it.
pub fn compact(path: &Path) -> Result<Compacted, FileError> {
    let size = |path: &Path| {
        std::fs::metadata(path)
            .map(|m| m.len())
            .map_err(|source| FileError::Io {
                what: "read the size of",
                path: path.to_path_buf(),
                source,
            })
    };
    let before = size(path)?;
    let started = Instant::now();
    let mut db = redb::Builder::new().open(path).map_err(|e| {
        opening(
            path,
            e,
            "redb compacts only a store no other process uses; stop serve, run `store compact`, \
             start serve again",
        )
    })?;
    super::journal::recover(&db, path).map_err(|e| FileError::Store(e.to_string()))?;
    db.compact().map_err(|e| FileError::Store(e.to_string()))?;
    drop(db);
    Ok(Compacted {
        before,
        after: size(path)?,
        millis: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
}
