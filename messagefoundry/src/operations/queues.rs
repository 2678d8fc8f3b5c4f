//! The outbound queues: their state, their dead letters, and replaying a dead letter.

use serde::{Deserialize, Serialize};

use super::{OperationError, Scope, read};
use crate::engine::SenderStatus;
use crate::store::{DeadLetter, QueueKey};

/// One outbound's queue.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct QueueState {
    /// The outbound.
    pub outbound: String,
    /// Messages waiting to be delivered.
    pub queued: u64,
    /// Its dead letters.
    pub dead_letters: u64,
    /// Its sender's state; `None` when `serve` is not running.
    pub sender: Option<SenderStatus>,
}

/// Each outbound's queue, in declaration order, with its sender's state when `serve` runs.
pub async fn queues(scope: &Scope) -> Result<Vec<QueueState>, OperationError> {
    let senders: Vec<(String, Option<SenderStatus>)> = match scope {
        Scope::Stopped { outbounds, .. } => {
            outbounds.iter().map(|o| ((*o).to_owned(), None)).collect()
        }
        Scope::Serving(engine) => engine
            .sender_statuses()
            .into_iter()
            .map(|(name, status)| (name.to_owned(), Some(status)))
            .collect(),
    };
    read(scope.store(), move |store| {
        let dead = store.dead_letters(None)?;
        senders
            .into_iter()
            .map(|(outbound, sender)| {
                let dead_letters = dead.iter().filter(|d| d.key.outbound == outbound).count();
                Ok(QueueState {
                    queued: store.queue_count(&outbound)?.depth,
                    dead_letters: dead_letters as u64,
                    outbound,
                    sender,
                })
            })
            .collect()
    })
    .await
}

/// The dead letters of one outbound, or of all, oldest first.
pub async fn dead_letters(
    scope: &Scope,
    outbound: Option<String>,
) -> Result<Vec<DeadLetter>, OperationError> {
    read(scope.store(), move |store| {
        store.dead_letters(outbound.as_deref())
    })
    .await
}

/// Puts a dead letter back at the end of its outbound's queue; a running sender sends it at
/// once. Returns where it is queued now.
pub async fn replay(scope: &Scope, key: QueueKey) -> Result<QueueKey, OperationError> {
    Ok(match scope {
        Scope::Stopped { store, .. } => store.replay(key).await?,
        Scope::Serving(engine) => engine.replay(key).await?,
    })
}
