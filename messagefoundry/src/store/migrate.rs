//! Layout versions: reading which one a file has, bringing a layout-1 file to layout 2, and
//! refusing a file of a newer layout.
//!
//! Layout 2 stores every body and payload in an envelope (compressed, and sealed when a key
//! is configured) and keeps a watermark of routed messages instead of a row per message
//! waiting to be routed. Migration rewrites the body tables in place, a chunk of rows per
//! transaction with the position reached recorded beside them (see [`super::rewrite`]), so
//! Ctrl-C, SIGTERM or SIGKILL leave a file the next run goes on migrating. While it runs the
//! file's layout reads [`MIGRATING`], which the layout-1 code refuses, so a half-migrated file
//! is never read as layout 1.

use std::path::Path;
use std::time::{Duration, Instant};

use redb::ReadableDatabase;

use super::StoreError;
use super::envelope::Codec;
use super::rewrite::{self, RewriteError};
use super::tables::{LAYOUT_VERSION, META};

/// The layout of a file being migrated from layout 1 to layout 2.
pub(crate) const MIGRATING: &str = "1-to-2";
/// The rewrite's name in `meta`.
const MARK: &str = "migrate";
/// How often a migration under `serve` logs its progress.
const LOG_EVERY: Duration = Duration::from_secs(5);

/// What a file's layout asks of this build.
#[derive(Debug, PartialEq, Eq)]
enum Layout {
    /// A new file, or one of this build's layout.
    Current,
    /// Layout 1, or a migration to layout 2 begun.
    Migrate,
}

/// Reads a file's layout: `Err` for one newer than this build's.
fn layout(db: &redb::Database, path: &Path) -> Result<Layout, StoreError> {
    let read = || -> Result<Option<String>, redb::Error> {
        let txn = db.begin_read()?;
        let meta = match txn.open_table(META) {
            Ok(meta) => meta,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        Ok(meta.get("layout")?.map(|v| v.value().to_owned()))
    };
    match read()
        .map_err(|e| StoreError::Read(e.to_string()))?
        .as_deref()
    {
        None => Ok(Layout::Current),
        Some(v) if v == LAYOUT_VERSION => Ok(Layout::Current),
        Some("1" | MIGRATING) => Ok(Layout::Migrate),
        Some(found) => Err(StoreError::Layout {
            path: path.to_path_buf(),
            found: found.to_owned(),
        }),
    }
}

/// Brings the file to this build's layout if it is older, reporting (rows done, rows in all)
/// after each chunk; `cancel` stops between chunks. Returns whether a migration ran to its
/// end; [`StoreError::Interrupted`] when cancelled.
pub(crate) fn migrate(
    db: &redb::Database,
    path: &Path,
    codec: &Codec,
    progress: &mut dyn FnMut(u64, u64),
    cancel: &dyn Fn() -> bool,
) -> Result<bool, StoreError> {
    migrate_in_chunks(db, path, codec, rewrite::CHUNK, progress, cancel)
}

/// [`migrate`], `limit` rows per transaction.
fn migrate_in_chunks(
    db: &redb::Database,
    path: &Path,
    codec: &Codec,
    limit: usize,
    progress: &mut dyn FnMut(u64, u64),
    cancel: &dyn Fn() -> bool,
) -> Result<bool, StoreError> {
    if layout(db, path)? == Layout::Current {
        return Ok(false);
    }
    let failed =
        |e: RewriteError| StoreError::Write(format!("migration to layout {LAYOUT_VERSION}: {e}"));
    let mark_migrating = || -> Result<(), redb::Error> {
        let txn = db.begin_write()?;
        txn.open_table(META)?.insert("layout", MIGRATING)?;
        txn.commit()?;
        Ok(())
    };
    mark_migrating().map_err(|e| failed(e.into()))?;
    super::migrate_queue::add_control_ids(db).map_err(|e| failed(e.into()))?;
    // Every layout-1 body is the bytes as received: each is sealed into an envelope.
    let mut recode = |body: &[u8]| codec.seal(body).map(Some);
    let finished = rewrite::run(db, MARK, limit, &mut recode, progress, cancel, &|txn| {
        super::unrouted::from_pending_table(txn)?;
        txn.open_table(META)?.insert("layout", LAYOUT_VERSION)?;
        Ok(())
    })
    .map_err(failed)?;
    if !finished {
        return Err(StoreError::Interrupted("the migration"));
    }
    Ok(true)
}

/// [`migrate`] at start, logging progress every few seconds instead of drawing a bar.
pub(crate) fn migrate_logging(
    db: &redb::Database,
    path: &Path,
    codec: &Codec,
) -> Result<(), StoreError> {
    let mut last = Instant::now();
    let mut progress = |done: u64, total: u64| {
        if last.elapsed() >= LOG_EVERY {
            last = Instant::now();
            tracing::info!(
                rows = done,
                of = total,
                "migrating the store to layout {LAYOUT_VERSION}"
            );
        }
    };
    if migrate(db, path, codec, &mut progress, &|| false)? {
        tracing::info!(store = %path.display(), "store migrated to layout {LAYOUT_VERSION}");
    }
    Ok(())
}

/// What `store migrate` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    /// Whether the file needed migrating (false: it was already of this layout).
    pub migrated: bool,
    /// The layout it has now.
    pub layout: &'static str,
}

/// `store migrate`: brings the store file at `path` to this build's layout, with `serve`
/// stopped. `cancel` is looked at between chunks.
pub fn migrate_file(
    path: &Path,
    settings: &super::KeySettings,
    progress: &mut dyn FnMut(u64, u64),
    cancel: &dyn Fn() -> bool,
) -> Result<Migrated, StoreError> {
    migrate_file_chunked(path, settings, rewrite::CHUNK, progress, cancel)
}

/// [`migrate_file`], `limit` rows per transaction: tests interrupt it within a table.
#[cfg(feature = "test-support")]
pub fn migrate_file_in_chunks(
    path: &Path,
    settings: &super::KeySettings,
    limit: usize,
    progress: &mut dyn FnMut(u64, u64),
    cancel: &dyn Fn() -> bool,
) -> Result<Migrated, StoreError> {
    migrate_file_chunked(path, settings, limit, progress, cancel)
}

fn migrate_file_chunked(
    path: &Path,
    settings: &super::KeySettings,
    limit: usize,
    progress: &mut dyn FnMut(u64, u64),
    cancel: &dyn Fn() -> bool,
) -> Result<Migrated, StoreError> {
    let codec = Codec::from_settings(settings)?;
    let db = redb::Database::open(path).map_err(|source| StoreError::Open {
        path: path.to_path_buf(),
        source: Box::new(source),
    })?;
    let migrated = migrate_in_chunks(&db, path, &codec, limit, progress, cancel)?;
    // Brings the file up to date with its journal too, so a copy `store verify` reads is whole.
    super::journal::recover(&db, path)?;
    Ok(Migrated {
        migrated,
        layout: LAYOUT_VERSION,
    })
}
