//! What each write request does inside the writer's transaction.

use std::collections::HashSet;

use redb::{ReadableTable, WriteTransaction};

use super::tables::{
    self, CONTROL_IDS, DEAD_LETTERS, DELIVERIES, DISPOSITIONS, HANDLER_RESULTS, MESSAGE_INFO,
    MESSAGES, META, MessageId, PENDING_ROUTE, QUEUE,
};
use super::writer::Request;
use super::{QueueKey, Received, disposition_code, now_micros};
use crate::interface::Disposition;

/// Ids the writer hands out; they advance only when a transaction commits.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Counters {
    pub next_message: u64,
    pub next_seq: u64,
}

/// What a request produced, sent back after the commit.
pub(crate) enum Answer {
    Received(Received),
    Queued(Vec<QueueKey>),
    Count(u64),
    Done,
    /// The entry the request names is not there (already delivered, or a wrong key).
    Missing,
    /// For requests that write nothing.
    None,
}

/// Applies one request. A redb error aborts the whole transaction; a missing entry only fails
/// its own request.
pub(crate) fn apply(
    txn: &WriteTransaction,
    counters: &mut Counters,
    request: &Request,
) -> Result<Answer, redb::Error> {
    match request {
        Request::Receive { incoming, .. } => {
            let id = MessageId(counters.next_message);
            counters.next_message += 1;
            tables::insert_message(txn, id, &incoming.raw, &incoming.info)?;
            let mut duplicate_of = None;
            if let Some(dedupe) = &incoming.dedupe {
                let mut ids = txn.open_table(CONTROL_IDS)?;
                let key = (
                    &*incoming.inbound,
                    dedupe.sending_application.as_str(),
                    dedupe.control_id.as_str(),
                );
                let at = incoming.info.received_at_micros;
                if let Some(seen) = ids.get(key)? {
                    let (original, seen_at) = seen.value();
                    if at.saturating_sub(seen_at) <= dedupe.window_micros {
                        duplicate_of = Some(MessageId(original));
                    }
                }
                if duplicate_of.is_none() {
                    ids.insert(key, (id.0, at))?;
                }
            }
            match duplicate_of {
                Some(original) => {
                    let detail = format!("duplicate of {original}");
                    txn.open_table(DISPOSITIONS)?.insert(
                        id.0,
                        (disposition_code(Disposition::Filtered), detail.as_str()),
                    )?;
                }
                None if incoming.route => {
                    txn.open_table(PENDING_ROUTE)?
                        .insert(id.0, &*incoming.inbound)?;
                    txn.open_table(DISPOSITIONS)?
                        .insert(id.0, (disposition_code(Disposition::Received), ""))?;
                }
                None => {
                    txn.open_table(DISPOSITIONS)?.insert(
                        id.0,
                        (
                            disposition_code(Disposition::Error),
                            incoming.info.parse_error.as_str(),
                        ),
                    )?;
                }
            }
            Ok(Answer::Received(Received { id, duplicate_of }))
        }
        Request::Routed { record, .. } => {
            txn.open_table(PENDING_ROUTE)?.remove(record.message.0)?;
            txn.open_table(DISPOSITIONS)?.insert(
                record.message.0,
                (disposition_code(record.disposition), record.detail.as_str()),
            )?;
            let mut results = txn.open_table(HANDLER_RESULTS)?;
            for (i, h) in record.handlers.iter().enumerate() {
                results.insert(
                    (record.message.0, i as u32),
                    (
                        h.handler.as_str(),
                        disposition_code(h.disposition),
                        h.reason.as_str(),
                    ),
                )?;
            }
            let mut queue = txn.open_table(QUEUE)?;
            let mut keys = Vec::with_capacity(record.sends.len());
            for (outbound, payload) in &record.sends {
                let seq = counters.next_seq;
                counters.next_seq += 1;
                queue.insert(
                    (outbound.as_str(), seq),
                    (record.message.0, payload.as_slice(), 0u32),
                )?;
                keys.push(QueueKey {
                    outbound: outbound.clone(),
                    seq,
                });
            }
            Ok(Answer::Queued(keys))
        }
        Request::Delivered { key, attempts, .. } => {
            let mut queue = txn.open_table(QUEUE)?;
            let Some(entry) = queue.remove((key.outbound.as_str(), key.seq))? else {
                return Ok(Answer::Missing);
            };
            let (message, _, _) = entry.value();
            drop(entry);
            txn.open_table(DELIVERIES)?.insert(
                (key.outbound.as_str(), key.seq),
                (message, now_micros(), *attempts),
            )?;
            Ok(Answer::Done)
        }
        Request::Attempted { key, attempts, .. } => {
            let mut queue = txn.open_table(QUEUE)?;
            let Some(entry) = queue.get((key.outbound.as_str(), key.seq))? else {
                return Ok(Answer::Missing);
            };
            let (message, payload, _) = entry.value();
            let payload = payload.to_vec();
            drop(entry);
            queue.insert(
                (key.outbound.as_str(), key.seq),
                (message, payload.as_slice(), *attempts),
            )?;
            Ok(Answer::Done)
        }
        Request::DeadLetter {
            key,
            attempts,
            reason,
            ..
        } => {
            let mut queue = txn.open_table(QUEUE)?;
            let Some(entry) = queue.remove((key.outbound.as_str(), key.seq))? else {
                return Ok(Answer::Missing);
            };
            let (message, payload, _) = entry.value();
            let payload = payload.to_vec();
            drop(entry);
            txn.open_table(DEAD_LETTERS)?.insert(
                (key.outbound.as_str(), key.seq),
                (
                    message,
                    payload.as_slice(),
                    *attempts,
                    reason.as_str(),
                    now_micros(),
                ),
            )?;
            Ok(Answer::Done)
        }
        Request::Replay { key, .. } => {
            let mut dead = txn.open_table(DEAD_LETTERS)?;
            let Some(entry) = dead.remove((key.outbound.as_str(), key.seq))? else {
                return Ok(Answer::Missing);
            };
            let (message, payload, _, _, _) = entry.value();
            let payload = payload.to_vec();
            drop(entry);
            let seq = counters.next_seq;
            counters.next_seq += 1;
            txn.open_table(QUEUE)?.insert(
                (key.outbound.as_str(), seq),
                (message, payload.as_slice(), 0u32),
            )?;
            Ok(Answer::Queued(vec![QueueKey {
                outbound: key.outbound.clone(),
                seq,
            }]))
        }
        Request::Prune { before_micros, .. } => prune(txn, *before_micros).map(Answer::Count),
        Request::CommitCount { .. } | Request::Stop => Ok(Answer::None),
    }
}

/// Writes the sequence counter if it moved (message ids come from the `messages` table).
pub(crate) fn save_counters(
    txn: &WriteTransaction,
    before: &Counters,
    after: &Counters,
) -> Result<(), redb::Error> {
    if before.next_seq != after.next_seq {
        txn.open_table(META)?
            .insert("next_seq", after.next_seq.to_string().as_str())?;
    }
    Ok(())
}

/// Deletes messages received before `before_micros` that nothing still needs: not waiting to
/// be routed, not queued, not dead-lettered. Returns how many were deleted.
fn prune(txn: &WriteTransaction, before_micros: u64) -> Result<u64, redb::Error> {
    let mut keep: HashSet<u64> = HashSet::new();
    for row in txn.open_table(PENDING_ROUTE)?.iter()? {
        keep.insert(row?.0.value());
    }
    for row in txn.open_table(QUEUE)?.iter()? {
        keep.insert(row?.1.value().0);
    }
    for row in txn.open_table(DEAD_LETTERS)?.iter()? {
        keep.insert(row?.1.value().0);
    }
    let mut doomed = Vec::new();
    for row in txn.open_table(MESSAGE_INFO)?.iter()? {
        let row = row?;
        let id = row.0.value();
        if row.1.value().1 < before_micros && !keep.contains(&id) {
            doomed.push(id);
        }
    }
    let doomed_set: HashSet<u64> = doomed.iter().copied().collect();
    let mut messages = txn.open_table(MESSAGES)?;
    let mut infos = txn.open_table(MESSAGE_INFO)?;
    let mut dispositions = txn.open_table(DISPOSITIONS)?;
    let mut results = txn.open_table(HANDLER_RESULTS)?;
    for &id in &doomed {
        messages.remove(id)?;
        infos.remove(id)?;
        dispositions.remove(id)?;
        results.retain_in((id, 0u32)..=(id, u32::MAX), |_, _| false)?;
    }
    txn.open_table(DELIVERIES)?
        .retain(|_, v| !doomed_set.contains(&v.0))?;
    txn.open_table(CONTROL_IDS)?
        .retain(|_, v| v.1 >= before_micros)?;
    Ok(doomed.len() as u64)
}
