//! The intake journal: how a received message is made durable before its ACK with one
//! append and one `fdatasync`, instead of a synced commit of the B-tree.
//!
//! A group of requests that only stores received messages (and records routing results) is
//! committed to redb without a sync of its own; its messages are appended, as one record, to
//! the journal beside the store file (`<store>.journal`), which is synced; only then is the
//! group answered and its messages offered to the pipeline. Any other commit syncs the store
//! as before, which makes every earlier commit durable (redb persists a prefix of its
//! commits), and the journal starts again from its beginning; so does a group whose record
//! does not fit (a checkpoint: the journal is then grown, up to its largest size).
//!
//! When the store is opened, the records that continue its durable commits are stored again,
//! in one synced commit, before anything reads it. Applying the same received messages in the
//! same order to the same durable state gives them the same ids and the same effects
//! (duplicates found, refusals, waiting to be routed): nothing between two synced commits but
//! these groups and routing results changes what storing a message does, and routing results
//! lost with them leave their messages waiting to be routed, as after any crash.

mod file;
mod record;
mod replay;
#[cfg(test)]
mod tests;

use std::path::Path;

use redb::ReadableDatabase;

use file::JournalFile;
pub(crate) use file::path_of;
use record::{Names, StoreId};

use super::request::Request;
use super::tables::{self, MESSAGES, META};
use super::{Incoming, StoreError, ops};

/// The key in `meta` of the store's journal id (base64): a random value every record's
/// checksum covers, so a journal is read only beside the store it was written for.
const JOURNAL_ID: &str = "journal_id";

/// The writer's journal: the file, and the record of the group being committed.
pub(crate) struct Journal {
    file: JournalFile,
    /// The store's journal id.
    id: StoreId,
    record: Vec<u8>,
    /// A record did not fit since the last rewind: the file grows at the next sync.
    full: bool,
}

impl Journal {
    /// Opens (or creates) the journal of the store `db`, whose file is at `store`, to write
    /// from its start (giving the store a journal id if it has none): call once the store has
    /// replayed it. Blocking.
    pub(crate) fn open(db: &redb::Database, store: &Path) -> Result<Journal, StoreError> {
        let id = match read_id(db).map_err(|e| StoreError::Read(e.to_string()))? {
            Some(id) => id,
            None => new_id(db)?,
        };
        let path = path_of(store);
        let file = JournalFile::open(&path).map_err(|e| StoreError::Open {
            path,
            source: Box::new(e),
        })?;
        Ok(Journal {
            file,
            id,
            record: Vec::new(),
            full: false,
        })
    }

    /// Writes the record of `group`, whose first new message gets id `first`, ready to
    /// append; false when the group is not only received messages and routing results, stores
    /// no message, or its record does not fit: it is then committed with a sync.
    pub(crate) fn prepare(&mut self, first: u64, group: &[Request]) -> bool {
        let mut messages: Vec<&Incoming> = Vec::new();
        for request in group {
            match request {
                Request::Receive { incoming, .. } => messages.push(incoming),
                Request::ReceiveAll { incoming, .. } => messages.extend(incoming.iter()),
                Request::Routed { .. } | Request::CommitCount { .. } => {}
                _ => return false,
            }
        }
        if messages.is_empty() {
            return false;
        }
        // Bodies larger than the file are not even encoded.
        let bodies: usize = messages.iter().map(|m| m.raw.len()).sum();
        if !self.file.fits(bodies) {
            self.full = true;
            return false;
        }
        self.record.clear();
        record::encode(&self.id, first, &messages, &mut self.record);
        if self.file.fits(self.record.len()) {
            return true;
        }
        self.full = true;
        false
    }

    /// Appends the record prepared and waits until it is on disk.
    pub(crate) fn append(&mut self) -> std::io::Result<()> {
        self.file.append(&self.record)
    }

    /// After a commit that synced: every record is in the store, so the next is written at
    /// the start (and the file grows first if a record did not fit).
    pub(crate) fn synced(&mut self) -> std::io::Result<()> {
        self.file.rewind();
        if std::mem::take(&mut self.full) {
            self.file.grow()?;
        }
        Ok(())
    }
}

/// Stores again, in one synced commit, the messages of the journal beside `store` that its
/// durable commits lack; answers how many. Blocking; before anything reads the store.
pub(crate) fn recover(db: &redb::Database, store: &Path) -> Result<u64, StoreError> {
    let Some(scanned) = scan(db, store)? else {
        return Ok(0);
    };
    if scanned.records.is_empty() {
        return Ok(0);
    }
    let names = Names::default();
    let mut messages = Vec::new();
    for found in &scanned.records {
        let read = record::messages(&found.body, found.header.count, &names).map_err(|_| {
            StoreError::Read(format!(
                "the journal {} holds a record this version cannot read; open the store with \
                 the version that wrote it",
                path_of(store).display()
            ))
        })?;
        messages.extend(read);
    }
    let (next_message, next_seq) = tables::initialise(db).map_err(write_error)?;
    let mut counters = ops::Counters {
        next_message,
        next_seq,
    };
    let txn = db.begin_write().map_err(|e| write_error(e.into()))?;
    {
        let mut tables = ops::Tables::open(&txn).map_err(write_error)?;
        for incoming in &messages {
            ops::receive(&mut tables, &mut counters, incoming).map_err(write_error)?;
        }
        tables.settle().map_err(write_error)?;
    }
    txn.commit().map_err(|e| write_error(e.into()))?;
    let replayed = messages.len() as u64;
    tracing::info!(
        messages = replayed,
        journal = %path_of(store).display(),
        "stored the messages the journal held"
    );
    Ok(replayed)
}

/// The records of the journal beside `store` that continue its durable commits; `None`
/// without a journal (or a journal id: the store never had one written for it).
fn scan(db: &impl ReadableDatabase, store: &Path) -> Result<Option<replay::Scanned>, StoreError> {
    let Some(id) = read_id(db).map_err(|e| StoreError::Read(e.to_string()))? else {
        return Ok(None);
    };
    let path = path_of(store);
    let file = match std::fs::File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(read_error(&path, e)),
    };
    let next = durable_next(db).map_err(|e| StoreError::Read(e.to_string()))?;
    let scanned =
        replay::scan(std::io::BufReader::new(file), &id, next).map_err(|e| read_error(&path, e))?;
    if let Some(first) = scanned.foreign {
        tracing::warn!(
            journal = %path.display(),
            first,
            next,
            "the journal holds messages that do not continue the store (a store file put back \
             from an older copy?); they are not stored"
        );
    }
    Ok(Some(scanned))
}

/// The store's journal id, if it has one.
fn read_id(db: &impl ReadableDatabase) -> Result<Option<StoreId>, redb::Error> {
    use base64::Engine as _;
    let txn = db.begin_read()?;
    let meta = match txn.open_table(META) {
        Ok(meta) => meta,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let Some(text) = meta.get(JOURNAL_ID)? else {
        return Ok(None);
    };
    let decoded = base64::engine::general_purpose::STANDARD.decode(text.value());
    Ok(decoded.ok().and_then(|bytes| StoreId::try_from(bytes).ok()))
}

/// Gives the store a new random journal id, in a synced commit.
fn new_id(db: &redb::Database) -> Result<StoreId, StoreError> {
    use base64::Engine as _;
    let id: StoreId = ring::rand::generate(&ring::rand::SystemRandom::new())
        .map_err(|_| StoreError::Write("no random journal id from the system".into()))?
        .expose();
    let text = base64::engine::general_purpose::STANDARD.encode(id);
    let write = || -> Result<(), redb::Error> {
        let txn = db.begin_write()?;
        txn.open_table(META)?.insert(JOURNAL_ID, text.as_str())?;
        txn.commit()?;
        Ok(())
    };
    write().map_err(write_error)?;
    Ok(id)
}

/// The id the next message stored gets, as the file's durable commits say.
fn durable_next(db: &impl ReadableDatabase) -> Result<u64, redb::Error> {
    let txn = db.begin_read()?;
    let (meta, messages) = match (txn.open_table(META), txn.open_table(MESSAGES)) {
        (Ok(meta), Ok(messages)) => (meta, messages),
        (Err(redb::TableError::TableDoesNotExist(_)), _)
        | (_, Err(redb::TableError::TableDoesNotExist(_))) => return Ok(1),
        (Err(e), _) | (_, Err(e)) => return Err(e.into()),
    };
    tables::next_message(&meta, &messages)
}

fn write_error(e: redb::Error) -> StoreError {
    StoreError::Write(format!("the store's journal: {e}"))
}

fn read_error(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Read(format!("reading the journal {}: {e}", path.display()))
}
