//! Batch mode (`batch = N`): the sender takes up to N messages from the head of its queue
//! (waiting `batch_wait` for more when fewer are queued), sends them as one batch (BHS … BTS)
//! in one frame, and settles each message by what the answer says of it (see `batch_ack.rs`):
//!
//! - accepted (AA/CA, or left out of an acknowledgment batch): delivered;
//! - AR/CR: dead-lettered;
//! - AE/CE: counted as an attempt and kept at the head of the queue, to go again in the next
//!   batch, until `retries` attempts, then dead-lettered;
//! - no answer (no connection, a timeout, a closed connection): kept at the head of the queue
//!   and sent again after the backoff, like a single message.
//!
//! The queue's order is the order in every batch, and messages kept go first in the next
//! one. A message answered AE reaches the downstream after the messages behind it that the
//! same answer accepted: the downstream holds those already.

use std::collections::VecDeque;
use std::time::Instant;

use messagefoundry_hl7::batch::{BatchBuilder, HeaderFields};
use messagefoundry_hl7::{Message, Path, hl7_timestamp, new_control_id};
use tokio::task::JoinSet;

use super::super::batch_ack::{self, Said};
use super::{OutboundWorker, Step, WINDOW, ack_text, exchange, peer_closed};
use crate::engine::deliver::exchange::Connection;
use crate::interface::ParsePolicy;
use crate::store::{QueueEntry, now_micros};

/// A message of the batch being sent: its queue entry and its control ID.
struct Member {
    entry: QueueEntry,
    control_id: String,
}

/// What became of a batch's messages: how many are kept in the queue and why.
#[derive(Default)]
struct Settled {
    /// Kept, in queue order, to go again.
    kept: Vec<QueueEntry>,
    /// Whether a message was kept for want of an answer (the connection is then closed).
    unanswered: bool,
    /// The last AE/CE, for the status.
    error: Option<String>,
}

impl OutboundWorker {
    /// The sender's loop in batch mode, batches of at most `size` messages. Runs until
    /// shutdown; a batch in flight then stays queued.
    pub(super) async fn run_batches(self, size: usize) {
        let name = self.name.clone();
        let size = size.max(1);
        let mut conn: Option<Connection> = None;
        let mut failures: u32 = 0;
        let mut buffer: VecDeque<QueueEntry> = VecDeque::new();
        // The highest sequence number finished: the queue is read on from it, since what is at
        // or below it is finished, its delivery's commit perhaps still landing.
        let mut last_done: Option<u64> = None;
        let mut commits = JoinSet::new();
        let mut conn_served = false;
        let mut resent_after_close = false;
        loop {
            while commits.try_join_next().is_some() {}
            if self.shutdown.is_cancelled() {
                break;
            }
            match self
                .await_entries(&mut buffer, last_done, size.max(WINDOW), &mut conn)
                .await
            {
                Step::Ready => {}
                Step::Again => continue,
                Step::Stop => break,
            }
            // A batch not yet full waits a little for what is being queued.
            if buffer.len() < size && !self.settings.batch_wait.is_zero() {
                tokio::select! {
                    () = tokio::time::sleep(self.settings.batch_wait) => {}
                    () = self.shutdown.cancelled() => break,
                }
                let after = buffer.back().map(|e| e.key.seq).or(last_done);
                match self.read_window(after, size.max(WINDOW)).await {
                    Ok(entries) => buffer.extend(entries),
                    Err(e) => {
                        tracing::error!(outbound = %name, error = %e, "sender stopped: the store failed");
                        break;
                    }
                }
            }
            let Ok((members, first)) = self.take(&mut buffer, size, &mut last_done).await else {
                break;
            };
            let Some(first) = first else { continue };
            if conn.is_some() && peer_closed(&mut conn, &name) {
                conn = None;
                self.status.send_modify(|s| s.connected = false);
            }
            if conn.is_none() {
                conn_served = false;
                match self.open().await {
                    Ok(c) => conn = Some(c),
                    Err(e) => {
                        put_back(&mut buffer, members.into_iter().map(|m| m.entry));
                        failures += 1;
                        if !self.pause_after(&e.to_string(), failures).await {
                            break;
                        }
                        continue;
                    }
                }
            }
            let Some(c) = conn.as_mut() else { continue };
            let batch_id = new_control_id();
            let Some(payload) = batch_of(&first, &batch_id, &members) else {
                // Cannot happen: every member parsed, so the first one's delimiters are valid.
                tracing::error!(outbound = %name, "sender stopped: a batch could not be written");
                break;
            };
            let ids: Vec<String> = members.iter().map(|m| m.control_id.clone()).collect();
            let mut said = vec![Said::Unanswered; members.len()];
            let stray = |what: exchange::Stray| {
                self.status.send_modify(|s| {
                    s.last_error = Some(format!(
                        "waiting for the batch ACK; the downstream answered {what}"
                    ));
                });
            };
            let started = Instant::now();
            let exchanged = exchange::exchange_with(
                c,
                &payload,
                (self.settings.send_timeout, self.settings.ack_timeout),
                &name,
                stray,
                |frame| batch_ack::hear(frame, &batch_id, &ids, &mut said),
            );
            let result = tokio::select! {
                r = exchanged => r,
                () = self.shutdown.cancelled() => break,
            };
            let answered = said.iter().any(|s| *s != Said::Unanswered);
            if answered {
                let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
                self.metrics.ack_round_trip.observe(micros);
                self.metrics.last_ack.set(now_micros());
            }
            if let Err(e) = &result
                && !answered
            {
                put_back(&mut buffer, members.into_iter().map(|m| m.entry));
                conn = None;
                self.status.send_modify(|s| s.connected = false);
                // As for a single message: a downstream that closes after each answer.
                if conn_served && !resent_after_close && e.is_peer_close() {
                    tracing::debug!(outbound = %name, "the downstream closed the connection after its last answer; sending again on a new one");
                    resent_after_close = true;
                    continue;
                }
                resent_after_close = false;
                self.status.send_modify(|s| s.connection_failures += 1);
                failures += 1;
                if !self.pause_after(&e.to_string(), failures).await {
                    break;
                }
                continue;
            }
            conn_served = true;
            resent_after_close = false;
            let Ok(settled) = self
                .settle(members, said, &mut last_done, &mut commits)
                .await
            else {
                break;
            };
            let kept = !settled.kept.is_empty();
            put_back(&mut buffer, settled.kept);
            if settled.unanswered || !self.settings.persistent {
                conn = None;
                self.status.send_modify(|s| s.connected = false);
            }
            if kept {
                failures += 1;
                let what = match (&result, settled.error) {
                    (_, Some(error)) => error,
                    (Err(e), None) => e.to_string(),
                    (Ok(()), None) => "part of the batch was not answered".to_owned(),
                };
                if !self.pause_after(&what, failures).await {
                    break;
                }
            } else {
                failures = 0;
            }
        }
        while commits.join_next().await.is_some() {}
    }

    /// Takes the next batch from the head of `buffer`: up to `size` messages, dead-lettering
    /// on the way those that are not valid HL7; also returns the first one parsed, for the
    /// batch's header. `Err` when the store failed.
    async fn take(
        &self,
        buffer: &mut VecDeque<QueueEntry>,
        size: usize,
        last_done: &mut Option<u64>,
    ) -> Result<(Vec<Member>, Option<Message>), ()> {
        let mut members = Vec::new();
        let mut first = None;
        while members.len() < size {
            let Some(entry) = buffer.pop_front() else {
                break;
            };
            // Only the first member is read (the batch header takes its fields), and one whose
            // control ID was not known when it was queued.
            if first.is_some() && !entry.control_id.is_empty() {
                let control_id = entry.control_id.clone();
                members.push(Member { entry, control_id });
                continue;
            }
            match ParsePolicy::stored(entry.payload.clone()) {
                Ok(msg) => {
                    let control_id = msg.control_id().to_string();
                    first.get_or_insert(msg);
                    members.push(Member { entry, control_id });
                }
                Err(e) => {
                    let reason = format!("the queued message is not valid HL7: {e}");
                    self.finish(&entry, entry.attempts, Some(reason))
                        .await
                        .map_err(|_| ())?;
                    done(last_done, entry.key.seq);
                }
            }
        }
        Ok((members, first))
    }

    /// Records what the answer said of each message of a batch, in order; returns what is
    /// kept in the queue. `Err` when the store failed.
    async fn settle(
        &self,
        members: Vec<Member>,
        said: Vec<Said>,
        last_done: &mut Option<u64>,
        commits: &mut JoinSet<()>,
    ) -> Result<Settled, ()> {
        let mut settled = Settled::default();
        for (member, said) in members.into_iter().zip(said) {
            let entry = member.entry;
            let attempts = entry.attempts + 1;
            let ack = match said {
                Said::Unanswered => {
                    settled.unanswered = true;
                    settled.kept.push(entry);
                    continue;
                }
                Said::Implied => None,
                Said::Ack(ack) => Some(ack),
            };
            match ack {
                Some(ack) if ack.code.is_reject() => {
                    let reason = format!("{} (rejected): {}", ack.code, ack_text(&ack));
                    tracing::warn!(outbound = %self.name, seq = entry.key.seq, id = %entry.message, code = %ack.code, "rejected in a batch; dead-lettered");
                    self.finish(&entry, attempts, Some(reason))
                        .await
                        .map_err(|_| ())?;
                    done(last_done, entry.key.seq);
                }
                Some(ack) if !ack.code.is_positive() => {
                    if attempts >= self.settings.retry.max_attempts {
                        let reason =
                            format!("{} after {attempts} attempts: {}", ack.code, ack_text(&ack));
                        tracing::warn!(outbound = %self.name, seq = entry.key.seq, id = %entry.message, attempts, "error ACKs in batches; dead-lettered");
                        self.finish(&entry, attempts, Some(reason))
                            .await
                            .map_err(|_| ())?;
                        done(last_done, entry.key.seq);
                        continue;
                    }
                    self.store
                        .attempted(entry.key.clone(), attempts)
                        .await
                        .map_err(|_| ())?;
                    settled.error = Some(format!("{} on attempt {attempts}", ack.code));
                    settled.kept.push(QueueEntry { attempts, ..entry });
                }
                ack => {
                    let code = ack.map_or_else(|| "AA".to_owned(), |a| a.code.to_string());
                    let seq = entry.key.seq;
                    done(last_done, seq);
                    let store = self.store.clone();
                    let outbound = self.name.clone();
                    // Recorded in the background while the next batch goes out; a crash before
                    // this commit sends the message again (at least once).
                    commits.spawn(async move {
                        if let Err(e) = store.delivered(entry.key, attempts, &code).await {
                            tracing::error!(%outbound, error = %e, "delivery not recorded");
                        }
                    });
                    self.metrics.sent.inc();
                    self.status.send_modify(|s| {
                        s.delivered += 1;
                        s.consecutive_failures = 0;
                        s.last_error = None;
                    });
                    tracing::debug!(outbound = %self.name, seq, "delivered in a batch");
                }
            }
        }
        Ok(settled)
    }
}

/// Raises the highest finished sequence number to `seq`.
fn done(last_done: &mut Option<u64>, seq: u64) {
    *last_done = Some(last_done.map_or(seq, |d| d.max(seq)));
}

/// Puts entries back at the head of the buffer, in their order.
fn put_back(buffer: &mut VecDeque<QueueEntry>, entries: impl IntoIterator<Item = QueueEntry>) {
    let entries: Vec<QueueEntry> = entries.into_iter().collect();
    for entry in entries.into_iter().rev() {
        buffer.push_front(entry);
    }
}

/// The batch to send: BHS (the first message's applications and facilities, `batch_id` as
/// BHS-11), the messages as queued, BTS with their count. `None` if it cannot be written.
fn batch_of(first: &Message, batch_id: &str, members: &[Member]) -> Option<Vec<u8>> {
    let field = |p: Path| first.get(p).text().into_owned();
    let header = HeaderFields::new()
        .sending_application(field(Path::parse_const("MSH-3")))
        .sending_facility(field(Path::parse_const("MSH-4")))
        .receiving_application(field(Path::parse_const("MSH-5")))
        .receiving_facility(field(Path::parse_const("MSH-6")))
        .created(hl7_timestamp(std::time::SystemTime::now()))
        .control_id(batch_id);
    BatchBuilder::new()
        .batch_of_bytes(header, members.iter().map(|m| m.entry.payload.clone()))
        .build()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{MessageId, QueueKey};

    fn entry(seq: u64) -> QueueEntry {
        QueueEntry {
            key: QueueKey {
                outbound: "OB".into(),
                seq,
            },
            message: MessageId(seq),
            payload: Vec::new(),
            attempts: 0,
            control_id: String::new(),
        }
    }

    fn seqs(buffer: &VecDeque<QueueEntry>) -> Vec<u64> {
        buffer.iter().map(|e| e.key.seq).collect()
    }

    #[test]
    fn kept_messages_go_first_in_their_order() {
        let mut buffer: VecDeque<QueueEntry> = [5, 6].map(entry).into();
        put_back(&mut buffer, [2, 4].map(entry));
        assert_eq!(seqs(&buffer), [2, 4, 5, 6]);
        let mut last = Some(9);
        done(&mut last, 3);
        assert_eq!(last, Some(9));
    }
}
