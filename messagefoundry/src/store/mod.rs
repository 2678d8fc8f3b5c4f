//! The durable store: the [`Store`] handle the engine uses, over one [`Backend`] interface in
//! the engine's words (see `backend.rs` for the interface and why it is a trait object).
//!
//! The embedded backend is one redb file, written by one thread that commits in groups: every
//! write (a received frame, a routing result, a delivery) is handed to the writer thread over
//! a bounded channel. The writer takes everything that is waiting, applies it in one
//! transaction, makes it durable (a group of received messages by one synced append to the
//! journal beside the file, see `journal/`; a group of routing results alone skips the sync,
//! see `writer.rs`; anything else by a `Durability::Immediate` commit), and only then answers
//! each request.
//! One fsync serves every connection that was waiting, which is how durable intake scales with
//! connections. Reads use their own read transactions, beside the writer. Its file-level
//! commands (backup of a stopped store, compact, verify) are about that file and stay here.
//!
//! Every call here that touches the store is blocking except the `async` ones, which wait for
//! the writer; call the blocking ones from `spawn_blocking`, never on an async worker.

mod backend;
mod backup;
mod compact;
#[cfg(feature = "test-support")]
pub mod contract;
mod control_id;
mod destinations;
mod embedded;
mod envelope;
mod every_table;
mod file_cache;
mod file_error;
mod files;
pub mod index;
mod journal;
mod keys;
mod migrate;
mod migrate_queue;
mod ops;
mod page_stats;
mod queue_counters;
mod reads;
mod request;
mod resend_copy;
mod rewrite;
mod rotate;
mod seal_requests;
mod sealing;
mod tables;
#[cfg(test)]
pub(crate) mod test_messages;
pub(crate) mod unrouted;
mod verify;
mod verify_bodies;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

pub use backend::Backend;
// For a backend's implementation; the engine only awaits it.
#[cfg_attr(not(feature = "test-support"), allow(unused_imports))]
pub use backend::Pending;
#[cfg(any(test, feature = "test-support"))]
pub use backup::partial_path;
pub use backup::{BackupReport, RowsDone, backup_file};
pub use compact::{Compacted, compact};
pub use destinations::{Destination, DestinationState, SendOrigin, StateKind};
#[cfg(feature = "test-support")]
pub use envelope::Codec;
pub use envelope::EnvelopeError;
pub use file_error::FileError;
pub(crate) use file_error::store_opening;
pub use files::FilePart;
#[cfg(any(test, feature = "test-support"))]
pub use keys::Keys;
pub use keys::{KeyId, KeySettings, KeySource};
#[cfg(any(test, feature = "test-support"))]
pub use migrate::Migrated;
pub use migrate::migrate_file;
#[cfg(feature = "test-support")]
pub use migrate::migrate_file_in_chunks;
#[cfg(feature = "test-support")]
pub use page_stats::TablePages;
pub use page_stats::{PageStats, page_stats};
pub use queue_counters::QueueCount;
pub use reads::{DeadLetter, QueueEntry, StoredDisposition};
pub use rotate::Rotated;
pub use tables::{MessageId, MessageInfo, ParseState};
#[cfg(any(test, feature = "test-support"))]
pub use verify::verify;
pub use verify::{Verified, verify_with_keys};

use crate::interface::Disposition;
use crate::metrics::StoreMetrics;

/// How many messages one prune transaction looks at, at most.
pub const PRUNE_CHUNK: usize = 2_000;

/// Errors of the store. None carries message content.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened or created.
    #[error("cannot open the store {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A transaction failed; the store has stopped and nothing in it was acknowledged.
    #[error("store write failed: {0}; the store has stopped")]
    Write(String),
    /// A read failed.
    #[error("store read failed: {0}")]
    Read(String),
    /// The entry named is not in the store (already delivered or replayed, or a wrong key).
    #[error("no such entry in the store")]
    NotFound,
    /// The writer thread is gone (after a failed commit, or at shutdown).
    #[error("the store is stopped")]
    Stopped,
    /// The file is of a layout newer than this build reads.
    #[error(
        "the store {path} has layout {found}, newer than layout {supported} which this build \
         reads; run a build that reads layout {found}",
        supported = tables::LAYOUT_VERSION
    )]
    Layout {
        /// The file.
        path: PathBuf,
        /// The layout it has.
        found: String,
    },
    /// The stored bodies cannot be read with the keys configured, or a key cannot be loaded.
    #[error("{0}")]
    Keys(String),
    /// A body could not be put in its envelope or taken out of it.
    #[error("{0}")]
    Body(#[from] EnvelopeError),
    /// A migration or a key rotation was stopped between two chunks; it goes on from there
    /// when run again.
    #[error("{0} was interrupted; run it again to go on from where it stopped")]
    Interrupted(&'static str),
}

/// Duplicate detection for one received message: MSH-3 + MSH-10 seen on the same inbound
/// within the window make it a duplicate.
#[derive(Debug, Clone)]
pub struct Dedupe {
    /// MSH-3.
    pub sending_application: String,
    /// MSH-10.
    pub control_id: String,
    /// How far back an earlier message counts, in microseconds.
    pub window_micros: u64,
}

/// A message as received, ready to be stored.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The inbound connection's name.
    pub inbound: Arc<str>,
    /// The frame's content, exactly as received.
    pub raw: bytes::Bytes,
    /// What the summary columns and the parse state say about it.
    pub info: MessageInfo,
    /// Why it is recorded as ERROR instead of being routed (it did not parse, or its header
    /// lacks what the engine needs); `None` when it waits to be routed.
    pub refused: Option<String>,
    /// Duplicate detection, when the inbound asks for it.
    pub dedupe: Option<Dedupe>,
    /// The values of the fields its inbound indexes (patient data: never logged).
    pub index: Vec<index::IndexValue>,
}

/// The answer to storing a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// Its id.
    pub id: MessageId,
    /// The earlier message it repeats, if duplicate detection found one; it is then not routed.
    pub duplicate_of: Option<MessageId>,
}

/// Where a queued message is: its outbound and its place in that outbound's FIFO.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct QueueKey {
    /// The outbound connection's name.
    pub outbound: String,
    /// The sequence number (store-wide, increasing).
    pub seq: u64,
}

/// One handler's result, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HandlerRecord {
    /// The handler's name.
    pub handler: String,
    /// Its disposition.
    pub disposition: Disposition,
    /// The reason of an ERROR, else empty.
    pub reason: String,
}

/// How a message was routed and handled, and what it sends: written in one transaction.
#[derive(Debug, Clone)]
pub struct RouteRecord {
    /// The message.
    pub message: MessageId,
    /// Its disposition.
    pub disposition: Disposition,
    /// The router's error or other detail, else empty.
    pub detail: String,
    /// Each handler's result.
    pub handlers: Vec<HandlerRecord>,
    /// Each send, in order.
    pub sends: Vec<SendRecord>,
}

/// One message a handler sends, to be queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRecord {
    /// The outbound connection's name.
    pub outbound: String,
    /// The handler that sent it.
    pub handler: String,
    /// The ER7 bytes; empty for the message exactly as received (queued by reference, so the
    /// store writes its bytes once).
    pub payload: Vec<u8>,
    /// MSH-10 of what is sent (the payload, or the message as received), which the
    /// downstream echoes in MSA-2. Kept in the queue so the sender need not parse; empty when
    /// not known, and the sender then reads it from the payload.
    pub control_id: String,
}

/// An operator's edit of a stored message, to store beside it.
#[derive(Debug, Clone)]
pub struct Edit {
    /// The message edited.
    pub original: MessageId,
    /// The edited bytes (a message that parses) and their summary.
    pub raw: Vec<u8>,
    /// The summary of the edited message.
    pub info: MessageInfo,
    /// Queue it for this outbound only; `None` routes it through its inbound again.
    pub to: Option<String>,
    /// The values of the fields its inbound indexes.
    pub index: Vec<index::IndexValue>,
}

/// What storing an edit gave.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Edited {
    /// The edited message's own id.
    pub edit: MessageId,
    /// Where it was queued, when it was sent to one outbound; `None` when it waits to be
    /// routed.
    pub queued: Option<QueueKey>,
}

/// The store. Cloning the handle is cheap; the backend stops (the redb writer thread) when
/// the last handle is dropped or [`Store::shutdown`] is called.
///
/// A handle over a [`Backend`]: [`Store::open`] opens the embedded redb backend,
/// [`Store::with_backend`] takes any other.
#[derive(Clone)]
pub struct Store {
    backend: Arc<dyn Backend>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (or creates) the store file, unencrypted, and starts its writer thread. Blocking.
    #[cfg(any(test, feature = "test-support"))]
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        Store::open_with(path, &KeySettings::default())
    }

    /// Opens (or creates) the store file with the keys of `keys`, and starts its writer
    /// thread. A file of layout 1 is migrated first (progress logged); a file whose bodies are
    /// sealed under a key not given is refused, naming the key's id. Blocking.
    pub fn open_with(path: impl AsRef<Path>, keys: &KeySettings) -> Result<Store, StoreError> {
        Ok(Store::with_backend(Arc::new(embedded::Redb::open_with(
            path.as_ref(),
            keys,
        )?)))
    }

    /// A handle over a backend of any kind.
    pub fn with_backend(backend: Arc<dyn Backend>) -> Store {
        Store { backend }
    }

    /// Whether the writer is running: false once a commit failed or the store was shut down.
    pub fn is_open(&self) -> bool {
        self.backend.is_open()
    }

    /// What the writer has counted.
    pub fn metrics(&self) -> &StoreMetrics {
        self.backend.metrics()
    }

    /// The store file's size in bytes. Blocking.
    pub fn file_size(&self) -> std::io::Result<u64> {
        self.backend.size_bytes()
    }

    /// Stores one received message durably; resolves once the transaction holding it has
    /// committed. Only then may the sender be acknowledged.
    pub async fn receive(&self, incoming: Incoming) -> Result<Received, StoreError> {
        self.backend.receive(incoming).await
    }

    /// Stores the messages of one batch durably, in their order, in one transaction: every one
    /// of them or none. Resolves, with each message's answer in order, once that transaction has
    /// committed.
    pub async fn receive_all(&self, incoming: Vec<Incoming>) -> Result<Vec<Received>, StoreError> {
        self.backend.receive_all(incoming).await
    }

    /// Stores the next messages of a file and how far the file is stored, in one transaction.
    pub async fn receive_file_part(&self, part: FilePart) -> Result<Vec<Received>, StoreError> {
        self.backend.receive_file_part(part).await
    }

    /// Forgets a file whose messages are all stored, once it has left the folder.
    pub async fn file_finished(&self, inbound: &str, file: &str) -> Result<(), StoreError> {
        self.backend.file_finished(inbound, file).await
    }

    /// How many messages of a file are stored, if that file (same name, same digest) was
    /// begun. Blocking.
    pub fn file_progress(
        &self,
        inbound: &str,
        file: &str,
        digest: &[u8; 32],
    ) -> Result<u64, StoreError> {
        self.backend.file_progress(inbound, file, digest)
    }

    /// The files of an inbound begun and not yet forgotten. Blocking.
    pub fn files_begun(&self, inbound: &str) -> Result<Vec<String>, StoreError> {
        self.backend.files_begun(inbound)
    }

    /// Records a routing result and queues its sends, in one transaction.
    #[cfg(any(test, feature = "test-support"))]
    pub async fn record_route(&self, record: RouteRecord) -> Result<Vec<QueueKey>, StoreError> {
        let mut keys = self.record_routes(vec![record]).await?;
        keys.pop()
            .ok_or_else(|| StoreError::Write("no answer for the routed message".into()))
    }

    /// Records the routing results of several messages and queues their sends, in one
    /// transaction; returns each record's queue keys, in order.
    ///
    /// The sends take their places in their outbounds' queues in the order of `records`.
    /// This one ordered step is what keeps each outbound first in, first out: records sent
    /// as separate requests reach the writer in whatever order the tasks run.
    pub async fn record_routes(
        &self,
        records: Vec<RouteRecord>,
    ) -> Result<Vec<Vec<QueueKey>>, StoreError> {
        self.backend.record_routes(records).await
    }

    /// Makes every change answered before it durable: routing results may be answered before
    /// they are (a crash then routes their messages again), so a pipeline syncs before it tells
    /// a peer a routing result.
    pub async fn sync(&self) -> Result<(), StoreError> {
        self.backend.sync().await
    }

    /// Marks a queued message delivered (moves it to the delivery history), with the
    /// acknowledgment code that delivered it (AA, CA).
    pub async fn delivered(
        &self,
        key: QueueKey,
        attempts: u32,
        ack: &str,
    ) -> Result<(), StoreError> {
        self.backend.delivered(key, attempts, ack).await
    }

    /// Marks several queued messages delivered in one transaction (all of them or none),
    /// each with its attempt count, under one acknowledgment code. Entries no longer queued
    /// are passed over.
    pub async fn delivered_all(
        &self,
        keys: Vec<(QueueKey, u32)>,
        ack: &str,
    ) -> Result<(), StoreError> {
        self.backend.delivered_all(keys, ack).await
    }

    /// Records that a queued message was tried `attempts` times and stays queued.
    pub async fn attempted(&self, key: QueueKey, attempts: u32) -> Result<(), StoreError> {
        self.backend.attempted(key, attempts).await
    }

    /// Moves a queued message to the dead letters, with the reason (no patient data).
    pub async fn dead_letter(
        &self,
        key: QueueKey,
        attempts: u32,
        reason: String,
    ) -> Result<(), StoreError> {
        self.backend.dead_letter(key, attempts, reason).await
    }

    /// Puts a dead letter back at the end of its outbound's queue; returns its new key.
    pub async fn replay(&self, key: QueueKey) -> Result<QueueKey, StoreError> {
        self.backend.replay(key).await
    }

    /// Queues a stored message again for one outbound, at the end of its queue: the last copy
    /// queued for that outbound (as a handler made it), or with `as_received`, or when none
    /// was, the message as received. Recorded as the operator's copy.
    pub async fn resend(
        &self,
        message: MessageId,
        outbound: String,
        as_received: bool,
    ) -> Result<QueueKey, StoreError> {
        self.backend.resend(message, outbound, as_received).await
    }

    /// Stores an operator's edit as a message of its own beside the original (which is never
    /// changed), and routes it again through the original's inbound, or queues it for one
    /// outbound. [`StoreError::NotFound`] if the original is not stored.
    pub async fn store_edit(&self, edit: Edit) -> Result<Edited, StoreError> {
        self.backend.store_edit(edit).await
    }

    /// Deletes messages received before the time (µs since the Unix epoch) that are not
    /// waiting to be routed, queued or dead-lettered, with their routing records and delivery
    /// history. Returns how many.
    ///
    /// It works in chunks of [`PRUNE_CHUNK`] messages, each its own transaction, so intake
    /// and delivery go on while a large store is pruned.
    pub async fn prune(&self, before_micros: u64) -> Result<u64, StoreError> {
        let mut deleted = 0;
        let mut from = 0;
        loop {
            let (count, next) = self
                .backend
                .prune_chunk(before_micros, from, PRUNE_CHUNK)
                .await?;
            deleted += count;
            match next {
                Some(next) => from = next,
                None => return Ok(deleted),
            }
        }
    }

    /// How many commits the writer has made since it started (for figures and tests).
    #[cfg(feature = "test-support")]
    pub async fn commit_count(&self) -> Result<u64, StoreError> {
        self.backend.commit_count().await
    }

    /// Reads a stored message: its summary and its bytes. Blocking.
    pub fn read_message(
        &self,
        id: MessageId,
    ) -> Result<Option<(MessageInfo, Vec<u8>)>, StoreError> {
        self.backend.read_message(id)
    }

    /// The summaries of up to `limit` messages, newest first; with `before`, only those with
    /// a smaller id (to page back). Blocking.
    pub fn latest(
        &self,
        before: Option<MessageId>,
        limit: usize,
    ) -> Result<Vec<(MessageId, MessageInfo)>, StoreError> {
        self.backend.latest(before, limit)
    }

    /// Messages stored but not routed yet, oldest first, with their inbound. Blocking.
    #[cfg(feature = "test-support")]
    pub fn pending_routes(&self) -> Result<Vec<(MessageId, String)>, StoreError> {
        self.backend.pending_routes()
    }

    /// Up to `limit` messages of one inbound waiting to be routed, oldest first, with their
    /// bytes. Blocking.
    pub fn pending_routes_for(
        &self,
        inbound: &str,
        limit: usize,
    ) -> Result<Vec<(MessageId, Vec<u8>)>, StoreError> {
        self.backend.pending_routes_for(inbound, limit)
    }

    /// The message-level disposition and detail of a message. Blocking.
    pub fn disposition(&self, id: MessageId) -> Result<Option<StoredDisposition>, StoreError> {
        self.backend.disposition(id)
    }

    /// Each handler's result for a message, in route order. Blocking.
    pub fn handler_results(&self, id: MessageId) -> Result<Vec<HandlerRecord>, StoreError> {
        self.backend.handler_results(id)
    }

    /// Every copy of a message queued for an outbound, in the order queued, with where it is
    /// now. Blocking.
    pub fn destinations(&self, id: MessageId) -> Result<Vec<Destination>, StoreError> {
        self.backend.destinations(id)
    }

    /// The outbound and the kind of state (`None`: unknown) of every copy of a message, in
    /// the order queued: [`Store::destinations`] without the place in the queue, which costs a
    /// scan of it. Blocking.
    pub fn destination_kinds(
        &self,
        id: MessageId,
    ) -> Result<Vec<(String, Option<StateKind>)>, StoreError> {
        self.backend.destination_kinds(id)
    }

    /// The message an edit was made from (if `id` is an edit), and the edits made from `id`,
    /// oldest first. Blocking.
    pub fn edits(&self, id: MessageId) -> Result<(Option<MessageId>, Vec<MessageId>), StoreError> {
        self.backend.edits(id)
    }

    /// The first `limit` entries of an outbound's queue, in order. Blocking.
    pub fn queue_head(&self, outbound: &str, limit: usize) -> Result<Vec<QueueEntry>, StoreError> {
        self.backend.queue_head(outbound, None, limit)
    }

    /// The first `limit` entries of an outbound's queue whose sequence is above `after`, in
    /// order. A sender reads on from the last entry it finished: entries at or below it are
    /// finished, their commits still landing, and are neither read nor opened again. Blocking.
    pub fn queue_head_after(
        &self,
        outbound: &str,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<QueueEntry>, StoreError> {
        self.backend.queue_head(outbound, after, limit)
    }

    /// How many messages wait in an outbound's queue, counted by a scan of it (the counters
    /// of [`Store::queue_count`] are checked against it). Blocking.
    #[cfg(any(test, feature = "test-support"))]
    pub fn queue_len(&self, outbound: &str) -> Result<u64, StoreError> {
        self.backend.queue_len(outbound)
    }

    /// How many messages wait in an outbound's queue and when the one at its head was
    /// received: one lookup of the counters the writer keeps. Blocking.
    pub fn queue_count(&self, outbound: &str) -> Result<QueueCount, StoreError> {
        self.backend.queue_count(outbound)
    }

    /// The dead letters of an outbound (or of all when `None`), oldest first. Blocking.
    pub fn dead_letters(&self, outbound: Option<&str>) -> Result<Vec<DeadLetter>, StoreError> {
        self.backend.dead_letters(outbound)
    }

    /// Re-seals every stored body under the current key while the engine runs (see
    /// `store rotate-key`). Reports (rows done, rows in all) after each chunk, and stops
    /// between chunks once `cancel` is set, with [`StoreError::Interrupted`]: the next rotation
    /// goes on from there. Blocking.
    pub fn rotate_key(
        &self,
        progress: &mut dyn FnMut(u64, u64),
        cancel: &AtomicBool,
    ) -> Result<Rotated, StoreError> {
        self.backend.rotate_key(progress, cancel)
    }

    /// Copies the store, as it is at this moment, to `to` while the engine runs (for the
    /// embedded backend, a new redb file; see `store backup`). Stops, leaving `to` as it was,
    /// once `cancel` is set. Blocking.
    pub fn backup(
        &self,
        to: &Path,
        cancel: &AtomicBool,
        progress: RowsDone<'_>,
    ) -> Result<BackupReport, FileError> {
        self.backend.backup(to, cancel, progress)
    }

    /// The redb database of the embedded backend, for its unit tests.
    #[cfg(test)]
    pub(crate) fn db(&self) -> Arc<redb::Database> {
        self.backend.redb().expect("the embedded backend")
    }

    /// Lets the writer commit what it holds, stops it, and waits for it. Blocking. Requests
    /// sent through other clones of the handle afterwards fail with [`StoreError::Stopped`].
    pub fn shutdown(self) {
        self.backend.shutdown();
    }
}
/// The stored code of a disposition. Code 1 is not used (it was given to a disposition that
/// was never produced) and is not to be reused.
pub(crate) fn disposition_code(d: Disposition) -> u8 {
    match d {
        Disposition::Received => 0,
        Disposition::Unrouted => 2,
        Disposition::Filtered => 3,
        Disposition::Processed => 4,
        Disposition::Error => 5,
    }
}

/// The disposition of a stored code.
pub(crate) fn disposition_of(code: u8) -> Disposition {
    match code {
        0 => Disposition::Received,
        2 => Disposition::Unrouted,
        3 => Disposition::Filtered,
        4 => Disposition::Processed,
        _ => Disposition::Error,
    }
}

/// Microseconds since the Unix epoch, now.
pub fn now_micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}
