//! The writer thread: drains waiting requests, applies them in one transaction, commits, and
//! only then answers each of them.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::StoreError;
use super::ops::{self, Answer, Counters};
use super::request::Request;

/// The most requests one transaction takes, so one commit's latency stays bounded.
const MAX_GROUP: usize = 1024;

/// The one thread that writes the store.
pub(crate) struct Writer {
    db: Arc<redb::Database>,
    queue: mpsc::Receiver<Request>,
    counters: Counters,
    commits: u64,
}

impl Writer {
    pub(crate) fn new(
        db: Arc<redb::Database>,
        queue: mpsc::Receiver<Request>,
        counters: Counters,
    ) -> Writer {
        Writer {
            db,
            queue,
            counters,
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
            let stop = group.iter().any(|r| matches!(r, Request::Stop));
            match self.commit(&group) {
                Ok((answers, counters)) => {
                    self.counters = counters;
                    for (request, answer) in group.drain(..).zip(answers) {
                        reply(request, Ok(answer), self.commits);
                    }
                    if stop {
                        // Dropping the receiver refuses whatever other handles send next.
                        return;
                    }
                }
                Err(failure) => {
                    // A failed commit is fatal to the store: nobody is told their data is safe,
                    // whatever is queued is refused, and the thread stops. Listeners answer
                    // AR/CE or close the connection.
                    self.queue.close();
                    while let Ok(request) = self.queue.try_recv() {
                        group.push(request);
                    }
                    for request in group.drain(..) {
                        reply(request, Err(failure.clone()), self.commits);
                    }
                    return;
                }
            }
        }
    }

    /// Applies the group in one transaction and commits. The answers are only valid if this
    /// returns `Ok`; counters advance only then.
    fn commit(&mut self, group: &[Request]) -> Result<(Vec<Answer>, Counters), String> {
        let needs_write = group
            .iter()
            .any(|r| !matches!(r, Request::CommitCount { .. } | Request::Stop));
        let mut counters = self.counters;
        if !needs_write {
            return Ok((group.iter().map(|_| Answer::None).collect(), counters));
        }
        let mut run = || -> Result<Vec<Answer>, redb::Error> {
            let mut txn = self.db.begin_write()?;
            txn.set_durability(redb::Durability::Immediate)
                .map_err(|e| redb::Error::Corrupted(e.to_string()))?;
            let mut answers = Vec::with_capacity(group.len());
            {
                let mut tables = ops::Tables::open(&txn)?;
                for request in group {
                    answers.push(ops::apply(&mut tables, &mut counters, request)?);
                }
            }
            ops::save_counters(&txn, &self.counters, &counters)?;
            txn.commit()?;
            Ok(answers)
        };
        let answers = run().map_err(|e| e.to_string())?;
        self.commits += 1;
        Ok((answers, counters))
    }
}

/// Sends a request its answer.
fn reply(request: Request, answer: Result<Answer, String>, commits: u64) {
    let failed = |e: String| StoreError::Write(e);
    match (request, answer) {
        (Request::Stop, _) => {}
        (Request::CommitCount { reply }, _) => {
            let _ = reply.send(commits);
        }
        (Request::Receive { reply, .. }, Ok(Answer::Received(r))) => {
            let _ = reply.send(Ok(r));
        }
        (Request::Routed { reply, .. }, Ok(Answer::Routed(keys))) => {
            let _ = reply.send(Ok(keys));
        }
        (Request::Replay { reply, .. }, Ok(Answer::Queued(mut keys))) => {
            let _ = reply.send(keys.pop().ok_or(StoreError::NotFound));
        }
        (Request::Prune { reply, .. }, Ok(Answer::Pruned { deleted, next })) => {
            let _ = reply.send(Ok((deleted, next)));
        }
        (
            Request::Delivered { reply, .. }
            | Request::Attempted { reply, .. }
            | Request::DeadLetter { reply, .. },
            Ok(Answer::Done),
        ) => {
            let _ = reply.send(Ok(()));
        }
        (request, Ok(Answer::Missing)) => send_error(request, StoreError::NotFound),
        (request, Ok(_)) => send_error(request, StoreError::Write("unexpected answer".into())),
        (request, Err(e)) => send_error(request, failed(e)),
    }
}

fn send_error(request: Request, error: StoreError) {
    match request {
        Request::Receive { reply, .. } => {
            let _ = reply.send(Err(error));
        }
        Request::Routed { reply, .. } => {
            let _ = reply.send(Err(error));
        }
        Request::Replay { reply, .. } => {
            let _ = reply.send(Err(error));
        }
        Request::Prune { reply, .. } => {
            let _ = reply.send(Err(error));
        }
        Request::Delivered { reply, .. }
        | Request::Attempted { reply, .. }
        | Request::DeadLetter { reply, .. } => {
            let _ = reply.send(Err(error));
        }
        Request::CommitCount { reply } => {
            let _ = reply.send(0);
        }
        Request::Stop => {}
    }
}
