//! What an operator does with the store, whether `serve` runs or not: list, search and show
//! messages, look at the queues and the dead letters, replay a dead letter, prune old
//! messages. One implementation under every way in: the `messages` command, the control
//! socket of a running `serve`, and an admin API.
//!
//! Each operation returns data, never text; the caller prints it. [`Request`] and
//! [`Response`] are the same operations as values, for a caller that passes them along (the
//! control socket sends them as JSON).

mod messages;
mod queues;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::engine::EngineHandle;
use crate::store::{DeadLetter, MessageId, QueueKey, Store, StoreError};

pub use messages::{MessageDetail, MessageSummary, Search, list, prune, search, show};
pub use queues::{QueueState, dead_letters, queues, replay};

/// What the operations work on.
#[derive(Clone)]
pub enum Scope {
    /// A stopped engine's store, opened by the caller, and the interface's outbounds.
    Stopped {
        /// The store.
        store: Store,
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
    })
}

#[cfg(test)]
pub(crate) mod tests;
