//! Re-keying the declared indexes, as part of `store rotate-key`: every message's declared
//! values are read again from its body and written as digests under the current key (rows kept
//! in the clear before the store had a key become digests too), a chunk of messages per
//! transaction with the position recorded in `meta` in the same transaction, so an interrupted
//! rotation goes on from there.
//!
//! `meta` also records the key every declared value is under once a pass (or a `store
//! reindex`) has written them all; a rotation with that key current has nothing to re-key.
//! Rows the engine writes meanwhile are digested under the current key already.

use std::ops::Bound;

use redb::{ReadableDatabase, ReadableTable, ReadableTableMetadata, WriteTransaction};

use messagefoundry_hl7::Path;

use super::{INDEX_DECLARED, IndexTables, digest};
use crate::interface::index::values_at;
use crate::store::envelope::Codec;
use crate::store::keys::KeyId;
use crate::store::tables::{MESSAGES, META};
use crate::store::{MessageId, StoreError};

/// The `meta` key naming the key every declared value is digested under (absent: not known).
const KEYED: &str = "index_key";
/// The `meta` key of the last message re-keyed by a pass not finished.
const POSITION: &str = "rotate.index";
/// Messages per transaction: each is read, opened and parsed.
const CHUNK: usize = 500;

/// Records in `txn` that every declared value is digested under `key` (`None`: kept plain).
pub(crate) fn mark(txn: &WriteTransaction, key: Option<KeyId>) -> Result<(), redb::Error> {
    let mut meta = txn.open_table(META)?;
    match key {
        Some(key) => meta.insert(KEYED, key.to_string().as_str())?,
        None => meta.insert(KEYED, "")?,
    };
    Ok(())
}

/// Writes every message's declared values again as digests under `codec`'s current key (see
/// the module's doc). Reports (messages done, messages with declared values) after each chunk;
/// returns how many were re-keyed, or `None` once `cancelled` between chunks (the position is
/// kept). Blocking.
pub(in crate::store) fn rekey(
    db: &redb::Database,
    codec: &Codec,
    progress: &mut dyn FnMut(u64, u64),
    cancelled: &dyn Fn() -> bool,
) -> Result<Option<u64>, StoreError> {
    let failed = |e: redb::Error| StoreError::Write(format!("re-keying the index: {e}"));
    let Some(current) = codec.current_key() else {
        return Ok(Some(0));
    };
    let read = db.begin_read().map_err(|e| failed(e.into()))?;
    let keyed = read.open_table(META).map_err(|e| failed(e.into()))?;
    if keyed
        .get(KEYED)
        .map_err(|e| failed(e.into()))?
        .is_some_and(|v| v.value() == current.to_string())
    {
        return Ok(Some(0));
    }
    let total = match read.open_table(INDEX_DECLARED) {
        Ok(t) => t.len().map_err(|e| failed(e.into()))?,
        Err(redb::TableError::TableDoesNotExist(_)) => 0,
        Err(e) => return Err(failed(e.into())),
    };
    drop((keyed, read));
    let mut done = 0;
    loop {
        if cancelled() {
            return Ok(None);
        }
        let txn = db.begin_write().map_err(|e| failed(e.into()))?;
        let looked = chunk(&txn, codec).map_err(|e| match e {
            Chunk::Store(e) => failed(e),
            Chunk::Body(id, e) => {
                StoreError::Write(format!("re-keying the index: message #{id}: {e}"))
            }
        })?;
        if looked < CHUNK as u64 {
            mark(&txn, Some(current)).map_err(failed)?;
            txn.open_table(META)
                .and_then(|mut m| m.remove(POSITION).map(drop).map_err(Into::into))
                .map_err(|e| failed(e.into()))?;
        }
        txn.commit().map_err(|e| failed(e.into()))?;
        done += looked;
        if looked > 0 {
            progress(done.min(total), total);
        }
        if looked < CHUNK as u64 {
            return Ok(Some(done));
        }
    }
}

/// Why a chunk stopped.
enum Chunk {
    Store(redb::Error),
    /// A body that does not open: its id, and why (never its content).
    Body(u64, crate::store::envelope::EnvelopeError),
}

impl From<redb::StorageError> for Chunk {
    fn from(e: redb::StorageError) -> Self {
        Chunk::Store(e.into())
    }
}

impl From<redb::TableError> for Chunk {
    fn from(e: redb::TableError) -> Self {
        Chunk::Store(e.into())
    }
}

impl From<redb::Error> for Chunk {
    fn from(e: redb::Error) -> Self {
        Chunk::Store(e)
    }
}

/// Re-keys the next at most [`CHUNK`] messages with declared values after the recorded
/// position, and records the new one; returns how many it looked at.
fn chunk(txn: &WriteTransaction, codec: &Codec) -> Result<u64, Chunk> {
    let from = {
        let meta = txn.open_table(META)?;
        let from = meta
            .get(POSITION)?
            .and_then(|v| v.value().parse::<u64>().ok());
        from.map_or(Bound::Unbounded, Bound::Excluded)
    };
    let mut tables = IndexTables::open(txn)?;
    let rows: Vec<(u64, Vec<(String, String)>)> = tables
        .declared
        .range::<u64>((from, Bound::Unbounded))?
        .take(CHUNK)
        .map(|row| {
            row.map(|(id, pairs)| {
                let pairs = pairs.value().into_iter();
                (
                    id.value(),
                    pairs.map(|(f, v)| (f.to_owned(), v.to_owned())).collect(),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    let messages = txn.open_table(MESSAGES)?;
    for (id, old) in &rows {
        let new = match messages.get(*id)? {
            Some(body) => {
                let body = codec.open(body.value()).map_err(|e| Chunk::Body(*id, e))?;
                now_declared(body, old, codec)
            }
            // Rows of a message no longer stored: `store verify` names them; nothing to keep.
            None => Vec::new(),
        };
        for (field, value) in old {
            tables
                .fields
                .remove((field.as_str(), value.as_str(), *id))?;
        }
        tables.declared.remove(*id)?;
        tables.merge(MessageId(*id), &new)?;
    }
    if let Some((last, _)) = rows.last() {
        txn.open_table(META)?
            .insert(POSITION, last.to_string().as_str())?;
    }
    Ok(rows.len() as u64)
}

/// The values a message's body gives the fields it was indexed by (`old`), digested under the
/// current key. The fields are read from their names, so a rotation needs no declarations.
fn now_declared<'o>(
    body: Vec<u8>,
    old: &'o [(String, String)],
    codec: &Codec,
) -> Vec<(&'o str, String)> {
    let Ok(msg) = messagefoundry_hl7::Message::parse_tolerant(body) else {
        return Vec::new();
    };
    let mut new = values_at(fields_named(old.iter().map(|(f, _)| f.as_str())), &msg);
    digest::seal(codec, &mut new);
    new
}

/// Each distinct field name once, with its path; a name that is not a path (never written so)
/// is left out.
pub(super) fn fields_named<'n>(names: impl Iterator<Item = &'n str>) -> Vec<(&'n str, Path)> {
    let mut out: Vec<(&'n str, Path)> = Vec::new();
    for name in names {
        if !out.iter().any(|(n, _)| *n == name)
            && let Ok(path) = Path::parse(name)
        {
            out.push((name, path));
        }
    }
    out
}
