//! What the writer thread is asked to do: one request per write, each with the channel its
//! answer goes back on once the transaction holding it has committed.

use tokio::sync::oneshot;

use super::{Edit, Edited, Incoming, MessageId, QueueKey, Received, RouteRecord, StoreError};

/// What the writer is asked to do; each request carries the channel its answer goes back on.
pub(crate) enum Request {
    /// Store a received message.
    Receive {
        incoming: Box<Incoming>,
        reply: oneshot::Sender<Result<Received, StoreError>>,
    },
    /// Store the next messages of a picked-up file and how far the file is stored.
    ReceiveFile {
        part: Box<super::files::FilePart>,
        reply: oneshot::Sender<Result<Vec<Received>, StoreError>>,
    },
    /// Forget a file whose messages are all stored.
    FileFinished {
        inbound: String,
        file: String,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    /// Store the messages of one batch, in order, all in this transaction: a batch is
    /// acknowledged only once every message of it is committed.
    ReceiveAll {
        incoming: Vec<Incoming>,
        reply: oneshot::Sender<Result<Vec<Received>, StoreError>>,
    },
    /// Record how messages were routed and handled, and queue their sends, in the order
    /// given: their queue positions follow that order.
    Routed {
        records: Vec<RouteRecord>,
        reply: oneshot::Sender<Result<Vec<Vec<QueueKey>>, StoreError>>,
    },
    /// A queued message was acknowledged AA/CA downstream.
    Delivered {
        key: QueueKey,
        attempts: u32,
        ack: String,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    /// Queued messages were delivered together (one batch file): all recorded in this
    /// transaction, each with its attempt count.
    DeliveredAll {
        keys: Vec<(QueueKey, u32)>,
        ack: String,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    /// A queued message was tried and will be tried again; remember the count.
    Attempted {
        key: QueueKey,
        attempts: u32,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    /// A queued message failed for good: move it to the dead letters.
    DeadLetter {
        key: QueueKey,
        attempts: u32,
        reason: String,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    /// Put a dead letter back at the end of its outbound's queue.
    Replay {
        key: QueueKey,
        reply: oneshot::Sender<Result<QueueKey, StoreError>>,
    },
    /// Queue a stored message again for one outbound, as the operator asks.
    Resend {
        message: MessageId,
        outbound: String,
        /// What to queue, chosen and read before the request (see `resend_copy.rs`).
        copy: super::resend_copy::ResendCopy,
        reply: oneshot::Sender<Result<QueueKey, StoreError>>,
    },
    /// Store an operator's edit beside its original, and route or queue it.
    Edit {
        edit: Box<Edit>,
        reply: oneshot::Sender<Result<Edited, StoreError>>,
    },
    /// Look at up to `limit` messages from id `from` on and delete the finished ones received
    /// before a time; answers how many, and where the next chunk starts (`None`: done).
    Prune {
        before_micros: u64,
        from: u64,
        limit: usize,
        reply: oneshot::Sender<Result<(u64, Option<u64>), StoreError>>,
    },
    /// Report how many commits were made. Only `test-support` asks.
    #[cfg_attr(not(feature = "test-support"), allow(dead_code))]
    CommitCount { reply: oneshot::Sender<u64> },
    /// Make every commit before it durable (a routing result is committed without a sync of
    /// its own); answered once it is.
    Sync {
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    /// Commit what came before, then stop; later requests are refused.
    Stop,
}
