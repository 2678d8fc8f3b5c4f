//! A file inbound: lists its folder every `poll`, reads each file that has settled, stores
//! every message of it, and only then moves the file to its `done` subfolder (or deletes it).
//!
//! A file's messages are stored in parts of [`PART`] messages; with each part the store
//! records the file (its name and the SHA-256 digest of its content) and how many of its
//! messages are stored, in the same transaction. A file found again after a crash is resumed
//! after its last stored message: none is stored twice, none is skipped. A file that is not
//! HL7 (a segment outside any message, a message that does not parse, a header without
//! MSH-9 or MSH-10), or is larger than `max_file`, is moved whole to the `error` subfolder
//! with a `.reason` file beside it, before any of its messages is stored.

use std::sync::Arc;
use std::time::Instant;

use messagefoundry_hl7::Message;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::batch;
use super::folder::{Entry, Folder};
use super::pattern;
use super::settle::Settling;
use crate::config::FileInSettings;
use crate::engine::intake::header;
use crate::interface::{AfterPickup, Inbound};
use crate::metrics::InboundMetrics;
use crate::store::{FilePart, Incoming, MessageInfo, Store, now_micros};

/// Messages stored per transaction.
pub(crate) const PART: usize = 500;

/// A file inbound and what it needs.
pub(crate) struct Pickup<F> {
    pub inbound: Inbound,
    pub settings: FileInSettings,
    pub folder: F,
    pub store: Store,
    /// Wakes the inbound's pipeline when messages are stored.
    pub wake: Arc<Notify>,
    pub shutdown: CancellationToken,
    pub metrics: Arc<InboundMetrics>,
}

/// A message of a file, read.
struct Read {
    raw: bytes::Bytes,
    msg: Message,
    repaired: Option<messagefoundry_hl7::ParseError>,
}

/// What became of a file.
enum Taken {
    /// Every message is stored and the file has left the folder.
    Done,
    /// Left where it is, to try again at the next listing.
    Later,
    /// The store failed: the inbound stops.
    StoreFailed,
}

impl<F: Folder> Pickup<F> {
    /// Runs until shutdown, or until the store fails.
    pub async fn run(self) {
        let inbound = self.inbound.name();
        let mut settling = Settling::default();
        let mut forgotten = false;
        let mut list_failed = false;
        loop {
            match self.folder.list().await {
                Ok(listing) => {
                    self.metrics.set_listening(true);
                    if list_failed {
                        tracing::info!(inbound, "the folder can be listed again");
                        list_failed = false;
                    }
                    if !forgotten {
                        self.forget_gone(&listing).await;
                        forgotten = true;
                    }
                    let candidates = listing
                        .into_iter()
                        .filter(|e| pattern::matches(&self.settings.pattern, &e.name))
                        .collect();
                    let ready = settling.ready(candidates, self.settings.settle, Instant::now());
                    for entry in ready {
                        if self.shutdown.is_cancelled() {
                            return;
                        }
                        match self.take(&entry).await {
                            Taken::Done => settling.taken(&entry.name),
                            Taken::Later => {}
                            Taken::StoreFailed => {
                                self.shutdown.cancel();
                                return;
                            }
                        }
                    }
                }
                Err(e) if !list_failed => {
                    list_failed = true;
                    self.metrics.set_listening(false);
                    tracing::warn!(inbound, folder = %self.settings.dir.display(), error = %e, "cannot list the folder; trying again every poll");
                }
                Err(_) => {}
            }
            tokio::select! {
                () = tokio::time::sleep(self.settings.poll) => {}
                () = self.shutdown.cancelled() => return,
            }
        }
    }

    /// Forgets the files an earlier run finished but did not get to forget (it stopped
    /// between moving a file and forgetting it): those no longer in the folder.
    async fn forget_gone(&self, listing: &[Entry]) {
        let store = self.store.clone();
        let inbound = self.inbound.name();
        let begun = tokio::task::spawn_blocking(move || store.files_begun(inbound)).await;
        let Ok(Ok(begun)) = begun else { return };
        for name in begun {
            if !listing.iter().any(|e| e.name == name) {
                let _ = self.store.file_finished(inbound, &name).await;
            }
        }
    }

    /// Reads one file, stores what is not stored yet, and moves it on.
    async fn take(&self, entry: &Entry) -> Taken {
        let inbound = self.inbound.name();
        let name = entry.name.as_str();
        let limit = self.settings.max_file as u64;
        if entry.size > limit {
            let reason = format!("the file is {} bytes, over max_file ({limit})", entry.size);
            return self.reject(name, &reason).await;
        }
        let content = match self.folder.read(name).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(inbound, file = name, error = %e, "cannot read the file; trying again at the next listing");
                return Taken::Later;
            }
        };
        if content.len() as u64 > limit {
            let reason = format!(
                "the file is {} bytes, over max_file ({limit})",
                content.len()
            );
            return self.reject(name, &reason).await;
        }
        let messages = match self.read(&content) {
            Ok(m) => m,
            Err(reason) => return self.reject(name, &reason).await,
        };
        let digest: [u8; 32] = match ring::digest::digest(&ring::digest::SHA256, &content)
            .as_ref()
            .try_into()
        {
            Ok(d) => d,
            Err(_) => return Taken::Later,
        };
        let store = self.store.clone();
        let file = name.to_owned();
        let done =
            tokio::task::spawn_blocking(move || store.file_progress(inbound, &file, &digest)).await;
        let done = match done {
            Ok(Ok(done)) => done,
            Ok(Err(e)) => {
                tracing::error!(inbound, file = name, error = %e, "cannot read the file's progress");
                return Taken::StoreFailed;
            }
            Err(_) => return Taken::Later,
        };
        let total = messages.len() as u64;
        if done > 0 {
            tracing::info!(
                inbound,
                file = name,
                stored = done,
                total,
                "resuming a file begun by an earlier run"
            );
        }
        let skip = usize::try_from(done)
            .unwrap_or(usize::MAX)
            .min(messages.len());
        let mut upto = done.min(total);
        for part in messages[skip..].chunks(PART) {
            upto += part.len() as u64;
            if !self.store_part(name, digest, upto, part).await {
                return Taken::StoreFailed;
            }
        }
        tracing::debug!(inbound, file = name, messages = total, "file stored");
        self.finish(name).await
    }

    /// Splits and parses a file's messages; an error says why it is not HL7 (offsets and
    /// field names, never content).
    fn read(&self, content: &[u8]) -> Result<Vec<Read>, String> {
        let ranges = batch::split(content)?;
        let mut out = Vec::with_capacity(ranges.len());
        for (i, range) in ranges.into_iter().enumerate() {
            let n = i + 1;
            let start = range.start;
            let raw = &content[range];
            let (mut msg, repaired) = self
                .settings
                .parse
                .read(raw)
                .map_err(|e| format!("message {n} (at byte {start} of the file): {e}"))?;
            self.settings.charset.apply(&mut msg);
            let missing = header::missing_fields(&msg);
            if !missing.is_empty() {
                return Err(format!(
                    "message {n} (at byte {start} of the file): {}",
                    header::reason(&missing)
                ));
            }
            out.push(Read {
                raw: bytes::Bytes::copy_from_slice(raw),
                msg,
                repaired,
            });
        }
        Ok(out)
    }

    /// Stores one part of a file; false when the store failed.
    async fn store_part(&self, file: &str, digest: [u8; 32], upto: u64, part: &[Read]) -> bool {
        let inbound = self.inbound.name();
        let received_at = now_micros();
        let messages = part
            .iter()
            .map(|r| Incoming {
                inbound: Arc::from(inbound),
                raw: r.raw.clone(),
                info: match &r.repaired {
                    Some(repaired) => MessageInfo::repaired(inbound, received_at, &r.msg, repaired),
                    None => MessageInfo::of(inbound, received_at, &r.msg),
                },
                refused: None,
                dedupe: None,
                index: crate::interface::index::values_of(inbound, &r.msg),
            })
            .collect();
        let stored = self
            .store
            .receive_file_part(FilePart {
                inbound: Arc::from(inbound),
                file: file.to_owned(),
                digest,
                upto,
                messages,
            })
            .await;
        match stored {
            Ok(ids) => {
                for r in part {
                    self.metrics.received.inc();
                    self.metrics.received_bytes.add(r.raw.len() as u64);
                }
                self.metrics.last_message.set(now_micros());
                if let (Some(first), Some(last)) = (ids.first(), ids.last()) {
                    tracing::debug!(inbound, file, first = %first.id, last = %last.id, "stored");
                }
                self.wake.notify_one();
                true
            }
            Err(e) => {
                tracing::error!(inbound, file, error = %e, "messages of the file not stored; the inbound stops");
                false
            }
        }
    }

    /// Moves (or deletes) a stored file and forgets it.
    async fn finish(&self, name: &str) -> Taken {
        let inbound = self.inbound.name();
        let moved = match self.settings.after {
            AfterPickup::Move => self.folder.move_to(name, &self.settings.done).await,
            AfterPickup::Delete => self.folder.remove(name).await,
        };
        if let Err(e) = moved {
            // Its messages are stored and recorded: at the next listing it is moved on
            // without storing any of them again.
            tracing::warn!(inbound, file = name, error = %e, "stored, but cannot move the file on; trying again at the next listing");
            return Taken::Later;
        }
        if let Err(e) = self.store.file_finished(inbound, name).await {
            tracing::error!(inbound, file = name, error = %e, "cannot record that the file is finished");
            return Taken::StoreFailed;
        }
        Taken::Done
    }

    /// Moves a file that is not HL7 to the error subfolder, with a `.reason` file beside it.
    async fn reject(&self, name: &str, reason: &str) -> Taken {
        let inbound = self.inbound.name();
        let error = &self.settings.error;
        tracing::warn!(
            inbound,
            file = name,
            reason,
            "file is not HL7 the inbound can read; moved to the error folder"
        );
        let text = format!("{name}: {reason}\n");
        let mut written = self
            .folder
            .write_new(&format!("{error}/{name}.reason"), text.as_bytes())
            .await;
        if matches!(&written, Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists) {
            written = self
                .folder
                .write_new(
                    &format!("{error}/{name}.{}.reason", now_micros()),
                    text.as_bytes(),
                )
                .await;
        }
        if let Err(e) = written {
            tracing::warn!(inbound, file = name, error = %e, "cannot write the reason file; trying again at the next listing");
            return Taken::Later;
        }
        match self.folder.move_to(name, error).await {
            Ok(()) => {
                self.metrics.nak(crate::metrics::NakReason::Unparseable);
                Taken::Done
            }
            Err(e) => {
                tracing::warn!(inbound, file = name, error = %e, "cannot move the file to the error folder; trying again at the next listing");
                Taken::Later
            }
        }
    }
}
