//! `store backup`: a consistent copy of the store in a new redb file.
//!
//! Every table is copied, row by row, from one read transaction: the snapshot of one moment,
//! taken beside the writer, so intake and delivery go on while it is copied (redb keeps that
//! snapshot's pages until the read ends, so the store file may grow meanwhile). The copy is
//! written to `PATH.partial` in chunks, made durable (fsync) once complete, and only then
//! renamed to `PATH` and the folder synced: an interrupted backup (Ctrl-C, SIGTERM, a crash)
//! leaves `PATH`, and any earlier backup there, as it was.
//!
//! A raw copy of the file would not do: redb writes pages in place and flips the header at
//! each commit, so bytes read while `serve` commits are a mix of several states.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use redb::{Key, ReadTransaction, ReadableDatabase, ReadableTableMetadata, TableDefinition, Value};

use super::embedded::Redb;
use super::every_table::{NAMES, TableVisitor, visit_all};
use super::file_error::{FileError, opening, redb_error};
use super::tables::MESSAGES;

/// Rows per write transaction of the copy: bounds the memory a transaction holds and how
/// long an interruption waits.
const CHUNK: u64 = 2_000;

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BackupReport {
    /// The backup file.
    pub path: PathBuf,
    /// Messages in it.
    pub messages: u64,
    /// Rows copied, over every table.
    pub rows: u64,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Called as work advances with the rows done so far and the rows in all.
pub type RowsDone<'a> = &'a mut dyn FnMut(u64, u64);

impl Redb {
    /// Copies the store, as it is at this moment, to `to` (see the module's doc), while the
    /// engine runs. Stops, leaving `to` as it was, once `cancel` is set. Blocking.
    pub(super) fn backup(
        &self,
        to: &Path,
        cancel: &AtomicBool,
        progress: RowsDone<'_>,
    ) -> Result<BackupReport, FileError> {
        copy(&*self.db, &self.path, to, cancel, progress)
    }
}

/// Copies the store file `source` of a stopped engine to `to` (see the module's doc). The
/// store stays locked meanwhile, so `serve` cannot start on it. Blocking.
pub fn backup_file(
    source: &Path,
    to: &Path,
    cancel: &AtomicBool,
    progress: RowsDone<'_>,
) -> Result<BackupReport, FileError> {
    let db = redb::Builder::new().open(source).map_err(|e| {
        opening(
            source,
            e,
            "back it up through serve (`store backup` does when it runs)",
        )
    })?;
    // The copy holds what the journal beside the store holds: it needs no journal of its own.
    super::journal::recover(&db, source).map_err(|e| FileError::Store(e.to_string()))?;
    copy(&db, source, to, cancel, progress)
}

/// The name the copy is written under until it is complete.
pub fn partial_path(to: &Path) -> PathBuf {
    let mut name = to.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

fn copy(
    db: &impl ReadableDatabase,
    source: &Path,
    to: &Path,
    cancel: &AtomicBool,
    progress: RowsDone<'_>,
) -> Result<BackupReport, FileError> {
    if let (Ok(a), Ok(b)) = (source.canonicalize(), to.canonicalize())
        && a == b
    {
        return Err(FileError::Refused(format!(
            "{} is the store itself; back it up to another file",
            to.display()
        )));
    }
    let read = db.begin_read().map_err(redb_error)?;
    let (total, messages) = measure(&read)?;
    let partial = partial_path(to);
    let io = |what, path: &Path| {
        let path = path.to_path_buf();
        move |source| FileError::Io { what, path, source }
    };
    // An earlier interrupted backup's file would be opened, not replaced, by `create`.
    match std::fs::remove_file(&partial) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(io("remove", &partial)(e));
        }
        _ => {}
    }
    // Made first, readable by its owner alone: it holds patient data. redb initialises an
    // empty file.
    owner_only_file(&partial).map_err(io("create", &partial))?;
    let target = super::file_cache::builder()
        .create(&partial)
        .map_err(|e| opening(&partial, e, ""))?;
    let mut copier = Copier {
        read: &read,
        target: &target,
        cancel,
        progress,
        done: 0,
        total,
    };
    let copied = visit_all(&mut copier).and_then(|()| {
        // The chunks were committed without fsync; this commit makes them all durable.
        let mut txn = target.begin_write().map_err(redb_error)?;
        txn.set_durability(redb::Durability::Immediate)
            .map_err(|e| FileError::Store(e.to_string()))?;
        txn.commit().map_err(redb_error)
    });
    let rows = copier.done;
    drop(target);
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, to).map_err(io("rename", &partial))?;
    sync_folder(to).map_err(io("sync the folder of", to))?;
    let bytes = std::fs::metadata(to).map_err(io("read", to))?.len();
    Ok(BackupReport {
        path: to.to_path_buf(),
        messages,
        rows,
        bytes,
    })
}

/// Rows over every table, and messages; refuses a store with a table this version does not
/// know (a copy without it would not be a backup).
fn measure(read: &ReadTransaction) -> Result<(u64, u64), FileError> {
    if let Some(name) = unknown_tables(read)?.pop() {
        return Err(FileError::Refused(format!(
            "the store has a table `{name}` this version does not know (written by a newer \
             version?); back it up with that version"
        )));
    }
    let messages = match open(read, MESSAGES)? {
        Some(t) => t.len().map_err(redb_error)?,
        None => 0,
    };
    Ok((rows(read)?, messages))
}

/// The tables of the snapshot that the layout does not name.
pub(crate) fn unknown_tables(read: &ReadTransaction) -> Result<Vec<String>, FileError> {
    Ok(read
        .list_tables()
        .map_err(redb_error)?
        .map(|t| redb::TableHandle::name(&t).to_owned())
        .filter(|name| !NAMES.contains(&name.as_str()))
        .collect())
}

/// Rows over every table of the snapshot.
pub(crate) fn rows(read: &ReadTransaction) -> Result<u64, FileError> {
    struct Count<'a>(&'a ReadTransaction, u64);
    impl TableVisitor for Count<'_> {
        type Error = FileError;
        fn visit<K: Key + 'static, V: Value + 'static>(
            &mut self,
            def: TableDefinition<'static, K, V>,
        ) -> Result<(), FileError> {
            if let Some(table) = open(self.0, def)? {
                self.1 += table.len().map_err(redb_error)?;
            }
            Ok(())
        }
    }
    let mut count = Count(read, 0);
    visit_all(&mut count)?;
    Ok(count.1)
}

/// A table of the snapshot; `None` when the store has none of that name (a store written
/// before it existed).
pub(crate) fn open<K: Key + 'static, V: Value + 'static>(
    read: &ReadTransaction,
    def: TableDefinition<'static, K, V>,
) -> Result<Option<redb::ReadOnlyTable<K, V>>, FileError> {
    match read.open_table(def) {
        Ok(table) => Ok(Some(table)),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
        Err(e) => Err(redb_error(e)),
    }
}

/// Copies each table from the snapshot into the new file, a chunk per transaction.
struct Copier<'a, 'p> {
    read: &'a ReadTransaction,
    target: &'a redb::Database,
    cancel: &'a AtomicBool,
    progress: RowsDone<'p>,
    done: u64,
    total: u64,
}

impl TableVisitor for Copier<'_, '_> {
    type Error = FileError;

    fn visit<K: Key + 'static, V: Value + 'static>(
        &mut self,
        def: TableDefinition<'static, K, V>,
    ) -> Result<(), FileError> {
        let Some(source) = open(self.read, def)? else {
            return Ok(());
        };
        let mut rows = redb::ReadableTable::iter(&source).map_err(redb_error)?;
        loop {
            let mut txn = self.target.begin_write().map_err(redb_error)?;
            txn.set_durability(redb::Durability::None)
                .map_err(|e| FileError::Store(e.to_string()))?;
            let mut copied = 0;
            {
                // Opened even when empty, so the copy has every table the store has.
                let mut table = txn.open_table(def).map_err(redb_error)?;
                while copied < CHUNK {
                    let Some(row) = rows.next() else { break };
                    let (key, value) = row.map_err(redb_error)?;
                    table
                        .insert(key.value(), value.value())
                        .map_err(redb_error)?;
                    copied += 1;
                }
            }
            txn.commit().map_err(redb_error)?;
            self.done += copied;
            (self.progress)(self.done, self.total);
            if self.cancel.load(Ordering::Relaxed) {
                return Err(FileError::Interrupted(
                    "the backup was stopped before it was complete; nothing was written in \
                     its place"
                        .into(),
                ));
            }
            if copied < CHUNK {
                return Ok(());
            }
        }
    }
}

/// Creates an empty file only its owner may read and write.
fn owner_only_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

/// Makes the rename durable: syncs the folder that holds `file`.
pub(super) fn sync_folder(file: &Path) -> std::io::Result<()> {
    let folder = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    #[cfg(unix)]
    std::fs::File::open(folder)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = folder;
    Ok(())
}

#[cfg(test)]
mod tests;
