//! What each write request does inside the writer's transaction.

use std::collections::HashSet;

use redb::{ReadableTable, WriteTransaction};

use super::destinations::{self, SendOrigin};
use super::queue_counters::{QUEUE_COUNTERS, Tally};
use super::request::Request;
use super::tables::{
    self, CONTROL_IDS, DEAD_LETTERS, DELIVERIES, DELIVERY_ACKS, DESTINATIONS, DISPOSITIONS, EDITS,
    HANDLER_RESULTS, MESSAGE_INFO, MESSAGES, META, MessageId, QUEUE,
};
use super::{Edit, Edited, QueueKey, Received, RouteRecord, disposition_code, now_micros};
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
    /// Each message of a part of a file, in order.
    ReceivedFile(Vec<Received>),
    /// What storing each message of a batch gave, in the batch's order.
    ReceivedAll(Vec<Received>),
    /// The queue keys of each routed message's sends, in the order of the records.
    Routed(Vec<Vec<QueueKey>>),
    Queued(Vec<QueueKey>),
    Edited(Edited),
    /// How many messages a prune chunk deleted, and where the next chunk starts.
    Pruned {
        deleted: u64,
        next: Option<u64>,
    },
    Done,
    /// The entry the request names is not there (already delivered, or a wrong key).
    Missing,
    /// For requests that write nothing.
    None,
}

/// Every table, opened once per transaction: opening a table costs a lookup, and a group
/// holds hundreds of requests.
pub(crate) struct Tables<'t> {
    messages: redb::Table<'t, u64, &'static [u8]>,
    infos: redb::Table<'t, u64, tables::InfoRow>,
    dispositions: redb::Table<'t, u64, (u8, &'static str)>,
    results: redb::Table<'t, (u64, u32), (&'static str, u8, &'static str)>,
    queue: redb::Table<'t, (&'static str, u64), tables::QueueRow>,
    deliveries: redb::Table<'t, (&'static str, u64), (u64, u64, u32)>,
    dead: redb::Table<'t, (&'static str, u64), tables::DeadLetterRow>,
    control_ids: redb::Table<'t, (&'static str, &'static str, &'static str), (u64, u64)>,
    destinations: redb::Table<'t, (u64, u32), tables::DestinationRow>,
    acks: redb::Table<'t, (&'static str, u64), &'static str>,
    edits: redb::Table<'t, u64, (u64, u64)>,
    pub(super) files: redb::Table<'t, (&'static str, &'static str), (&'static [u8], u64)>,
    queue_counters: redb::Table<'t, &'static str, (u64, u64)>,
    /// The search indexes, written beside each message.
    index: super::index::IndexTables<'t>,
    /// What this transaction did to each queue, written to `queue_counters` before the commit.
    tally: Tally,
    /// The messages this transaction stored to be routed and those it routed.
    pub(crate) unrouted: super::unrouted::Staged,
}

impl<'t> Tables<'t> {
    pub(crate) fn open(txn: &'t WriteTransaction) -> Result<Tables<'t>, redb::Error> {
        Ok(Tables {
            messages: txn.open_table(MESSAGES)?,
            infos: txn.open_table(MESSAGE_INFO)?,
            dispositions: txn.open_table(DISPOSITIONS)?,
            results: txn.open_table(HANDLER_RESULTS)?,
            queue: txn.open_table(QUEUE)?,
            deliveries: txn.open_table(DELIVERIES)?,
            dead: txn.open_table(DEAD_LETTERS)?,
            control_ids: txn.open_table(CONTROL_IDS)?,
            destinations: txn.open_table(DESTINATIONS)?,
            acks: txn.open_table(DELIVERY_ACKS)?,
            edits: txn.open_table(EDITS)?,
            files: txn.open_table(super::files::FILE_PROGRESS)?,
            queue_counters: txn.open_table(QUEUE_COUNTERS)?,
            index: super::index::IndexTables::open(txn)?,
            tally: Tally::default(),
            unrouted: super::unrouted::Staged::default(),
        })
    }

    /// Writes the queue counters of the outbounds this transaction touched; called once,
    /// before the commit.
    pub(crate) fn settle(&mut self) -> Result<(), redb::Error> {
        self.tally
            .write(&mut self.queue_counters, &self.queue, &self.infos)
    }
}

/// Applies one request. A redb error aborts the whole transaction; a missing entry only fails
/// its own request.
pub(crate) fn apply(
    t: &mut Tables<'_>,
    counters: &mut Counters,
    request: &Request,
) -> Result<Answer, redb::Error> {
    match request {
        Request::Receive { incoming, .. } => receive(t, counters, incoming).map(Answer::Received),
        Request::ReceiveFile { part, .. } => super::files::receive_part(t, counters, part),
        Request::FileFinished { inbound, file, .. } => {
            t.files.remove((inbound.as_str(), file.as_str()))?;
            Ok(Answer::Done)
        }
        Request::ReceiveAll { incoming, .. } => {
            let received = incoming
                .iter()
                .map(|one| receive(t, counters, one))
                .collect::<Result<_, _>>()?;
            Ok(Answer::ReceivedAll(received))
        }
        Request::Routed { records, .. } => {
            // One request, applied in order: queue positions follow the records' order, which
            // is the inbound's arrival order, whatever order other requests reach the writer.
            let mut keys = Vec::with_capacity(records.len());
            for record in records {
                keys.push(record_route(t, counters, record)?);
            }
            Ok(Answer::Routed(keys))
        }
        Request::Delivered {
            key, attempts, ack, ..
        } => Ok(match deliver(t, key, *attempts, ack)? {
            true => Answer::Done,
            false => Answer::Missing,
        }),
        Request::DeliveredAll { keys, ack, .. } => {
            // Entries already gone (delivered, dead-lettered by an operator) are passed over.
            for (key, attempts) in keys {
                deliver(t, key, *attempts, ack)?;
            }
            Ok(Answer::Done)
        }
        Request::Attempted { key, attempts, .. } => {
            let Some(entry) = t.queue.get((key.outbound.as_str(), key.seq))? else {
                return Ok(Answer::Missing);
            };
            let (message, payload, _, control_id) = entry.value();
            let (payload, control_id) = (payload.to_vec(), control_id.to_owned());
            drop(entry);
            t.queue.insert(
                (key.outbound.as_str(), key.seq),
                (message, payload.as_slice(), *attempts, control_id.as_str()),
            )?;
            Ok(Answer::Done)
        }
        Request::DeadLetter {
            key,
            attempts,
            reason,
            ..
        } => {
            let Some(entry) = t.queue.remove((key.outbound.as_str(), key.seq))? else {
                return Ok(Answer::Missing);
            };
            let (message, payload, _, control_id) = entry.value();
            let (payload, control_id) = (payload.to_vec(), control_id.to_owned());
            drop(entry);
            t.tally.removed(&key.outbound);
            t.dead.insert(
                (key.outbound.as_str(), key.seq),
                (
                    message,
                    payload.as_slice(),
                    *attempts,
                    reason.as_str(),
                    now_micros(),
                    control_id.as_str(),
                ),
            )?;
            Ok(Answer::Done)
        }
        Request::Replay { key, .. } => {
            let Some(entry) = t.dead.remove((key.outbound.as_str(), key.seq))? else {
                return Ok(Answer::Missing);
            };
            let (message, payload, _, _, _, control_id) = entry.value();
            let (payload, control_id) = (payload.to_vec(), control_id.to_owned());
            drop(entry);
            let seq = counters.next_seq;
            counters.next_seq += 1;
            t.queue.insert(
                (key.outbound.as_str(), seq),
                (message, payload.as_slice(), 0u32, control_id.as_str()),
            )?;
            t.tally.queued(&key.outbound);
            destinations::moved(&mut t.destinations, MessageId(message), key, seq)?;
            Ok(Answer::Queued(vec![QueueKey {
                outbound: key.outbound.clone(),
                seq,
            }]))
        }
        Request::Resend {
            message,
            outbound,
            copy,
            ..
        } => {
            if t.messages.get(message.0)?.is_none() {
                return Ok(Answer::Missing);
            }
            let key = queue_copy(
                t,
                counters,
                *message,
                outbound,
                &SendOrigin::Operator,
                QueuedCopy {
                    payload: &copy.payload,
                    control_id: &copy.control_id,
                },
            )?;
            Ok(Answer::Queued(vec![key]))
        }
        Request::Edit { edit, .. } => store_edit(t, counters, edit),
        Request::Prune {
            before_micros,
            from,
            limit,
            ..
        } => prune_chunk(t, *before_micros, *from, *limit),
        Request::CommitCount { .. } | Request::Stop | Request::Sync { .. } => Ok(Answer::None),
    }
}

/// Moves a queued entry to the delivery history with the acknowledgment code that delivered
/// it; false when the entry is not queued.
fn deliver(
    t: &mut Tables<'_>,
    key: &QueueKey,
    attempts: u32,
    ack: &str,
) -> Result<bool, redb::Error> {
    let Some(entry) = t.queue.remove((key.outbound.as_str(), key.seq))? else {
        return Ok(false);
    };
    let (message, ..) = entry.value();
    drop(entry);
    t.tally.removed(&key.outbound);
    t.deliveries.insert(
        (key.outbound.as_str(), key.seq),
        (message, now_micros(), attempts),
    )?;
    t.acks.insert((key.outbound.as_str(), key.seq), ack)?;
    Ok(true)
}

/// Stores one received message: its bytes and summary, and either its place among the
/// messages waiting to be routed or its final disposition (a duplicate, or refused).
pub(crate) fn receive(
    t: &mut Tables<'_>,
    counters: &mut Counters,
    incoming: &super::Incoming,
) -> Result<Received, redb::Error> {
    let id = MessageId(counters.next_message);
    counters.next_message += 1;
    tables::insert_message(
        &mut t.messages,
        &mut t.infos,
        id,
        &incoming.raw,
        &incoming.info,
    )?;
    let info = &incoming.info;
    t.index.insert(
        id,
        info.received_at_micros,
        &info.message_type,
        &info.control_id,
        &incoming.index,
    )?;
    let mut duplicate_of = None;
    if let Some(dedupe) = &incoming.dedupe {
        let ids = &mut t.control_ids;
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
            t.dispositions.insert(
                id.0,
                (disposition_code(Disposition::Filtered), detail.as_str()),
            )?;
        }
        None => match &incoming.refused {
            // No disposition row is what RECEIVED means; it is written once, when the
            // message is routed.
            None => t.unrouted.stored(id, &incoming.inbound),
            Some(reason) => {
                t.dispositions.insert(
                    id.0,
                    (disposition_code(Disposition::Error), reason.as_str()),
                )?;
            }
        },
    }
    Ok(Received { id, duplicate_of })
}

/// Records one message's routing and queues its sends at the end of their outbounds' queues.
fn record_route(
    t: &mut Tables<'_>,
    counters: &mut Counters,
    record: &RouteRecord,
) -> Result<Vec<QueueKey>, redb::Error> {
    t.unrouted.routed(record.message);
    t.dispositions.insert(
        record.message.0,
        (disposition_code(record.disposition), record.detail.as_str()),
    )?;
    for (i, h) in record.handlers.iter().enumerate() {
        t.results.insert(
            (record.message.0, i as u32),
            (
                h.handler.as_str(),
                disposition_code(h.disposition),
                h.reason.as_str(),
            ),
        )?;
    }
    let mut keys = Vec::with_capacity(record.sends.len());
    for send in &record.sends {
        let origin = SendOrigin::Handler(send.handler.clone());
        let copy = QueuedCopy {
            payload: &send.payload,
            control_id: &send.control_id,
        };
        keys.push(queue_copy(
            t,
            counters,
            record.message,
            &send.outbound,
            &origin,
            copy,
        )?);
    }
    Ok(keys)
}

/// What one queued copy is: its payload (empty: the message as received) and that payload's
/// MSH-10, which the sender matches against the ACK.
#[derive(Clone, Copy)]
pub(crate) struct QueuedCopy<'a> {
    pub payload: &'a [u8],
    pub control_id: &'a str,
}

/// Queues one copy of a message at the end of its outbound's queue and records where it went.
fn queue_copy(
    t: &mut Tables<'_>,
    counters: &mut Counters,
    message: MessageId,
    outbound: &str,
    origin: &SendOrigin,
    copy: QueuedCopy<'_>,
) -> Result<QueueKey, redb::Error> {
    let QueuedCopy {
        payload,
        control_id,
    } = copy;
    let seq = counters.next_seq;
    counters.next_seq += 1;
    t.queue
        .insert((outbound, seq), (message.0, payload, 0u32, control_id))?;
    t.tally.queued(outbound);
    let key = QueueKey {
        outbound: outbound.to_owned(),
        seq,
    };
    destinations::record(
        &mut t.destinations,
        message,
        &key,
        origin,
        payload,
        now_micros(),
    )?;
    Ok(key)
}

/// Stores an edit as a message of its own, linked to its original, and either leaves it to be
/// routed through the original's inbound or queues it for one outbound.
fn store_edit(
    t: &mut Tables<'_>,
    counters: &mut Counters,
    edit: &Edit,
) -> Result<Answer, redb::Error> {
    if t.messages.get(edit.original.0)?.is_none() {
        return Ok(Answer::Missing);
    }
    let id = MessageId(counters.next_message);
    counters.next_message += 1;
    tables::insert_message(&mut t.messages, &mut t.infos, id, &edit.raw, &edit.info)?;
    let info = &edit.info;
    t.index.insert(
        id,
        info.received_at_micros,
        &info.message_type,
        &info.control_id,
        &edit.index,
    )?;
    t.edits.insert(id.0, (edit.original.0, now_micros()))?;
    let queued = match &edit.to {
        None => {
            t.unrouted.stored(id, &edit.info.inbound);
            None
        }
        Some(outbound) => {
            let detail = format!(
                "edit of {} sent to {outbound} by the operator",
                edit.original
            );
            t.dispositions.insert(
                id.0,
                (disposition_code(Disposition::Processed), detail.as_str()),
            )?;
            // The edit as stored is what goes: its own MSH-10, read when it was parsed.
            let copy = QueuedCopy {
                payload: &[],
                control_id: &edit.info.control_id,
            };
            Some(queue_copy(
                t,
                counters,
                id,
                outbound,
                &SendOrigin::Operator,
                copy,
            )?)
        }
    };
    Ok(Answer::Edited(Edited { edit: id, queued }))
}

/// Writes the sequence counter if it moved. Message ids come from the `messages` table, except
/// after a prune, which may delete the newest messages: then the next id is written too, so a
/// restart does not hand out a pruned message's id again.
pub(crate) fn save_counters(
    txn: &WriteTransaction,
    before: &Counters,
    after: &Counters,
    pruned: bool,
) -> Result<(), redb::Error> {
    if before.next_seq != after.next_seq {
        txn.open_table(META)?
            .insert("next_seq", after.next_seq.to_string().as_str())?;
    }
    if pruned {
        txn.open_table(META)?
            .insert("next_message", after.next_message.to_string().as_str())?;
    }
    Ok(())
}

/// Looks at up to `limit` messages from id `from` on, and deletes those received before
/// `before_micros` that nothing still needs (not waiting to be routed, not queued, not
/// dead-lettered).
///
/// One chunk's work is bounded by the limit and the size of the queues, so a prune of a large
/// store runs as many short transactions and intake goes on between them. The scan stops at
/// the first message received at or after the cut-off: ids grow with time. The last chunk also
/// drops the delivery history of deleted messages and the duplicate-detection entries older
/// than the cut-off.
fn prune_chunk(
    t: &mut Tables<'_>,
    before_micros: u64,
    from: u64,
    limit: usize,
) -> Result<Answer, redb::Error> {
    let mut keep: HashSet<u64> = HashSet::new();
    for row in t.queue.iter()? {
        keep.insert(row?.1.value().0);
    }
    for row in t.dead.iter()? {
        keep.insert(row?.1.value().0);
    }
    let mut doomed = Vec::new();
    let mut next = None;
    // Counting every message looked at, kept or not, is what bounds the chunk: a store full
    // of queued messages is passed over `limit` at a time too.
    for (looked, row) in t.infos.range(from..)?.enumerate() {
        let row = row?;
        let id = row.0.value();
        if row.1.value().1 >= before_micros {
            break;
        }
        if looked == limit {
            next = Some(id);
            break;
        }
        // A message without a disposition waits to be routed.
        if !keep.contains(&id) && t.dispositions.get(id)?.is_some() {
            doomed.push(id);
        }
    }
    for &id in &doomed {
        t.messages.remove(id)?;
        if let Some(row) = t.infos.remove(id)? {
            let (_, at, _, _, kind, control, ..) = row.value();
            t.index.remove(MessageId(id), at, kind, control)?;
        }
        t.dispositions.remove(id)?;
        t.results
            .retain_in((id, 0u32)..=(id, u32::MAX), |_, _| false)?;
        t.destinations
            .retain_in((id, 0u32)..=(id, u32::MAX), |_, _| false)?;
        t.edits.remove(id)?;
    }
    if next.is_none() {
        let messages = &t.messages;
        let mut gone = Vec::new();
        for row in t.deliveries.iter()? {
            let (key, value) = row?;
            let (message, delivered_at, _) = value.value();
            if delivered_at < before_micros && messages.get(message)?.is_none() {
                let (outbound, seq) = key.value();
                gone.push((outbound.to_owned(), seq));
            }
        }
        for (outbound, seq) in &gone {
            t.deliveries.remove((outbound.as_str(), *seq))?;
            t.acks.remove((outbound.as_str(), *seq))?;
        }
        t.control_ids.retain(|_, v| v.1 >= before_micros)?;
    }
    Ok(Answer::Pruned {
        deleted: doomed.len() as u64,
        next,
    })
}
