//! The writer thread: drains waiting requests, commits them in one transaction, then answers.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::tables::{self, MessageId};
use super::{Incoming, StoreError};

/// The most requests one transaction takes, so one commit's latency stays bounded.
const MAX_GROUP: usize = 1024;

/// What the writer is asked to do.
pub(crate) enum Request {
    /// Store a received message; answer with its id after the commit.
    Receive {
        incoming: Box<Incoming>,
        reply: oneshot::Sender<Result<MessageId, StoreError>>,
    },
    /// Report how many commits were made.
    CommitCount { reply: oneshot::Sender<u64> },
}

pub(crate) struct Writer {
    db: Arc<redb::Database>,
    queue: mpsc::Receiver<Request>,
    next_id: u64,
    commits: u64,
}

impl Writer {
    pub(crate) fn new(
        db: Arc<redb::Database>,
        queue: mpsc::Receiver<Request>,
        next_id: u64,
    ) -> Writer {
        Writer {
            db,
            queue,
            next_id,
            commits: 0,
        }
    }

    /// Runs until every sender is gone or a commit fails.
    pub(crate) fn run(mut self) {
        let mut group = Vec::with_capacity(MAX_GROUP);
        while let Some(first) = self.queue.blocking_recv() {
            group.push(first);
            while group.len() < MAX_GROUP {
                match self.queue.try_recv() {
                    Ok(request) => group.push(request),
                    Err(_) => break,
                }
            }
            if let Err(failure) = self.commit_group(&mut group) {
                // A failed commit is fatal to the store: answer nobody with success, refuse all
                // that is still queued, and stop. The listeners answer AR/CE or close.
                self.queue.close();
                while let Ok(request) = self.queue.try_recv() {
                    group.push(request);
                }
                for request in group.drain(..) {
                    refuse(request, &failure);
                }
                return;
            }
        }
    }

    /// Writes the group in one transaction; on success answers every request. On failure the
    /// group is left untouched for the caller to refuse.
    fn commit_group(&mut self, group: &mut Vec<Request>) -> Result<(), String> {
        let receives = group
            .iter()
            .filter(|r| matches!(r, Request::Receive { .. }))
            .count() as u64;
        let first_id = self.next_id;
        if receives > 0 {
            self.write(group, first_id).map_err(|e| e.to_string())?;
            self.next_id += receives;
            self.commits += 1;
        }
        let mut id = first_id;
        for request in group.drain(..) {
            match request {
                Request::Receive { reply, .. } => {
                    let _ = reply.send(Ok(MessageId(id)));
                    id += 1;
                }
                Request::CommitCount { reply } => {
                    let _ = reply.send(self.commits);
                }
            }
        }
        Ok(())
    }

    fn write(&self, group: &[Request], first_id: u64) -> Result<(), redb::Error> {
        let mut txn = self.db.begin_write()?;
        txn.set_durability(redb::Durability::Immediate)
            .map_err(|e| redb::Error::Corrupted(e.to_string()))?;
        let mut id = first_id;
        for request in group {
            if let Request::Receive { incoming, .. } = request {
                tables::insert_message(&txn, MessageId(id), &incoming.raw, &incoming.info)?;
                id += 1;
            }
        }
        txn.commit()?;
        Ok(())
    }
}

fn refuse(request: Request, failure: &str) {
    match request {
        Request::Receive { reply, .. } => {
            let _ = reply.send(Err(StoreError::Write(failure.to_owned())));
        }
        Request::CommitCount { reply } => {
            let _ = reply.send(0);
        }
    }
}
