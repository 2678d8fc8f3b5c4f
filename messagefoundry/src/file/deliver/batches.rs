//! Batch files (`batch = N`): the writer takes up to N messages from the head of its queue and
//! writes them as one file, FHS, BHS, the messages as queued, BTS (their count), FTS (one
//! batch), under a temporary name, flushed, renamed, the folder flushed; then it records
//! every message of the file delivered in one store transaction.
//!
//! - A batch is written once it is full, or once the message at the head of the queue has
//!   waited `batch_wait` since it was received, or at shutdown: what is queued then is written
//!   as it is (full files, and the last one partial).
//! - The file's name comes from the batch's first message: `{seq}` is its place in the queue,
//!   an HL7 path its value. A batch is the head of the queue, so a crash between the rename
//!   and the record gives the same first message, the same name, at the next start. That
//!   file is then read: when its messages are, in order, those at the head of the queue, they
//!   count as delivered, and no second file holds them.
//! - The folder is missing, not writable, full: the batch stays at the head of the queue and
//!   is tried again with backoff for as long as it takes, so order is kept.
//! - The name is taken by a different file: tried again per the retry policy, then the
//!   message the name comes from (the first) is dead-lettered and the next one names the
//!   batch. So is a first message whose name cannot be made (an empty field).
//! - A queued message that is not valid HL7 is dead-lettered before its batch is written.

use std::time::{Duration, SystemTime};

use messagefoundry_hl7::batch::{self, BatchBuilder, HeaderFields};
use messagefoundry_hl7::{Message, Path, hl7_timestamp};

use super::{FileSender, IDLE_CHECK, WRITTEN, unwritable};
use crate::file::folder::Folder;
use crate::file::name;
use crate::interface::ParsePolicy;
use crate::store::{QueueEntry, StoreError, now_micros};

/// What became of one attempt to write a batch.
enum Written {
    /// The file holds these messages: the batch, or those a file written before a crash
    /// holds.
    Holds(Vec<QueueEntry>),
    /// This entry must be dead-lettered first (not HL7, or no name can be made of it).
    Refused(usize, String),
    /// The folder cannot be written: wait and try again, for as long as it takes.
    Away(String),
    /// The name is taken by a different file: tried again per the retry policy.
    Taken(String),
}

impl<F: Folder> FileSender<F> {
    /// The writer's loop in batch mode, files of at most `size` messages. Runs until shutdown,
    /// writing what is queued then; a batch whose folder is away stays queued.
    pub(super) async fn run_batches(self, size: usize) {
        let size = size.max(1);
        let mut failures: u32 = 0;
        loop {
            let stopping = self.shutdown.is_cancelled();
            let Ok(count) = self.count().await else {
                return;
            };
            if count.depth == 0 {
                if stopping {
                    return;
                }
                tokio::select! {
                    () = self.wake.notified() => {}
                    () = tokio::time::sleep(IDLE_CHECK) => {}
                    () = self.shutdown.cancelled() => return,
                }
                continue;
            }
            let waited = count.head_received_at_micros.map_or(Duration::ZERO, |at| {
                Duration::from_micros(now_micros().saturating_sub(at))
            });
            let full = usize::try_from(count.depth).unwrap_or(usize::MAX) >= size;
            if !full && !stopping && waited < self.settings.batch_wait {
                // Not full and not due: wait for more messages, the due time, or shutdown.
                tokio::select! {
                    () = self.wake.notified() => {}
                    () = tokio::time::sleep(self.settings.batch_wait - waited) => {}
                    () = self.shutdown.cancelled() => {}
                }
                continue;
            }
            let head = match self.head_of(size).await {
                Ok(head) => head,
                Err(e) => {
                    tracing::error!(outbound = self.name, error = %e, "file writer stopped: the store failed");
                    return;
                }
            };
            if head.is_empty() {
                continue;
            }
            let result = match self.write_batch(&head).await {
                Written::Holds(entries) => {
                    let recorded = self.delivered_all(&entries).await;
                    // At shutdown one partial file ends the writing: what is routed while
                    // the engine stops waits for the next start rather than make more.
                    if recorded.is_ok() && stopping && entries.len() < size {
                        return;
                    }
                    recorded
                }
                Written::Refused(i, reason) => {
                    let entry = &head[i];
                    self.dead(entry, entry.attempts + 1, reason).await
                }
                Written::Taken(what) => {
                    let first = &head[0];
                    let attempts = first.attempts + 1;
                    if attempts >= self.settings.retry.max_attempts {
                        let reason = format!("{what}; {attempts} attempts");
                        self.dead(first, attempts, reason).await
                    } else {
                        failures += 1;
                        if stopping
                            || self
                                .store
                                .attempted(first.key.clone(), attempts)
                                .await
                                .is_err()
                            || !self.pause(&what, failures).await
                        {
                            return;
                        }
                        continue;
                    }
                }
                Written::Away(what) => {
                    failures += 1;
                    if stopping || !self.pause(&what, failures).await {
                        return;
                    }
                    continue;
                }
            };
            if result.is_err() {
                return;
            }
            failures = 0;
        }
    }

    /// The queue's depth and its head's age, from the store's counters.
    async fn count(&self) -> Result<crate::store::QueueCount, StoreError> {
        let store = self.store.clone();
        let name = self.name;
        tokio::task::spawn_blocking(move || store.queue_count(name))
            .await
            .map_err(|e| StoreError::Read(e.to_string()))?
            .inspect_err(|e| tracing::error!(outbound = self.name, error = %e, "file writer stopped: the store failed"))
    }

    /// Writes one batch file of `head`, or finds it written before a crash.
    async fn write_batch(&self, head: &[QueueEntry]) -> Written {
        let mut first = None;
        for (i, entry) in head.iter().enumerate() {
            match ParsePolicy::stored(entry.payload.clone()) {
                Ok(msg) => {
                    first.get_or_insert(msg);
                }
                Err(e) => {
                    return Written::Refused(
                        i,
                        format!("the queued message is not valid HL7: {e}"),
                    );
                }
            }
        }
        let Some(first) = first else {
            return Written::Refused(0, "the batch holds no message".into());
        };
        let file = match name::render(&self.settings.name, &first, head[0].key.seq) {
            Ok(file) => file,
            Err(e) => return Written::Refused(0, format!("no file name: {e}")),
        };
        let Some(bytes) = batch_file(&first, head[0].key.seq, &file, head) else {
            return Written::Refused(0, "the batch file could not be built".into());
        };
        match self.folder.write_new(&file, &bytes).await {
            Ok(()) => Written::Holds(head.to_vec()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                self.written_before(&file, &first, head).await
            }
            Err(e) => {
                self.status.send_modify(|s| {
                    s.connected = false;
                    s.connection_failures += 1;
                });
                Written::Away(unwritable(&self.settings.dir, &e))
            }
        }
    }

    /// The batch's name is taken: by a file written for the head of the queue before a crash
    /// (its messages those at the head, in order), or by a different file.
    async fn written_before(&self, file: &str, first: &Message, head: &[QueueEntry]) -> Written {
        let taken = || {
            Written::Taken("the file name this batch is given is taken by a different file".into())
        };
        let Ok(there) = self.folder.read(file).await else {
            return taken();
        };
        let Ok(held) = batch::split(&there) else {
            return taken();
        };
        let n = held.message_count();
        // The file may hold more than this batch (a larger `batch` then): read that many.
        let entries = if n > head.len() {
            match self.head_of(n).await {
                Ok(entries) => entries,
                Err(_) => return taken(),
            }
        } else {
            head[..n].to_vec()
        };
        match same_messages(&held, first, &entries) {
            true => Written::Holds(entries),
            false => taken(),
        }
    }

    /// The first `limit` entries of the queue.
    async fn head_of(&self, limit: usize) -> Result<Vec<QueueEntry>, StoreError> {
        let store = self.store.clone();
        let name = self.name;
        tokio::task::spawn_blocking(move || store.queue_head(name, limit))
            .await
            .map_err(|e| StoreError::Read(e.to_string()))?
    }

    /// Records the messages of a file delivered, in one transaction.
    async fn delivered_all(&self, entries: &[QueueEntry]) -> Result<(), StoreError> {
        let keys = entries
            .iter()
            .map(|e| (e.key.clone(), e.attempts + 1))
            .collect();
        self.store
            .delivered_all(keys, WRITTEN)
            .await
            .inspect_err(|e| tracing::error!(outbound = self.name, error = %e, "delivery not recorded; the writer stops"))?;
        let n = entries.len() as u64;
        self.metrics.sent.add(n);
        self.metrics.last_ack.set(now_micros());
        self.status.send_modify(|s| {
            s.connected = true;
            s.delivered += n;
            s.consecutive_failures = 0;
            s.last_error = None;
        });
        let (from, to) = (
            entries.first().map(|e| e.key.seq),
            entries.last().map(|e| e.key.seq),
        );
        tracing::debug!(outbound = self.name, ?from, ?to, "batch file written");
        Ok(())
    }
}

/// The batch file of `entries`, named `file`: FHS and BHS carry the first message's sending
/// and receiving applications and facilities, the time it is written, and the first
/// message's place in the queue as their control IDs (FHS-9 the file's name); BTS-1 counts
/// the messages and FTS-1 the one batch. `None` if it cannot be written.
fn batch_file(
    first: &Message,
    first_seq: u64,
    file: &str,
    entries: &[QueueEntry],
) -> Option<Vec<u8>> {
    let field = |p: Path| first.get(p).text().into_owned();
    let created = hl7_timestamp(SystemTime::now());
    let header = HeaderFields::new()
        .sending_application(field(Path::parse_const("MSH-3")))
        .sending_facility(field(Path::parse_const("MSH-4")))
        .receiving_application(field(Path::parse_const("MSH-5")))
        .receiving_facility(field(Path::parse_const("MSH-6")))
        .created(created)
        .control_id(first_seq.to_string());
    BatchBuilder::new()
        .file(header.clone().field(9, file))
        .batch_of_bytes(header, entries.iter().map(|e| e.payload.clone()))
        .build()
        .ok()
}

/// Whether the messages of a batch file are, in order, those of `entries` as a batch file of
/// them holds them (whatever its envelope's times).
fn same_messages(held: &batch::Batch<'_>, first: &Message, entries: &[QueueEntry]) -> bool {
    let Some(seq) = entries.first().map(|e| e.key.seq) else {
        return false;
    };
    let Some(ours) = batch_file(first, seq, "", entries) else {
        return false;
    };
    let Ok(ours) = batch::split(&ours) else {
        return false;
    };
    held.message_count() == ours.message_count()
        && held
            .messages()
            .zip(ours.messages())
            .all(|(a, b)| a.bytes() == b.bytes())
}

#[cfg(test)]
mod tests;
