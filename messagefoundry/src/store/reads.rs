//! Reading the store: read transactions beside the writer. Blocking calls.

use redb::{ReadableDatabase, ReadableTable};

use super::StoreError;
use super::envelope::Codec;
use super::queue_counters::{self, QUEUE_COUNTERS, QueueCount};
use super::tables::{DEAD_LETTERS, DISPOSITIONS, HANDLER_RESULTS, MESSAGES, MessageId, QUEUE};
use super::{HandlerRecord, QueueKey, disposition_of};
use crate::interface::Disposition;

/// A message-level disposition as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredDisposition {
    /// The disposition.
    pub disposition: Disposition,
    /// Its detail (an error's reason, "duplicate of #N"), or empty.
    pub detail: String,
}

/// A message waiting in an outbound's queue.
#[derive(Debug, Clone)]
pub struct QueueEntry {
    /// Where it is.
    pub key: QueueKey,
    /// The message it came from.
    pub message: MessageId,
    /// The bytes to send.
    pub payload: Vec<u8>,
    /// How many attempts were made so far.
    pub attempts: u32,
    /// The payload's MSH-10, which the downstream echoes in MSA-2, read when the copy was
    /// queued; empty when it is not known (a payload that does not parse).
    pub control_id: String,
}

/// A message that failed for good, as listed: where it was queued and why it failed, without
/// its content.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeadLetter {
    /// Where it was queued.
    pub key: QueueKey,
    /// The message it came from.
    pub message: MessageId,
    /// How many attempts were made.
    pub attempts: u32,
    /// Why it failed (no patient data).
    pub reason: String,
    /// When it was dead-lettered, µs since the Unix epoch.
    pub at_micros: u64,
}

/// The stored bytes of messages waiting to be routed, in the order given.
pub(crate) fn waiting_bodies(
    db: &redb::Database,
    ids: &[MessageId],
) -> Result<Vec<(MessageId, Vec<u8>)>, redb::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let txn = db.begin_read()?;
    let messages = txn.open_table(MESSAGES)?;
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        let Some(raw) = messages.get(id.0)? else {
            return Err(redb::Error::Corrupted(format!(
                "message {id} waits to be routed but is not stored"
            )));
        };
        out.push((id, raw.value().to_vec()));
    }
    Ok(out)
}

pub(crate) fn disposition(
    db: &redb::Database,
    id: MessageId,
) -> Result<Option<StoredDisposition>, redb::Error> {
    let txn = db.begin_read()?;
    let table = txn.open_table(DISPOSITIONS)?;
    if let Some(row) = table.get(id.0)? {
        let (code, detail) = row.value();
        return Ok(Some(StoredDisposition {
            disposition: disposition_of(code),
            detail: detail.to_owned(),
        }));
    }
    // Stored without a disposition: waiting to be routed, RECEIVED.
    let messages = txn.open_table(MESSAGES)?;
    Ok(messages.get(id.0)?.map(|_| StoredDisposition {
        disposition: Disposition::Received,
        detail: String::new(),
    }))
}

pub(crate) fn handler_results(
    db: &redb::Database,
    id: MessageId,
) -> Result<Vec<HandlerRecord>, redb::Error> {
    let txn = db.begin_read()?;
    let table = txn.open_table(HANDLER_RESULTS)?;
    let mut out = Vec::new();
    for row in table.range((id.0, 0u32)..=(id.0, u32::MAX))? {
        let (_, value) = row?;
        let (handler, code, reason) = value.value();
        out.push(HandlerRecord {
            handler: handler.to_owned(),
            disposition: disposition_of(code),
            reason: reason.to_owned(),
        });
    }
    Ok(out)
}

/// The first `limit` entries of an outbound's queue with a sequence above `after`, their
/// payloads opened from their envelopes straight out of the file's pages.
pub(crate) fn queue_head(
    db: &redb::Database,
    codec: &Codec,
    outbound: &str,
    after: Option<u64>,
    limit: usize,
) -> Result<Vec<QueueEntry>, StoreError> {
    let Some(first) = after.map_or(Some(0), |seq| seq.checked_add(1)) else {
        return Ok(Vec::new());
    };
    let read = |e: redb::Error| StoreError::Read(e.to_string());
    let txn = db.begin_read().map_err(|e| read(e.into()))?;
    let table = txn.open_table(QUEUE).map_err(|e| read(e.into()))?;
    let messages = txn.open_table(MESSAGES).map_err(|e| read(e.into()))?;
    let mut out = Vec::new();
    for row in table
        .range((outbound, first)..=(outbound, u64::MAX))
        .map_err(|e| read(e.into()))?
        .take(limit)
    {
        let (key, value) = row.map_err(|e| read(e.into()))?;
        let (_, seq) = key.value();
        let (message, payload, attempts, control_id) = value.value();
        out.push(QueueEntry {
            key: QueueKey {
                outbound: outbound.to_owned(),
                seq,
            },
            message: MessageId(message),
            payload: open_payload(&messages, codec, message, payload)?,
            attempts,
            control_id: control_id.to_owned(),
        });
    }
    Ok(out)
}

pub(crate) fn queue_len(db: &redb::Database, outbound: &str) -> Result<u64, redb::Error> {
    let txn = db.begin_read()?;
    let table = txn.open_table(QUEUE)?;
    let mut n = 0;
    for row in table.range((outbound, 0u64)..=(outbound, u64::MAX))? {
        row?;
        n += 1;
    }
    Ok(n)
}

pub(crate) fn queue_count(db: &redb::Database, outbound: &str) -> Result<QueueCount, redb::Error> {
    let txn = db.begin_read()?;
    let table = txn.open_table(QUEUE_COUNTERS)?;
    queue_counters::read(&table, outbound)
}

pub(crate) fn dead_letters(
    db: &redb::Database,
    outbound: Option<&str>,
) -> Result<Vec<DeadLetter>, redb::Error> {
    let txn = db.begin_read()?;
    let table = txn.open_table(DEAD_LETTERS)?;
    let mut out = Vec::new();
    for row in table.iter()? {
        let (key, value) = row?;
        let (name, seq) = key.value();
        if outbound.is_some_and(|o| o != name) {
            continue;
        }
        let (message, _, attempts, reason, at, _) = value.value();
        out.push(DeadLetter {
            key: QueueKey {
                outbound: name.to_owned(),
                seq,
            },
            message: MessageId(message),
            attempts,
            reason: reason.to_owned(),
            at_micros: at,
        });
    }
    out.sort_by_key(|d| d.key.seq);
    Ok(out)
}

/// A queued payload, opened: the bytes given, or the message's own bytes when it was queued
/// by reference (an empty payload; a real message is never empty).
fn open_payload(
    messages: &redb::ReadOnlyTable<u64, &'static [u8]>,
    codec: &Codec,
    message: u64,
    payload: &[u8],
) -> Result<Vec<u8>, StoreError> {
    if !payload.is_empty() {
        return Ok(codec.open(payload)?);
    }
    match messages.get(message) {
        Ok(Some(raw)) => Ok(codec.open(raw.value())?),
        Ok(None) => Err(StoreError::Read(format!(
            "queued message #{message} is not stored"
        ))),
        Err(e) => Err(StoreError::Read(e.to_string())),
    }
}
