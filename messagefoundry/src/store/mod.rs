//! The durable store: one redb file, written by one thread that commits in groups.
//!
//! Every received frame is handed to the writer thread over a bounded channel. The writer takes
//! everything that is waiting, writes it in one `Durability::Immediate` transaction and only
//! after the commit returns answers each sender with the message's id. One fsync serves every
//! connection that was waiting, which is how durable intake scales with connections.
//!
//! What is here: intake of received messages (raw bytes and a summary) and reading them back.
//! Dispositions, outbound queues, dead letters, duplicate detection and retention are not built
//! yet.

mod tables;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::{mpsc, oneshot};

pub use tables::{MessageId, MessageInfo, ParseState};
use writer::{Request, Writer};

/// How many requests may wait for the writer before senders wait for room.
const DEFAULT_QUEUE: usize = 4096;

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
        source: redb::DatabaseError,
    },
    /// A transaction failed; the store has stopped and nothing in it was acknowledged.
    #[error("store write failed: {0}; the store has stopped")]
    Write(String),
    /// A read failed.
    #[error("store read failed: {0}")]
    Read(String),
    /// The writer thread is gone (after a failed commit, or at shutdown).
    #[error("the store is stopped")]
    Stopped,
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
}

/// The store. Cloning the handle is cheap; the writer thread stops when the last handle is
/// dropped or [`Store::shutdown`] is called.
#[derive(Clone)]
pub struct Store {
    db: Arc<redb::Database>,
    requests: mpsc::Sender<Request>,
    writer: Arc<std::sync::Mutex<Option<JoinHandle<()>>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (or creates) the store file and starts its writer thread.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref();
        let db = redb::Database::create(path).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let db = Arc::new(db);
        let next_id = tables::initialise(&db).map_err(|e| StoreError::Write(e.to_string()))?;
        let (requests, queue) = mpsc::channel(DEFAULT_QUEUE);
        let writer = Writer::new(Arc::clone(&db), queue, next_id);
        let handle = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || writer.run())
            .map_err(|e| StoreError::Write(format!("cannot start the writer thread: {e}")))?;
        Ok(Store {
            db,
            requests,
            writer: Arc::new(std::sync::Mutex::new(Some(handle))),
        })
    }

    /// Stores one received message durably; resolves once the transaction holding it has
    /// committed, with its id. Only then may the sender be acknowledged.
    pub async fn receive(&self, incoming: Incoming) -> Result<MessageId, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(Request::Receive {
                incoming: Box::new(incoming),
                reply,
            })
            .await
            .map_err(|_| StoreError::Stopped)?;
        answer.await.map_err(|_| StoreError::Stopped)?
    }

    /// How many commits the writer has made since it started (for figures and tests).
    pub async fn commit_count(&self) -> Result<u64, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(Request::CommitCount { reply })
            .await
            .map_err(|_| StoreError::Stopped)?;
        answer.await.map_err(|_| StoreError::Stopped)
    }

    /// Reads a stored message: its summary and its bytes. A blocking call: run it off the async
    /// workers (`spawn_blocking`).
    pub fn read_message(
        &self,
        id: MessageId,
    ) -> Result<Option<(MessageInfo, Vec<u8>)>, StoreError> {
        tables::read_message(&self.db, id).map_err(|e| StoreError::Read(e.to_string()))
    }

    /// Stops taking requests, lets the writer commit what it holds, and waits for it.
    /// A blocking call.
    pub fn shutdown(self) {
        let Store {
            requests, writer, ..
        } = self;
        drop(requests);
        let handle = match writer.lock() {
            Ok(mut guard) => guard.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(handle) = handle {
            // Other clones may still hold senders; the writer ends when the last one goes.
            let _ = handle.join();
        }
    }
}
