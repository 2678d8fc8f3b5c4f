//! The embedded backend: one redb file, written by one thread that commits in groups.
//!
//! Every write is handed to the writer thread over a bounded channel. The writer takes
//! everything that is waiting, applies it in one transaction (synced unless it holds only
//! routing results, which the next synced commit makes durable, or received messages, which
//! the journal beside the file makes durable: see `journal/`), and only
//! after the commit answers each request, on the channel a [`Pending`] waits on. One fsync
//! serves every connection that was waiting. Reads use their own read transactions, beside the
//! writer.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::thread::JoinHandle;

use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, oneshot};

use super::backend::{Backend, Pending};
use super::backup::{BackupReport, RowsDone};
use super::envelope::Codec;
use super::index::{Built, Examined, IndexQuery, SearchRefused};
use super::request::Request;
use super::writer::Writer;
use super::{
    DeadLetter, Destination, Edit, Edited, FileError, FilePart, HandlerRecord, Incoming,
    KeySettings, MessageId, MessageInfo, QueueCount, QueueEntry, QueueKey, Received, Rotated,
    RouteRecord, StateKind, StoreError, StoredDisposition, destinations, index, journal, migrate,
    ops, reads, resend_copy, seal_requests, sealing, tables, unrouted,
};
use crate::interface::index::IndexDef;
use crate::metrics::StoreMetrics;

/// How many requests may wait for the writer before senders wait for room.
const DEFAULT_QUEUE: usize = 4096;

/// The redb backend. The writer thread stops when this is dropped or shut down.
pub(crate) struct Redb {
    pub(super) db: Arc<redb::Database>,
    requests: mpsc::Sender<Request>,
    writer: std::sync::Mutex<Option<JoinHandle<()>>>,
    /// The file, for its size on `/metrics` and for backups.
    pub(super) path: Arc<Path>,
    /// What the writer counts, for `/metrics`.
    metrics: Arc<StoreMetrics>,
    /// How bodies are put in their envelopes (before they reach the writer) and taken out.
    pub(super) codec: Arc<Codec>,
    /// The messages waiting to be routed, kept by the writer.
    unrouted: unrouted::Shared,
}

impl Redb {
    /// Opens (or creates) the store file with the keys of `keys`, migrates a file of layout 1,
    /// checks that every key its bodies are sealed under is given, and starts the writer
    /// thread. Blocking.
    pub(crate) fn open_with(path: &Path, keys: &KeySettings) -> Result<Redb, StoreError> {
        let codec = Arc::new(Codec::from_settings(keys)?);
        let db = super::file_cache::builder()
            .create(path)
            .map_err(|source| StoreError::Open {
                path: path.to_path_buf(),
                source: Box::new(source),
            })?;
        migrate::migrate_logging(&db, path, &codec)?;
        sealing::check(&db, &codec)?;
        journal::recover(&db, path)?;
        let journal = journal::Journal::open(&db, path)?;
        let db = Arc::new(db);
        let (next_message, next_seq) =
            tables::initialise(&db).map_err(|e| StoreError::Write(e.to_string()))?;
        index::ensure(&db).map_err(|e| StoreError::Write(e.to_string()))?;
        let unrouted = unrouted::Shared::load(&db).map_err(|e| StoreError::Read(e.to_string()))?;
        let (requests, queue) = mpsc::channel(DEFAULT_QUEUE);
        let counters = ops::Counters {
            next_message,
            next_seq,
        };
        let metrics = Arc::new(StoreMetrics::default());
        let writer = Writer::new(Arc::clone(&db), queue, counters)
            .counting(Arc::clone(&metrics))
            .routing(unrouted.clone())
            .journaling(journal);
        let handle = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || writer.run())
            .map_err(|e| StoreError::Write(format!("cannot start the writer thread: {e}")))?;
        Ok(Redb {
            db,
            requests,
            writer: std::sync::Mutex::new(Some(handle)),
            path: Arc::from(path),
            metrics,
            codec,
            unrouted,
        })
    }

    /// Hands a request to the writer. While the channel has room this is a plain send and the
    /// answer comes on the request's own channel; only when it is full does the wait for room
    /// take a boxed future.
    pub(super) fn ask<T: Send + 'static>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> Request,
    ) -> Pending<'_, T> {
        let (reply, answer) = oneshot::channel();
        let mut request = make(reply);
        // Sealed here, on the caller's task, so the writer thread only writes bytes.
        if let Err(e) = seal_requests::seal(&self.codec, &mut request) {
            return Pending::ready(Err(e.into()));
        }
        match self.requests.try_send(request) {
            Ok(()) => Pending::channel(answer),
            Err(TrySendError::Full(request)) => Pending::boxed(async move {
                self.requests
                    .send(request)
                    .await
                    .map_err(|_| StoreError::Stopped)?;
                answer.await.map_err(|_| StoreError::Stopped)?
            }),
            Err(TrySendError::Closed(_)) => Pending::ready(Err(StoreError::Stopped)),
        }
    }
}

impl Backend for Redb {
    fn receive(&self, incoming: Incoming) -> Pending<'_, Received> {
        self.ask(|reply| Request::Receive {
            incoming: Box::new(incoming),
            reply,
        })
    }

    fn receive_all(&self, incoming: Vec<Incoming>) -> Pending<'_, Vec<Received>> {
        self.ask(|reply| Request::ReceiveAll { incoming, reply })
    }

    fn receive_file_part(&self, part: FilePart) -> Pending<'_, Vec<Received>> {
        Redb::receive_file_part(self, part)
    }

    fn file_finished(&self, inbound: &str, file: &str) -> Pending<'_, ()> {
        Redb::file_finished(self, inbound, file)
    }

    fn record_routes(&self, records: Vec<RouteRecord>) -> Pending<'_, Vec<Vec<QueueKey>>> {
        self.ask(|reply| Request::Routed { records, reply })
    }

    fn sync(&self) -> Pending<'_, ()> {
        self.ask(|reply| Request::Sync { reply })
    }

    fn delivered(&self, key: QueueKey, attempts: u32, ack: &str) -> Pending<'_, ()> {
        self.ask(|reply| Request::Delivered {
            key,
            attempts,
            ack: ack.to_owned(),
            reply,
        })
    }

    fn delivered_all(&self, keys: Vec<(QueueKey, u32)>, ack: &str) -> Pending<'_, ()> {
        self.ask(|reply| Request::DeliveredAll {
            keys,
            ack: ack.to_owned(),
            reply,
        })
    }

    fn attempted(&self, key: QueueKey, attempts: u32) -> Pending<'_, ()> {
        self.ask(|reply| Request::Attempted {
            key,
            attempts,
            reply,
        })
    }

    fn dead_letter(&self, key: QueueKey, attempts: u32, reason: String) -> Pending<'_, ()> {
        self.ask(|reply| Request::DeadLetter {
            key,
            attempts,
            reason,
            reply,
        })
    }

    fn replay(&self, key: QueueKey) -> Pending<'_, QueueKey> {
        self.ask(|reply| Request::Replay { key, reply })
    }

    fn resend(
        &self,
        message: MessageId,
        outbound: String,
        as_received: bool,
    ) -> Pending<'_, QueueKey> {
        let (db, codec) = (Arc::clone(&self.db), Arc::clone(&self.codec));
        Pending::boxed(async move {
            let name = outbound.clone();
            let chosen = tokio::task::spawn_blocking(move || {
                resend_copy::choose(&db, &codec, message, &name, as_received)
            })
            .await
            .map_err(|e| StoreError::Read(format!("reading what to resend: {e}")))??;
            let copy = chosen.ok_or(StoreError::NotFound)?;
            self.ask(|reply| Request::Resend {
                message,
                outbound,
                copy,
                reply,
            })
            .await
        })
    }

    fn store_edit(&self, edit: Edit) -> Pending<'_, Edited> {
        self.ask(|reply| Request::Edit {
            edit: Box::new(edit),
            reply,
        })
    }

    fn prune_chunk(
        &self,
        before_micros: u64,
        from: u64,
        limit: usize,
    ) -> Pending<'_, (u64, Option<u64>)> {
        self.ask(|reply| Request::Prune {
            before_micros,
            from,
            limit,
            reply,
        })
    }

    fn commit_count(&self) -> Pending<'_, u64> {
        let (reply, answer) = oneshot::channel();
        let requests = self.requests.clone();
        Pending::boxed(async move {
            requests
                .send(Request::CommitCount { reply })
                .await
                .map_err(|_| StoreError::Stopped)?;
            answer.await.map_err(|_| StoreError::Stopped)
        })
    }

    fn read_message(&self, id: MessageId) -> Result<Option<(MessageInfo, Vec<u8>)>, StoreError> {
        let Some((info, stored)) = tables::read_message(&self.db, id).map_err(read_error)? else {
            return Ok(None);
        };
        Ok(Some((info, self.codec.open(&stored)?)))
    }

    fn latest(
        &self,
        before: Option<MessageId>,
        limit: usize,
    ) -> Result<Vec<(MessageId, MessageInfo)>, StoreError> {
        tables::latest(&self.db, before, limit).map_err(read_error)
    }

    fn pending_routes(&self) -> Result<Vec<(MessageId, String)>, StoreError> {
        Ok(self.unrouted.all())
    }

    fn pending_routes_for(
        &self,
        inbound: &str,
        limit: usize,
    ) -> Result<Vec<(MessageId, Vec<u8>)>, StoreError> {
        let ids = self.unrouted.of(inbound, limit);
        let pending = reads::waiting_bodies(&self.db, &ids).map_err(read_error)?;
        pending
            .into_iter()
            .map(|(id, stored)| Ok((id, self.codec.open(&stored)?)))
            .collect()
    }

    fn disposition(&self, id: MessageId) -> Result<Option<StoredDisposition>, StoreError> {
        reads::disposition(&self.db, id).map_err(read_error)
    }

    fn handler_results(&self, id: MessageId) -> Result<Vec<HandlerRecord>, StoreError> {
        reads::handler_results(&self.db, id).map_err(read_error)
    }

    fn destinations(&self, id: MessageId) -> Result<Vec<Destination>, StoreError> {
        let mut copies = destinations::read(&self.db, id).map_err(read_error)?;
        for copy in &mut copies {
            if let Some(payload) = &mut copy.payload {
                *payload = self.codec.open(payload)?;
            }
        }
        Ok(copies)
    }

    fn destination_kinds(
        &self,
        id: MessageId,
    ) -> Result<Vec<(String, Option<StateKind>)>, StoreError> {
        destinations::kinds(&self.db, id).map_err(read_error)
    }

    fn edits(&self, id: MessageId) -> Result<(Option<MessageId>, Vec<MessageId>), StoreError> {
        destinations::edits(&self.db, id).map_err(read_error)
    }

    fn queue_head(
        &self,
        outbound: &str,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<QueueEntry>, StoreError> {
        reads::queue_head(&self.db, &self.codec, outbound, after, limit)
    }

    fn queue_len(&self, outbound: &str) -> Result<u64, StoreError> {
        reads::queue_len(&self.db, outbound).map_err(read_error)
    }

    fn queue_count(&self, outbound: &str) -> Result<QueueCount, StoreError> {
        reads::queue_count(&self.db, outbound).map_err(read_error)
    }

    fn dead_letters(&self, outbound: Option<&str>) -> Result<Vec<DeadLetter>, StoreError> {
        reads::dead_letters(&self.db, outbound).map_err(read_error)
    }

    fn file_progress(
        &self,
        inbound: &str,
        file: &str,
        digest: &[u8; 32],
    ) -> Result<u64, StoreError> {
        Redb::file_progress(self, inbound, file, digest)
    }

    fn files_begun(&self, inbound: &str) -> Result<Vec<String>, StoreError> {
        Redb::files_begun(self, inbound)
    }

    fn backup(
        &self,
        to: &Path,
        cancel: &AtomicBool,
        progress: RowsDone<'_>,
    ) -> Result<BackupReport, FileError> {
        Redb::backup(self, to, cancel, progress)
    }

    fn rotate_key(
        &self,
        progress: &mut dyn FnMut(u64, u64),
        cancel: &AtomicBool,
    ) -> Result<Rotated, StoreError> {
        self.reseal_all(progress, cancel)
    }

    fn search_index(
        &self,
        query: &IndexQuery,
        visit: &mut dyn FnMut(MessageId, MessageInfo) -> Result<bool, StoreError>,
    ) -> Result<Examined, SearchRefused> {
        index::search_db(&self.db, &self.codec, query, visit)
    }

    fn sync_indexes(
        &self,
        declared: &[IndexDef],
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Built, StoreError> {
        index::sync_db(&self.db, &self.codec, declared, progress)
            .map_err(|e| StoreError::Write(e.to_string()))
    }

    fn rebuild_indexes(
        &self,
        declared: &[IndexDef],
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Built, StoreError> {
        index::rebuild_db(&self.db, &self.codec, declared, progress)
    }

    fn is_open(&self) -> bool {
        !self.requests.is_closed()
    }

    fn metrics(&self) -> &StoreMetrics {
        &self.metrics
    }

    fn size_bytes(&self) -> std::io::Result<u64> {
        std::fs::metadata(&self.path).map(|m| m.len())
    }

    fn shutdown(&self) {
        // If the writer is already gone the send fails, and the join below returns at once.
        let _ = self.requests.blocking_send(Request::Stop);
        let handle = match self.writer.lock() {
            Ok(mut guard) => guard.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }

    #[cfg(test)]
    fn redb(&self) -> Option<Arc<redb::Database>> {
        Some(Arc::clone(&self.db))
    }
}

fn read_error(e: redb::Error) -> StoreError {
    StoreError::Read(e.to_string())
}
