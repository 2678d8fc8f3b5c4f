//! Each outbound's queue depth and the receipt time of the message at its head, kept in the
//! store beside the queue, so `/metrics` and `messages queues` read them with one lookup
//! instead of counting the queue.
//!
//! The writer notes, per transaction, how many entries each outbound gained or lost
//! ([`Tally`]), and before the commit writes each touched outbound's row: its depth moved by
//! the net change, its head read again from the queue (one B-tree lookup). The rows are
//! written in the transaction that changed the queue, so a crash keeps them and the queue in
//! step. A store written before the rows existed has no `queue_counters` mark in `meta`: the
//! rows are built from a scan of the queue once, when it opens.

use std::collections::BTreeMap;

use redb::{ReadableTable, TableDefinition, WriteTransaction};

use super::tables::{InfoRow, MESSAGE_INFO, META, QUEUE, QueueRow};

/// `queue_counters`: outbound → (entries queued, receipt time in µs of the message at the
/// head). An outbound with an empty queue has no row.
pub(crate) const QUEUE_COUNTERS: TableDefinition<&str, (u64, u64)> =
    TableDefinition::new("queue_counters");

/// The `meta` key whose presence says the rows are kept by the writer.
const KEPT: &str = "queue_counters";

/// One outbound's queue, as counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct QueueCount {
    /// Entries waiting to be delivered.
    pub depth: u64,
    /// When the message at the head of the queue was received (µs since the Unix epoch);
    /// `None` when the queue is empty.
    pub head_received_at_micros: Option<u64>,
}

impl QueueCount {
    fn of_row((depth, head): (u64, u64)) -> QueueCount {
        QueueCount {
            depth,
            head_received_at_micros: (depth > 0).then_some(head),
        }
    }
}

/// What one transaction did to each outbound's queue: net entries added.
#[derive(Default)]
pub(crate) struct Tally {
    changes: BTreeMap<String, i64>,
}

impl Tally {
    /// An entry was added to `outbound`'s queue.
    pub(crate) fn queued(&mut self, outbound: &str) {
        self.change(outbound, 1);
    }

    /// An entry left `outbound`'s queue.
    pub(crate) fn removed(&mut self, outbound: &str) {
        self.change(outbound, -1);
    }

    fn change(&mut self, outbound: &str, by: i64) {
        // Looked up by `&str` first: a group of hundreds of sends to one outbound allocates
        // its name once.
        match self.changes.get_mut(outbound) {
            Some(n) => *n += by,
            None => {
                self.changes.insert(outbound.to_owned(), by);
            }
        }
    }

    /// Writes the row of every outbound touched since the last call, in the open transaction.
    pub(crate) fn write(
        &mut self,
        counters: &mut redb::Table<'_, &'static str, (u64, u64)>,
        queue: &impl ReadableTable<(&'static str, u64), QueueRow>,
        infos: &impl ReadableTable<u64, InfoRow>,
    ) -> Result<(), redb::Error> {
        for (outbound, change) in std::mem::take(&mut self.changes) {
            let before = counters.get(outbound.as_str())?.map_or(0, |v| v.value().0);
            let depth = before.checked_add_signed(change).unwrap_or_else(|| {
                // Only a counter already wrong gets here; the scan at verify finds it.
                tracing::warn!(outbound = %outbound, "queue counter went below zero; set to 0");
                0
            });
            match head(queue, infos, &outbound)? {
                Some(received) if depth > 0 => {
                    counters.insert(outbound.as_str(), (depth, received))?;
                }
                _ => {
                    counters.remove(outbound.as_str())?;
                }
            }
        }
        Ok(())
    }
}

/// The receipt time of the message at the head of `outbound`'s queue (0 when that message is
/// not stored, which verify reports); `None` when the queue is empty.
fn head(
    queue: &impl ReadableTable<(&'static str, u64), QueueRow>,
    infos: &impl ReadableTable<u64, InfoRow>,
    outbound: &str,
) -> Result<Option<u64>, redb::Error> {
    let Some(first) = queue
        .range((outbound, 0u64)..=(outbound, u64::MAX))?
        .next()
        .transpose()?
    else {
        return Ok(None);
    };
    let message = first.1.value().0;
    Ok(Some(infos.get(message)?.map_or(0, |row| row.value().1)))
}

/// Every outbound's row as a scan of the queue finds it: what the counters must equal.
pub(crate) fn scan(
    queue: &impl ReadableTable<(&'static str, u64), QueueRow>,
    infos: &impl ReadableTable<u64, InfoRow>,
) -> Result<BTreeMap<String, QueueCount>, redb::Error> {
    let mut out: BTreeMap<String, QueueCount> = BTreeMap::new();
    for row in queue.iter()? {
        let (key, value) = row?;
        let (outbound, _) = key.value();
        // Keys are ordered by (outbound, sequence): an outbound's first row is its head.
        if let Some(count) = out.get_mut(outbound) {
            count.depth += 1;
            continue;
        }
        let received = infos.get(value.value().0)?.map_or(0, |r| r.value().1);
        out.insert(
            outbound.to_owned(),
            QueueCount {
                depth: 1,
                head_received_at_micros: Some(received),
            },
        );
    }
    Ok(out)
}

/// Every outbound's row as stored.
pub(crate) fn stored(
    counters: &impl ReadableTable<&'static str, (u64, u64)>,
) -> Result<BTreeMap<String, QueueCount>, redb::Error> {
    let mut out = BTreeMap::new();
    for row in counters.iter()? {
        let (outbound, value) = row?;
        out.insert(
            outbound.value().to_owned(),
            QueueCount::of_row(value.value()),
        );
    }
    Ok(out)
}

/// One outbound's row as stored.
pub(crate) fn read(
    counters: &impl ReadableTable<&'static str, (u64, u64)>,
    outbound: &str,
) -> Result<QueueCount, redb::Error> {
    Ok(counters
        .get(outbound)?
        .map_or_else(QueueCount::default, |v| QueueCount::of_row(v.value())))
}

/// Whether the writer keeps the rows of this store (the mark in `meta`).
pub(crate) fn kept(
    meta: &impl ReadableTable<&'static str, &'static str>,
) -> Result<bool, redb::Error> {
    Ok(meta.get(KEPT)?.is_some())
}

/// At open: builds the rows from a scan of the queue when the store has none yet (written
/// before they existed), and marks them kept. Returns whether it built them.
pub(crate) fn ensure(txn: &WriteTransaction) -> Result<bool, redb::Error> {
    let mut meta = txn.open_table(META)?;
    let mut counters = txn.open_table(QUEUE_COUNTERS)?;
    if kept(&meta)? {
        return Ok(false);
    }
    let queue = txn.open_table(QUEUE)?;
    let infos = txn.open_table(MESSAGE_INFO)?;
    let started = std::time::Instant::now();
    let counted = scan(&queue, &infos)?;
    counters.retain(|_, _| false)?;
    for (outbound, count) in &counted {
        let head = count.head_received_at_micros.unwrap_or(0);
        counters.insert(outbound.as_str(), (count.depth, head))?;
    }
    meta.insert(KEPT, "1")?;
    tracing::info!(
        outbounds = counted.len(),
        queued = counted.values().map(|c| c.depth).sum::<u64>(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "queue counters built from a scan of the queue (a store written before they were kept)"
    );
    Ok(true)
}

#[cfg(test)]
mod tests;
