//! A file outbound: takes its queue in FIFO order and writes each message as a new file in
//! its folder (temporary name, flushed, renamed), named by its template; with `batch`, a file
//! per batch of messages (`batches.rs`).
//!
//! - Written: delivered, recorded before the next message is written. A crash between the
//!   write and the record writes the message again at the next start; the file is then
//!   already there with the same content, which counts as delivered (at least once, and here
//!   no second copy).
//! - The folder is missing, not writable, full: the message stays at the head of the queue
//!   and is tried again with backoff for as long as it takes, so order is kept.
//! - The name is taken by a different file: tried again per the retry policy (the other file
//!   may be taken away), then dead-lettered.
//! - A name that cannot be made (an empty field in the template): dead-lettered at once.
//!
//! Names and reasons never carry a rendered file name, which may hold message values.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;

mod batches;

use super::folder::Folder;
use super::name;
use crate::config::FileOutSettings;
use crate::engine::deliver::SenderStatus;
use crate::engine::deliver::sender::backoff;
use crate::interface::ParsePolicy;
use crate::metrics::OutboundMetrics;
use crate::store::{QueueEntry, Store, StoreError, now_micros};

/// Entries read from the head of the queue at a time.
const WINDOW: usize = 64;
/// How long an idle writer waits before looking at its queue again without being woken.
const IDLE_CHECK: Duration = Duration::from_secs(5);
/// The acknowledgment code recorded for a message written to its file.
pub(crate) const WRITTEN: &str = "written";

/// Why a file could not be written to the folder, for the status and the log.
fn unwritable(dir: &std::path::Path, e: &std::io::Error) -> String {
    format!("cannot write to {}: {e}", dir.display())
}

/// The writer of one file outbound.
pub(crate) struct FileSender<F> {
    pub name: &'static str,
    pub settings: FileOutSettings,
    pub folder: F,
    pub store: Store,
    pub wake: Arc<Notify>,
    pub shutdown: CancellationToken,
    pub status: watch::Sender<SenderStatus>,
    pub metrics: Arc<OutboundMetrics>,
}

/// What became of one attempt.
enum Attempt {
    Delivered,
    /// The folder cannot be written: wait and try again, for as long as it takes.
    Away(String),
    /// The name is taken by a different file: tried again per the retry policy.
    Taken(String),
    /// Failed for good.
    Dead(String),
}

impl<F: Folder> FileSender<F> {
    /// Runs until shutdown, or until the store fails.
    pub async fn run(self) {
        if let Some(size) = self.settings.batch {
            return self.run_batches(size).await;
        }
        let mut failures: u32 = 0;
        'reading: loop {
            if self.shutdown.is_cancelled() {
                return;
            }
            let head = match self.head().await {
                Ok(head) => head,
                Err(e) => {
                    tracing::error!(outbound = self.name, error = %e, "file writer stopped: the store failed");
                    return;
                }
            };
            if head.is_empty() {
                tokio::select! {
                    () = self.wake.notified() => {}
                    () = tokio::time::sleep(IDLE_CHECK) => {}
                    () = self.shutdown.cancelled() => return,
                }
                continue;
            }
            for mut entry in head {
                loop {
                    if self.shutdown.is_cancelled() {
                        return;
                    }
                    let attempts = entry.attempts + 1;
                    let result = match self.attempt(&entry).await {
                        Attempt::Delivered => self.delivered(&entry, attempts).await,
                        Attempt::Dead(reason) => self.dead(&entry, attempts, reason).await,
                        Attempt::Taken(what) if attempts >= self.settings.retry.max_attempts => {
                            let reason = format!("{what}; {attempts} attempts");
                            self.dead(&entry, attempts, reason).await
                        }
                        Attempt::Taken(what) => {
                            failures += 1;
                            if self
                                .store
                                .attempted(entry.key.clone(), attempts)
                                .await
                                .is_err()
                            {
                                return;
                            }
                            entry.attempts = attempts;
                            if !self.pause(&what, failures).await {
                                return;
                            }
                            continue;
                        }
                        Attempt::Away(what) => {
                            failures += 1;
                            if !self.pause(&what, failures).await {
                                return;
                            }
                            continue;
                        }
                    };
                    if result.is_err() {
                        return;
                    }
                    failures = 0;
                    break;
                }
            }
            continue 'reading;
        }
    }

    async fn head(&self) -> Result<Vec<QueueEntry>, StoreError> {
        let store = self.store.clone();
        let name = self.name;
        tokio::task::spawn_blocking(move || store.queue_head(name, WINDOW))
            .await
            .map_err(|e| StoreError::Read(e.to_string()))?
    }

    /// Writes one message's file.
    async fn attempt(&self, entry: &QueueEntry) -> Attempt {
        let msg = match ParsePolicy::stored(entry.payload.clone()) {
            Ok(msg) => msg,
            Err(e) => return Attempt::Dead(format!("the queued message is not valid HL7: {e}")),
        };
        let file = match name::render(&self.settings.name, &msg, entry.key.seq) {
            Ok(file) => file,
            Err(e) => return Attempt::Dead(format!("no file name: {e}")),
        };
        match self.folder.write_new(&file, &entry.payload).await {
            Ok(()) => Attempt::Delivered,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                // Written by an earlier attempt whose delivery was not recorded: delivered.
                match self.folder.read(&file).await {
                    Ok(there) if there == entry.payload => Attempt::Delivered,
                    _ => Attempt::Taken(
                        "the file name this message is given is taken by a different file".into(),
                    ),
                }
            }
            Err(e) => {
                self.status.send_modify(|s| {
                    s.connected = false;
                    s.connection_failures += 1;
                });
                Attempt::Away(unwritable(&self.settings.dir, &e))
            }
        }
    }

    async fn delivered(&self, entry: &QueueEntry, attempts: u32) -> Result<(), StoreError> {
        self.store
            .delivered(entry.key.clone(), attempts, WRITTEN)
            .await
            .inspect_err(|e| tracing::error!(outbound = self.name, error = %e, "delivery not recorded; the writer stops"))?;
        self.metrics.sent.inc();
        self.metrics.last_ack.set(now_micros());
        self.status.send_modify(|s| {
            s.connected = true;
            s.delivered += 1;
            s.consecutive_failures = 0;
            s.last_error = None;
        });
        tracing::debug!(outbound = self.name, seq = entry.key.seq, "written");
        Ok(())
    }

    async fn dead(
        &self,
        entry: &QueueEntry,
        attempts: u32,
        reason: String,
    ) -> Result<(), StoreError> {
        tracing::warn!(outbound = self.name, seq = entry.key.seq, id = %entry.message, reason = %reason, "dead-lettered");
        self.status
            .send_modify(|s| s.last_error = Some(reason.clone()));
        match self
            .store
            .dead_letter(entry.key.clone(), attempts, reason)
            .await
        {
            Ok(()) => {
                self.metrics.dead_letters.inc();
                Ok(())
            }
            Err(StoreError::NotFound) => Ok(()),
            Err(e) => {
                tracing::error!(outbound = self.name, error = %e, "file writer stopped: the store failed");
                Err(e)
            }
        }
    }

    /// Logs a failure and waits the backoff; false when shutdown came first.
    async fn pause(&self, what: &str, failures: u32) -> bool {
        let wait = backoff(self.settings.retry, failures);
        self.metrics.retries.inc();
        tracing::warn!(outbound = self.name, failures, retry_in = ?wait, "{what}");
        self.status.send_modify(|s| {
            s.consecutive_failures = failures;
            s.last_error = Some(what.to_owned());
        });
        tokio::select! {
            () = tokio::time::sleep(wait) => true,
            () = self.shutdown.cancelled() => false,
        }
    }
}
