//! The writer thread: drains waiting requests, applies them in one transaction, commits, and
//! only then answers each of them.
//!
//! A commit syncs to disk (`Durability::Immediate`) unless every request in it is a routing
//! result. Those are committed without a sync of their own: nobody outside the engine has been
//! promised them (a pipeline owing a peer an application ACK asks for a sync first), the next
//! commit that syncs (a delivery, an operator request, stopping) makes them durable together
//! with everything before it, and a crash before then
//! leaves their messages waiting to be routed, which start-up routes again, as after a crash
//! between storing a message and routing it. At one connection this halves the syncs per
//! message: each message's routing no longer waits for a sync of its own before the next
//! message can be stored.
//!
//! A group of received messages (with routing results) is committed without a sync too, and
//! made durable by one synced append to the journal (`journal/`) before it is answered and its
//! messages are offered to the pipeline.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::StoreError;
use super::journal::Journal;
use super::ops::{self, Answer, Counters};
use super::request::Request;
use super::unrouted::Shared;
use crate::metrics::StoreMetrics;

/// The most requests one transaction takes, so one commit's latency stays bounded.
const MAX_GROUP: usize = 1024;

/// The one thread that writes the store.
pub(crate) struct Writer {
    db: Arc<redb::Database>,
    queue: mpsc::Receiver<Request>,
    counters: Counters,
    commits: u64,
    /// A commit since the last sync was not synced: the last commit before stopping syncs.
    unsynced: bool,
    /// Commit durations and group sizes, for `/metrics`.
    metrics: Arc<StoreMetrics>,
    /// The messages waiting to be routed, changed after each commit.
    unrouted: Shared,
    /// Where a group of received messages is made durable instead of syncing the store;
    /// without it every such group syncs.
    journal: Option<Journal>,
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
            unsynced: false,
            metrics: Arc::default(),
            unrouted: Shared::default(),
            journal: None,
        }
    }

    /// Keeps the messages waiting to be routed in `unrouted` (read at open).
    pub(crate) fn routing(mut self, unrouted: Shared) -> Writer {
        self.unrouted = unrouted;
        self
    }

    /// Records each commit's duration and group size in `metrics`.
    pub(crate) fn counting(mut self, metrics: Arc<StoreMetrics>) -> Writer {
        self.metrics = metrics;
        self
    }

    /// Makes groups of received messages durable in `journal` (see `journal/mod.rs`).
    pub(crate) fn journaling(mut self, journal: Journal) -> Writer {
        self.journal = Some(journal);
        self
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
        let durability = durability(group, self.unsynced);
        let mut counters = self.counters;
        let Some(mut durability) = durability else {
            return Ok((group.iter().map(|_| Answer::None).collect(), counters));
        };
        // Received messages are made durable by the journal, not by syncing the store.
        let journaled = matches!(durability, redb::Durability::Immediate)
            && self
                .journal
                .as_mut()
                .is_some_and(|j| j.prepare(counters.next_message, group));
        if journaled {
            durability = redb::Durability::None;
        }
        let started = std::time::Instant::now();
        let mut run = || -> Result<(Vec<Answer>, super::unrouted::Staged), redb::Error> {
            let mut txn = self.db.begin_write()?;
            txn.set_durability(durability)
                .map_err(|e| redb::Error::Corrupted(e.to_string()))?;
            let mut answers = Vec::with_capacity(group.len());
            let staged = {
                let mut tables = ops::Tables::open(&txn)?;
                for request in group {
                    answers.push(ops::apply(&mut tables, &mut counters, request)?);
                }
                tables.settle()?;
                std::mem::take(&mut tables.unrouted)
            };
            let pruned = group.iter().any(|r| matches!(r, Request::Prune { .. }));
            ops::save_counters(&txn, &self.counters, &counters, pruned)?;
            self.unrouted
                .write_mark(&txn, &staged, counters.next_message)?;
            txn.commit()?;
            Ok((answers, staged))
        };
        let (answers, staged) = run().map_err(|e| e.to_string())?;
        if let Some(journal) = &mut self.journal {
            // Only once the journal is synced may the messages be routed or acknowledged.
            let written = match journaled {
                true => journal.append(),
                false if matches!(durability, redb::Durability::Immediate) => journal.synced(),
                false => Ok(()),
            };
            written.map_err(|e| format!("writing the journal: {e}"))?;
        }
        self.unrouted.apply(staged, counters.next_message);
        self.commits += 1;
        self.unsynced = matches!(durability, redb::Durability::None);
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.metrics.commits.inc();
        self.metrics.commit_duration.observe(micros);
        self.metrics.commit_group.observe(group.len() as u64);
        Ok((answers, counters))
    }
}

/// How the group is committed: `None` when it writes nothing, `Durability::None` when it holds
/// only routing results, `Durability::Immediate` otherwise, and when a sync is asked for (or the
/// writer stops) while a commit since the last sync, or this one, was not synced.
fn durability(group: &[Request], unsynced: bool) -> Option<redb::Durability> {
    let mut routed = false;
    let mut sync = false;
    for request in group {
        match request {
            Request::Routed { .. } => routed = true,
            Request::CommitCount { .. } => {}
            Request::Stop | Request::Sync { .. } => sync = true,
            _ => return Some(redb::Durability::Immediate),
        }
    }
    if sync && (routed || unsynced) {
        Some(redb::Durability::Immediate)
    } else if routed {
        Some(redb::Durability::None)
    } else {
        None
    }
}

/// Sends a request its answer.
fn reply(request: Request, answer: Result<Answer, String>, commits: u64) {
    let failed = |e: String| StoreError::Write(e);
    match (request, answer) {
        (Request::Stop, _) => {}
        (Request::Sync { reply }, Ok(_)) => {
            let _ = reply.send(Ok(()));
        }
        (Request::CommitCount { reply }, _) => {
            let _ = reply.send(commits);
        }
        (Request::Receive { reply, .. }, Ok(Answer::Received(r))) => {
            let _ = reply.send(Ok(r));
        }
        (Request::ReceiveFile { reply, .. }, Ok(Answer::ReceivedFile(r)))
        | (Request::ReceiveAll { reply, .. }, Ok(Answer::ReceivedAll(r))) => {
            let _ = reply.send(Ok(r));
        }
        (Request::Routed { reply, .. }, Ok(Answer::Routed(keys))) => {
            let _ = reply.send(Ok(keys));
        }
        (
            Request::Replay { reply, .. } | Request::Resend { reply, .. },
            Ok(Answer::Queued(mut keys)),
        ) => {
            let _ = reply.send(keys.pop().ok_or(StoreError::NotFound));
        }
        (Request::Edit { reply, .. }, Ok(Answer::Edited(edited))) => {
            let _ = reply.send(Ok(edited));
        }
        (Request::Prune { reply, .. }, Ok(Answer::Pruned { deleted, next })) => {
            let _ = reply.send(Ok((deleted, next)));
        }
        (
            Request::Delivered { reply, .. }
            | Request::DeliveredAll { reply, .. }
            | Request::Attempted { reply, .. }
            | Request::DeadLetter { reply, .. }
            | Request::FileFinished { reply, .. },
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
        Request::Sync { reply } => {
            let _ = reply.send(Err(error));
        }
        Request::ReceiveFile { reply, .. } | Request::ReceiveAll { reply, .. } => {
            let _ = reply.send(Err(error));
        }
        Request::Replay { reply, .. } | Request::Resend { reply, .. } => {
            let _ = reply.send(Err(error));
        }
        Request::Edit { reply, .. } => {
            let _ = reply.send(Err(error));
        }
        Request::Prune { reply, .. } => {
            let _ = reply.send(Err(error));
        }
        Request::Delivered { reply, .. }
        | Request::DeliveredAll { reply, .. }
        | Request::Attempted { reply, .. }
        | Request::DeadLetter { reply, .. }
        | Request::FileFinished { reply, .. } => {
            let _ = reply.send(Err(error));
        }
        Request::CommitCount { reply } => {
            let _ = reply.send(0);
        }
        Request::Stop => {}
    }
}

#[cfg(test)]
mod tests {
    //! Grouping, measured without depending on timing: every request is queued before the
    //! writer runs, so the number of commits is set by the writer alone.

    use std::sync::Arc;

    use tokio::sync::{mpsc, oneshot};

    use super::{MAX_GROUP, Request, Writer, durability};
    use crate::store::ops::Counters;
    use crate::store::{Incoming, MessageId, MessageInfo, tables};

    fn incoming(n: usize) -> Box<Incoming> {
        let text = format!("MSH|^~\\&|LAB|H|EHR|H|20240101||ORU^R01|C{n}|P|2.5.1\r");
        let msg = messagefoundry_hl7::Message::parse(text.as_bytes()).expect("test message");
        Box::new(Incoming {
            inbound: Arc::from("IB"),
            raw: text.into_bytes().into(),
            info: MessageInfo::of("IB", 1, &msg),
            refused: None,
            dedupe: None,
            index: Vec::new(),
        })
    }

    /// Queues `messages` receives and then a commit count, runs the writer until the queue is
    /// empty, and returns the ids handed out and the commit count.
    fn run_queued(messages: usize) -> (Vec<MessageId>, u64) {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Arc::new(redb::Database::create(dir.path().join("g.redb")).expect("store"));
        let (next_message, next_seq) = tables::initialise(&db).expect("tables");
        let (requests, queue) = mpsc::channel(messages + 1);
        let mut answers = Vec::new();
        for n in 0..messages {
            let (reply, answer) = oneshot::channel();
            let incoming = incoming(n);
            requests
                .try_send(Request::Receive { incoming, reply })
                .unwrap_or_else(|_| panic!("room for request {n}"));
            answers.push(answer);
        }
        let (reply, commits) = oneshot::channel();
        requests
            .try_send(Request::CommitCount { reply })
            .unwrap_or_else(|_| panic!("room for the commit count"));
        // The writer stops once the queue is empty and no sender is left.
        drop(requests);
        let counters = Counters {
            next_message,
            next_seq,
        };
        Writer::new(db, queue, counters).run();
        let ids = answers
            .into_iter()
            .map(|a| a.blocking_recv().expect("answered").expect("stored").id)
            .collect();
        (ids, commits.blocking_recv().expect("commit count"))
    }

    #[test]
    fn requests_waiting_together_share_one_commit() {
        let (ids, commits) = run_queued(200);
        assert_eq!(commits, 1, "200 queued messages took {commits} commits");
        assert_eq!(ids, (1..=200).map(MessageId).collect::<Vec<_>>());
    }

    #[test]
    fn a_group_holds_at_most_max_group_requests() {
        // MAX_GROUP receives fill the first group; the rest and the count make the second.
        let (ids, commits) = run_queued(MAX_GROUP + 10);
        assert_eq!(commits, 2);
        assert_eq!(ids.len(), MAX_GROUP + 10);
    }

    #[test]
    fn only_a_group_of_routing_results_alone_skips_the_sync() {
        let routed = || Request::Routed {
            records: Vec::new(),
            reply: oneshot::channel().0,
        };
        let received = || Request::Receive {
            incoming: incoming(1),
            reply: oneshot::channel().0,
        };
        let count = || Request::CommitCount {
            reply: oneshot::channel().0,
        };
        let no_sync = |group: &[Request], unsynced| {
            matches!(durability(group, unsynced), Some(redb::Durability::None))
        };
        let sync = |group: &[Request], unsynced| {
            matches!(
                durability(group, unsynced),
                Some(redb::Durability::Immediate)
            )
        };
        assert!(no_sync(&[routed(), count(), routed()], false));
        // A received message is acknowledged after this commit: it syncs, and with it every
        // routing result committed before.
        assert!(sync(&[routed(), received()], true));
        assert!(sync(&[received()], false));
        // The last commit before stopping leaves nothing unsynced.
        assert!(sync(&[routed(), Request::Stop], false));
        assert!(sync(&[Request::Stop], true));
        assert!(durability(&[Request::Stop], false).is_none());
        assert!(durability(&[count()], true).is_none());
        // A sync asked for (before an application ACK) makes unsynced routing results durable,
        // and costs nothing when everything is already.
        let asked = || Request::Sync {
            reply: oneshot::channel().0,
        };
        assert!(sync(&[asked()], true));
        assert!(sync(&[routed(), asked()], false));
        assert!(durability(&[asked()], false).is_none());
    }
}
