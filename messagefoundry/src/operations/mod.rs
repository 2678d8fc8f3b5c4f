//! What an operator does with the store, whether `serve` runs or not: list, search and show
//! messages (with each handler's result and where each copy went), look at the queues and the
//! dead letters, replay a dead letter, resend a message or store an edit of it and send that,
//! prune old messages. One implementation under every way in: the `messages` command, the control
//! socket of a running `serve`, and an admin API.
//!
//! Each operation returns data, never text; the caller prints it. [`Request`] and
//! [`Response`] are the same operations as values, for a caller that passes them along (the
//! control socket sends them as JSON).

mod messages;
mod queues;
mod resend;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::engine::EngineHandle;
use crate::store::{DeadLetter, Edited, MessageId, QueueKey, Store, StoreError};

pub use messages::{
    DestinationDetail, MessageDetail, MessageSummary, Search, instant, list, prune, search, show,
};
pub use queues::{QueueState, dead_letters, queues, replay};
pub use resend::{edit, resend};

/// What the operations work on.
#[derive(Clone)]
pub enum Scope {
    /// A stopped engine's store, opened by the caller, and the interface's outbounds.
    Stopped {
        /// The store.
        store: Store,
        /// The inbounds' names.
        inbounds: Vec<&'static str>,
        /// The outbounds' names, in declaration order.
        outbounds: Vec<&'static str>,
    },
    /// A running engine: its store, its senders' states, and replays that wake the sender.
    Serving(EngineHandle),
}

impl Scope {
    fn store(&self) -> &Store {
        match self {
            Scope::Stopped { store, .. } => store,
            Scope::Serving(engine) => engine.store(),
        }
    }

    /// Refuses an outbound the interface does not declare, naming those it does.
    fn known_outbound(&self, name: &str) -> Result<(), OperationError> {
        let known = match self {
            Scope::Stopped { outbounds, .. } => outbounds.clone(),
            Scope::Serving(engine) => engine.outbounds(),
        };
        declared("outbound", name, &known)
    }

    /// Refuses an inbound the interface does not declare (any longer), naming those it does.
    fn known_inbound(&self, name: &str) -> Result<(), OperationError> {
        let known = match self {
            Scope::Stopped { inbounds, .. } => inbounds.clone(),
            Scope::Serving(engine) => engine.inbounds(),
        };
        declared("inbound", name, &known)
    }

    /// Wakes a running sender; a stopped engine's queue is read when `serve` starts.
    fn wake_outbound(&self, outbound: &str) {
        if let Scope::Serving(engine) = self {
            engine.wake_outbound(outbound);
        }
    }

    /// Wakes a running pipeline; a stopped engine routes what waits when `serve` starts.
    fn wake_inbound(&self, inbound: &str) {
        if let Scope::Serving(engine) = self {
            engine.wake_inbound(inbound);
        }
    }
}

/// Whether `name` is one of the connections of this kind that the interface declares.
fn declared(kind: &'static str, name: &str, known: &[&str]) -> Result<(), OperationError> {
    if known.contains(&name) {
        return Ok(());
    }
    Err(OperationError::NoConnection {
        kind,
        name: name.to_owned(),
        known: known.join(", "),
    })
}

/// Why an operation failed. None carries message content.
#[derive(Debug, thiserror::Error)]
pub enum OperationError {
    /// The store failed or is stopped.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No message with this id is in the store.
    #[error("no message {0} in the store")]
    NoMessage(MessageId),
    /// The interface declares no connection of this name.
    #[error("the interface has no {kind} named {name}; its {kind}s are: {known}")]
    NoConnection {
        /// `inbound` or `outbound`.
        kind: &'static str,
        /// The name asked for.
        name: String,
        /// The names declared.
        known: String,
    },
    /// The message did not parse when it was received: there is nothing to send as it is.
    #[error("message {0} did not parse when it was received; edit it (`messages edit`) instead")]
    Broken(MessageId),
    /// An edit is no different from the message.
    #[error("the edit of message {0} changes nothing; nothing was stored")]
    Unchanged(MessageId),
    /// An edit is not a message the engine can route and send.
    #[error("the edited message was not stored: {0}")]
    Invalid(String),
    /// A search asks for a field no index answers, or for too broad a start of a value.
    #[error("{0}")]
    NotIndexed(String),
}

/// Runs store reads (blocking calls) off the async workers.
async fn read<T: Send + 'static>(
    store: &Store,
    read: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, OperationError> {
    let store = store.clone();
    let value = tokio::task::spawn_blocking(move || read(&store))
        .await
        .map_err(|e| StoreError::Read(e.to_string()))??;
    Ok(value)
}

/// An operation as a value.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// [`list`].
    List {
        /// Only messages older than this one (to page back).
        before: Option<MessageId>,
        /// How many at most.
        limit: usize,
    },
    /// [`search`].
    Search(Search),
    /// [`show`].
    Show(MessageId),
    /// [`queues`].
    Queues,
    /// [`dead_letters`], of one outbound or of all.
    DeadLetters(Option<String>),
    /// [`replay`].
    Replay(QueueKey),
    /// [`prune`]: finished messages older than this.
    Prune(Duration),
    /// [`resend`].
    Resend {
        /// The message.
        id: MessageId,
        /// The outbound to queue it for.
        outbound: String,
        /// The message as received, rather than the last copy queued for the outbound.
        as_received: bool,
    },
    /// [`edit`].
    Edit {
        /// The message edited.
        id: MessageId,
        /// The edited message (ER7).
        message: Vec<u8>,
        /// Queue it for this outbound only, instead of routing it again.
        to: Option<String>,
    },
}

/// What a [`Request`] gave.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// The messages of `List` or `Search`, newest first.
    Messages(Vec<MessageSummary>),
    /// The message of `Show`.
    Message(Box<MessageDetail>),
    /// Each outbound's queue, in declaration order.
    Queues(Vec<QueueState>),
    /// The dead letters, oldest first.
    DeadLetters(Vec<DeadLetter>),
    /// Where the replayed message is queued now.
    Replayed(QueueKey),
    /// How many messages were deleted.
    Pruned(u64),
    /// Where the resent message is queued.
    Resent(QueueKey),
    /// The edit stored, and where it was queued if it went to one outbound.
    Edited(Edited),
}

/// Runs a request.
pub async fn execute(scope: &Scope, request: &Request) -> Result<Response, OperationError> {
    Ok(match request {
        Request::List { before, limit } => Response::Messages(list(scope, *before, *limit).await?),
        Request::Search(filter) => Response::Messages(search(scope, filter.clone()).await?),
        Request::Show(id) => Response::Message(Box::new(show(scope, *id).await?)),
        Request::Queues => Response::Queues(queues(scope).await?),
        Request::DeadLetters(outbound) => {
            Response::DeadLetters(dead_letters(scope, outbound.clone()).await?)
        }
        Request::Replay(key) => Response::Replayed(replay(scope, key.clone()).await?),
        Request::Prune(age) => Response::Pruned(prune(scope, *age).await?),
        Request::Resend {
            id,
            outbound,
            as_received,
        } => Response::Resent(resend(scope, *id, outbound.clone(), *as_received).await?),
        Request::Edit { id, message, to } => {
            Response::Edited(edit(scope, *id, message.clone(), to.clone()).await?)
        }
    })
}

#[cfg(test)]
pub(crate) mod tests;
