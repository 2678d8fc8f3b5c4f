//! The one interface between the engine and a store backend, in the engine's words.
//!
//! # Why a trait object, and why writes answer with [`Pending`]
//!
//! The engine holds a [`Store`](super::Store), a cheap handle over `Arc<dyn Backend>`. A trait
//! object rather than an enum of backends: a second backend (PostgreSQL) can then live in its
//! own module or crate and be handed to the engine without the engine, or this module, naming
//! it, and the engine never sees a backend's types (no redb table, transaction or error
//! crosses this interface). An enum would put every backend, and its dependencies, in this
//! crate and in every match.
//!
//! Writes are asynchronous (they are answered once durable), and a trait object cannot have
//! `async fn`s. Boxing every write's future would cost an allocation per message on the
//! intake path; instead a write returns a [`Pending`], a concrete future that is either the
//! channel the answer comes back on (how the embedded backend answers: its writer thread sends
//! each answer after the group commit), an answer already known, or, for a backend whose
//! writes are async code, a boxed future. The embedded backend's intake path thus costs no
//! more than it did before the interface existed.
//!
//! Reads are blocking calls, like the embedded backend's read transactions: callers run them
//! in `spawn_blocking`, never on an async worker.
//!
//! # The contract
//!
//! What each operation promises is written on it, and checked for every backend by the
//! contract tests (`store::contract`, behind the `test-support` feature). In short: every
//! write is all or nothing and answered only once it is durable; message ids and queue
//! sequences only grow and are never reused; each outbound's queue is first in, first out;
//! an entry that is not there is [`StoreError::NotFound`]; no error carries message content.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::AtomicBool;
use std::task::{Context, Poll};

use tokio::sync::oneshot;

use super::backup::{BackupReport, RowsDone};
use super::index::{Built, Examined, IndexQuery, SearchRefused};
use super::{
    DeadLetter, Destination, Edit, Edited, FileError, FilePart, HandlerRecord, Incoming, MessageId,
    MessageInfo, QueueCount, QueueEntry, QueueKey, Received, Rotated, RouteRecord, StateKind,
    StoreError, StoredDisposition,
};
use crate::interface::index::IndexDef;
use crate::metrics::StoreMetrics;

/// A store backend: everything the engine, the command line, the admin API and the alerts ask
/// of the store. See the module's doc for the contract.
pub trait Backend: Send + Sync + 'static {
    /// Stores one received message durably (its bytes, summary, and either its place among
    /// the messages waiting to be routed, or its final disposition: a duplicate is FILTERED
    /// with "duplicate of #N", a refused one ERROR with its reason). Answered only once
    /// durable: only then may the sender be acknowledged.
    fn receive(&self, incoming: Incoming) -> Pending<'_, Received>;

    /// Stores the messages of one batch, in order: every one or none. Answered, with each
    /// message's answer in order, once durable.
    fn receive_all(&self, incoming: Vec<Incoming>) -> Pending<'_, Vec<Received>>;

    /// Stores the next messages of a file and how far the file is stored, together.
    fn receive_file_part(&self, part: FilePart) -> Pending<'_, Vec<Received>>;

    /// Forgets a file whose messages are all stored.
    fn file_finished(&self, inbound: &str, file: &str) -> Pending<'_, ()>;

    /// Records the routing results of several messages (disposition, handler results) and
    /// queues their sends at the ends of their outbounds' queues in the order of `records`,
    /// all together; the messages stop waiting to be routed. Returns each record's queue
    /// keys, in order.
    /// A backend may answer before the results are durable (a crash then leaves the messages
    /// waiting to be routed, and they are routed again): [`Backend::sync`] makes them durable.
    fn record_routes(&self, records: Vec<RouteRecord>) -> Pending<'_, Vec<Vec<QueueKey>>>;

    /// Makes every change answered before it durable. A pipeline asks for it before it tells a
    /// peer a routing result (an application ACK). A backend whose every answer is durable
    /// answers at once.
    fn sync(&self) -> Pending<'_, ()> {
        Pending::ready(Ok(()))
    }

    /// Moves a queued entry to the delivery history, with the acknowledgment code.
    /// [`StoreError::NotFound`] if it is not queued.
    fn delivered(&self, key: QueueKey, attempts: u32, ack: &str) -> Pending<'_, ()>;

    /// Moves several queued entries to the delivery history in one transaction (all or none),
    /// each with its attempt count, under one acknowledgment code. Entries no longer queued
    /// are passed over (a batch recorded again after a crash).
    fn delivered_all(&self, keys: Vec<(QueueKey, u32)>, ack: &str) -> Pending<'_, ()>;

    /// Sets a queued entry's attempt count; it stays at its place.
    /// [`StoreError::NotFound`] if it is not queued.
    fn attempted(&self, key: QueueKey, attempts: u32) -> Pending<'_, ()>;

    /// Moves a queued entry, with its payload, to the dead letters with the reason.
    /// [`StoreError::NotFound`] if it is not queued.
    fn dead_letter(&self, key: QueueKey, attempts: u32, reason: String) -> Pending<'_, ()>;

    /// Puts a dead letter back at the end of its outbound's queue with no attempts; returns
    /// its new key. [`StoreError::NotFound`] if it is not a dead letter.
    fn replay(&self, key: QueueKey) -> Pending<'_, QueueKey>;

    /// Queues a stored message again at the end of an outbound's queue: the last copy queued
    /// for that outbound, or (with `as_received`, or when none was) the message as received;
    /// recorded as the operator's copy. [`StoreError::NotFound`] if the message is not
    /// stored.
    fn resend(
        &self,
        message: MessageId,
        outbound: String,
        as_received: bool,
    ) -> Pending<'_, QueueKey>;

    /// Stores an operator's edit as a new message beside its original (never changed), then
    /// leaves it to be routed through the original's inbound, or queues it for one outbound.
    /// [`StoreError::NotFound`] if the original is not stored.
    fn store_edit(&self, edit: Edit) -> Pending<'_, Edited>;

    /// Looks at up to `limit` messages from id `from` on and deletes those received before
    /// `before_micros` that are not waiting to be routed, queued or dead-lettered, with their
    /// records; the last chunk also forgets older delivery history and duplicate-detection
    /// entries. Answers how many were deleted and where the next chunk starts (`None`: done).
    fn prune_chunk(
        &self,
        before_micros: u64,
        from: u64,
        limit: usize,
    ) -> Pending<'_, (u64, Option<u64>)>;

    /// How many commits the backend has made since it was opened (for figures and tests).
    #[cfg_attr(not(feature = "test-support"), allow(dead_code))]
    fn commit_count(&self) -> Pending<'_, u64>;

    /// A stored message's summary and bytes, exactly as received. Blocking.
    fn read_message(&self, id: MessageId) -> Result<Option<(MessageInfo, Vec<u8>)>, StoreError>;

    /// Up to `limit` summaries, newest first; with `before`, only smaller ids. Blocking.
    fn latest(
        &self,
        before: Option<MessageId>,
        limit: usize,
    ) -> Result<Vec<(MessageId, MessageInfo)>, StoreError>;

    /// Every message waiting to be routed, oldest first, with its inbound. Blocking.
    #[cfg_attr(not(feature = "test-support"), allow(dead_code))]
    fn pending_routes(&self) -> Result<Vec<(MessageId, String)>, StoreError>;

    /// Up to `limit` messages of one inbound waiting to be routed, oldest first, with their
    /// bytes. Blocking.
    fn pending_routes_for(
        &self,
        inbound: &str,
        limit: usize,
    ) -> Result<Vec<(MessageId, Vec<u8>)>, StoreError>;

    /// The message-level disposition (RECEIVED while waiting to be routed); `None` for a
    /// message not stored. Blocking.
    fn disposition(&self, id: MessageId) -> Result<Option<StoredDisposition>, StoreError>;

    /// Each handler's result for a message, in route order. Blocking.
    fn handler_results(&self, id: MessageId) -> Result<Vec<HandlerRecord>, StoreError>;

    /// Every copy of a message queued for an outbound, in the order queued, with where it is
    /// now (and, when queued, how many entries are ahead of it). Blocking.
    fn destinations(&self, id: MessageId) -> Result<Vec<Destination>, StoreError>;

    /// [`Backend::destinations`] as outbound and kind of state only. Blocking.
    fn destination_kinds(
        &self,
        id: MessageId,
    ) -> Result<Vec<(String, Option<StateKind>)>, StoreError>;

    /// The message an edit was made from, and the edits made from `id`, oldest first.
    /// Blocking.
    fn edits(&self, id: MessageId) -> Result<(Option<MessageId>, Vec<MessageId>), StoreError>;

    /// The first `limit` entries of an outbound's queue whose sequence is above `after` (all
    /// of them when `None`), in order, with the bytes to send. Blocking.
    fn queue_head(
        &self,
        outbound: &str,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<QueueEntry>, StoreError>;

    /// How many entries an outbound's queue holds, counted by a scan. Blocking.
    #[cfg_attr(not(feature = "test-support"), allow(dead_code))]
    fn queue_len(&self, outbound: &str) -> Result<u64, StoreError>;

    /// How many entries an outbound's queue holds and when its head was received, from
    /// counters kept with every write (equal to a scan at every commit). Blocking.
    fn queue_count(&self, outbound: &str) -> Result<QueueCount, StoreError>;

    /// The dead letters of an outbound (of all when `None`), oldest first. Blocking.
    fn dead_letters(&self, outbound: Option<&str>) -> Result<Vec<DeadLetter>, StoreError>;

    /// How many messages of a file (same name, same digest) are stored; 0 if not begun.
    /// Blocking.
    fn file_progress(
        &self,
        inbound: &str,
        file: &str,
        digest: &[u8; 32],
    ) -> Result<u64, StoreError>;

    /// The files of an inbound begun and not yet forgotten. Blocking.
    fn files_begun(&self, inbound: &str) -> Result<Vec<String>, StoreError>;

    /// Copies the store as it is at this moment to the file `to`, while the engine runs;
    /// stops, leaving `to` as it was, once `cancel` is set. Blocking.
    fn backup(
        &self,
        to: &Path,
        cancel: &AtomicBool,
        progress: RowsDone<'_>,
    ) -> Result<BackupReport, FileError>;

    /// Re-seals every stored body under the current key (bodies under a previous key, and
    /// bodies stored before encryption was turned on) while the engine runs, then records that
    /// earlier keys are no longer needed. Reports (rows done, rows in all) as it goes; stops
    /// between chunks once `cancel` is set with [`StoreError::Interrupted`], and the next call
    /// goes on from there. Blocking.
    fn rotate_key(
        &self,
        progress: &mut dyn FnMut(u64, u64),
        cancel: &AtomicBool,
    ) -> Result<Rotated, StoreError>;

    /// The messages matching `query`, newest first, handed to `visit` with their summaries
    /// until it returns false, found through the search indexes; a field no inbound indexes is
    /// refused. Returns how many rows were read. Blocking.
    fn search_index(
        &self,
        query: &IndexQuery,
        visit: &mut dyn FnMut(MessageId, MessageInfo) -> Result<bool, StoreError>,
    ) -> Result<Examined, SearchRefused>;

    /// Builds the declared indexes not built yet over the messages already stored, and
    /// removes the rows of those no longer declared. Reports (messages looked at, messages
    /// stored) as it goes. Blocking.
    fn sync_indexes(
        &self,
        declared: &[IndexDef],
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Built, StoreError>;

    /// Removes every index row and builds them all again. Blocking; with the engine stopped.
    fn rebuild_indexes(
        &self,
        declared: &[IndexDef],
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Built, StoreError>;

    /// Whether the backend takes writes: false once a commit failed or it was shut down.
    fn is_open(&self) -> bool;

    /// Commit durations and group sizes, for `/metrics`.
    fn metrics(&self) -> &StoreMetrics;

    /// The bytes the store takes on disk, for `/metrics`. Blocking.
    fn size_bytes(&self) -> std::io::Result<u64>;

    /// Commits what was asked before, stops, and waits for that; later writes fail with
    /// [`StoreError::Stopped`]. Blocking.
    fn shutdown(&self);

    /// The redb database, for the embedded backend's own unit tests.
    #[cfg(test)]
    fn redb(&self) -> Option<std::sync::Arc<redb::Database>> {
        None
    }
}

/// The answer to a write, once it is durable: a future that does not allocate when the
/// backend answers through a channel or at once (see the module's doc).
#[must_use = "a write's answer says whether it is durable"]
pub struct Pending<'a, T>(Way<'a, T>);

/// How a [`Pending`] gets its answer.
enum Way<'a, T> {
    /// Sent back on a channel; a channel closed unanswered means the backend stopped.
    Channel(oneshot::Receiver<Result<T, StoreError>>),
    /// Already known (taken when polled).
    Ready(Option<Result<T, StoreError>>),
    /// Computed by a future of the backend's own.
    Boxed(Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>),
}

// Nothing inside is ever pinned in place: the receiver and the box are `Unpin`, and the ready
// answer is only moved out.
impl<T> Unpin for Pending<'_, T> {}

impl<'a, T> Pending<'a, T> {
    /// The answer will come on this channel.
    pub fn channel(answer: oneshot::Receiver<Result<T, StoreError>>) -> Pending<'a, T> {
        Pending(Way::Channel(answer))
    }

    /// The answer is known now.
    pub fn ready(answer: Result<T, StoreError>) -> Pending<'a, T> {
        Pending(Way::Ready(Some(answer)))
    }

    /// The answer is what this future gives (one allocation).
    pub fn boxed(
        answer: impl Future<Output = Result<T, StoreError>> + Send + 'a,
    ) -> Pending<'a, T> {
        Pending(Way::Boxed(Box::pin(answer)))
    }
}

impl<T> Future for Pending<'_, T> {
    type Output = Result<T, StoreError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.get_mut().0 {
            Way::Channel(answer) => Pin::new(answer)
                .poll(cx)
                .map(|answer| answer.unwrap_or(Err(StoreError::Stopped))),
            Way::Ready(answer) => Poll::Ready(answer.take().unwrap_or(Err(StoreError::Stopped))),
            Way::Boxed(answer) => answer.as_mut().poll(cx),
        }
    }
}
