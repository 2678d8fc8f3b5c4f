//! Outbound senders: one task per outbound connection takes that connection's queue in FIFO
//! order and delivers it at least once.
//!
//! - AA/CA: delivered. The delivery is committed in the background while the next message
//!   goes out; a crash before that commit sends the message again (at least once).
//! - AE/CE: retried with backoff up to the policy's attempts, then dead-lettered.
//! - AR/CR: dead-lettered at once.
//! - No connection, a write or ACK timeout, a closed connection: the message stays at the head
//!   of the queue and is retried with backoff for as long as it takes, so order is kept. The
//!   connection is closed after a timeout, so a late ACK can never be credited to the next
//!   message.
//! - A persistent connection is watched while the queue is empty: a downstream that closes it
//!   (many close idle connections) is noticed then, and the next message opens a new one
//!   instead of failing on the dead one. Frames the downstream sends unasked are dropped.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use crate::interface::ParsePolicy;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::exchange::{self, Connection};

mod batches;
#[cfg(test)]
mod control_id_tests;
use crate::config::OutboundSettings;
use crate::metrics::OutboundMetrics;
use crate::store::{QueueEntry, Store, StoreError, now_micros};
use crate::tls::Client as TlsClient;

/// Entries read from the head of the queue at a time. The sender is its queue's only
/// consumer, so it works through them from memory and reads again when they are done.
const WINDOW: usize = 64;
/// How long an idle sender waits before looking at its queue again without being woken.
const IDLE_CHECK: Duration = Duration::from_secs(5);
/// Longest ACK text kept in a dead letter's reason.
const MAX_REASON_TEXT: usize = 200;
/// Frames from a downstream larger than this are dropped.
const MAX_ACK_FRAME: usize = 1024 * 1024;

/// The MSH-10 the downstream will echo for `entry`: the one kept in its queue row, or, when
/// that is empty (a payload that did not parse when it was queued), the payload's own.
fn known_control_id(entry: &QueueEntry) -> Result<String, messagefoundry_hl7::ParseError> {
    if !entry.control_id.is_empty() {
        return Ok(entry.control_id.clone());
    }
    ParsePolicy::stored(entry.payload.clone()).map(|msg| msg.control_id().to_string())
}

/// What a sender reports about itself, for `check` and logs.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SenderStatus {
    /// Whether a connection to the downstream is open.
    pub connected: bool,
    /// Failed attempts in a row (connection problems and AE/CE answers).
    pub consecutive_failures: u32,
    /// The last problem, without message content.
    pub last_error: Option<String>,
    /// Messages delivered since start.
    pub delivered: u64,
    /// Connects and exchanges that failed since start (refused, timed out, closed mid-way).
    pub connection_failures: u64,
}

/// What the sender does next, once it has looked at its queue.
enum Step {
    /// Send what the buffer holds.
    Ready,
    /// Look again.
    Again,
    /// Stop: shutdown, or the store failed.
    Stop,
}

/// The sender of one outbound connection.
pub struct OutboundWorker {
    name: String,
    settings: OutboundSettings,
    store: Store,
    wake: Arc<Notify>,
    shutdown: CancellationToken,
    status: watch::Sender<SenderStatus>,
    tls: Option<TlsClient>,
    /// Where an HTTP outbound posts; `None` for MLLP.
    http: Option<Arc<crate::http::client::Target>>,
    /// What the sender counts, for `/metrics`.
    metrics: Arc<OutboundMetrics>,
}

impl OutboundWorker {
    /// A sender for `name`, woken by `wake` when messages are queued for it.
    pub fn new(
        name: impl Into<String>,
        settings: OutboundSettings,
        store: Store,
        wake: Arc<Notify>,
        shutdown: CancellationToken,
    ) -> OutboundWorker {
        OutboundWorker {
            name: name.into(),
            settings,
            store,
            wake,
            shutdown,
            status: watch::Sender::new(SenderStatus::default()),
            tls: None,
            http: None,
            metrics: Arc::default(),
        }
    }

    /// What the sender counts.
    pub fn metrics(&self) -> Arc<OutboundMetrics> {
        Arc::clone(&self.metrics)
    }

    /// Sets up TLS as the settings ask (`tls_ca` or `tls_fingerprint`, `tls_server_name`,
    /// `tls_cert`/`tls_key`).
    /// Blocking: it reads the certificate files.
    pub fn with_tls_from_settings(mut self) -> Result<OutboundWorker, crate::tls::TlsError> {
        self.tls = crate::tls::client(&self.settings)?;
        if let Some(cert) = &self.settings.tls_cert {
            crate::tls::log_expiry(&self.name, cert);
        }
        Ok(self)
    }

    /// For an HTTP outbound, reads where and how it posts (its secrets from the environment).
    pub fn with_http_from_settings(mut self) -> Result<OutboundWorker, String> {
        self.http = crate::http::client::Target::of(&self.settings)?;
        Ok(self)
    }

    /// The sender's TLS configuration, if it has one, to watch its files.
    pub(crate) fn tls_config(
        &self,
    ) -> Option<Arc<crate::tls::reload::Reloading<rustls::ClientConfig>>> {
        self.tls.as_ref().map(|t| Arc::clone(&t.config))
    }

    /// Follows the sender's status.
    pub fn status(&self) -> watch::Receiver<SenderStatus> {
        self.status.subscribe()
    }

    /// Runs until shutdown. A message in flight when shutdown comes stays queued.
    pub async fn run(self) {
        if let Some(size) = self.settings.batch {
            return self.run_batches(size).await;
        }
        let name = self.name.clone();
        let mut conn: Option<Connection> = None;
        let mut failures: u32 = 0;
        // Entries read but not finished, oldest first; and the last entry finished (delivered or
        // dead-lettered). Sequence numbers only grow, so the queue is read on from it: what is
        // at or below it is finished, its commit perhaps still landing.
        let mut buffer: VecDeque<QueueEntry> = VecDeque::new();
        let mut last_done: Option<u64> = None;
        let mut commits = JoinSet::new();
        // Whether the open connection has served an exchange, and whether the head message was
        // just sent again because the downstream closed that connection under it.
        let mut conn_served = false;
        let mut resent_after_close = false;
        loop {
            while commits.try_join_next().is_some() {}
            if self.shutdown.is_cancelled() {
                break;
            }
            match self
                .await_entries(&mut buffer, last_done, WINDOW, &mut conn)
                .await
            {
                Step::Ready => {}
                Step::Again => continue,
                Step::Stop => break,
            }
            let Some(head) = buffer.front() else {
                continue;
            };
            let known = known_control_id(head);
            // What names the head entry, without its payload: that is sent from the buffer,
            // where it stays until the entry is finished, rather than copied for each attempt.
            let entry = QueueEntry {
                key: head.key.clone(),
                message: head.message,
                payload: Vec::new(),
                attempts: head.attempts,
                control_id: String::new(),
            };
            let control_id = match known {
                Ok(id) => id,
                Err(e) => {
                    let reason = format!("the queued message is not valid HL7: {e}");
                    if self
                        .finish(&entry, entry.attempts, Some(reason))
                        .await
                        .is_err()
                    {
                        break;
                    }
                    last_done = Some(entry.key.seq);
                    buffer.pop_front();
                    continue;
                }
            };
            // A downstream may close the connection after each ACK (MLLP allows it): notice
            // that before writing on it, rather than fail on the dead socket.
            if conn.is_some() && peer_closed(&mut conn, &name) {
                conn = None;
                self.status.send_modify(|s| s.connected = false);
            }
            if conn.is_none() {
                conn_served = false;
                match self.open().await {
                    Ok(c) => conn = Some(c),
                    Err(e) => {
                        failures += 1;
                        if !self.pause_after(&e.to_string(), failures).await {
                            break;
                        }
                        continue;
                    }
                }
            }
            let (Some(c), Some(head)) = (conn.as_mut(), buffer.front()) else {
                continue;
            };
            let attempts = entry.attempts + 1;
            // While the ACK is awaited, a frame that is not it is the current problem: the
            // status says so at once rather than showing an earlier, unrelated one.
            let stray = |what: exchange::Stray| {
                self.status.send_modify(|s| {
                    s.last_error = Some(format!(
                        "waiting for the ACK; the downstream answered {what}"
                    ));
                });
            };
            let exchanged = exchange::exchange(
                c,
                &head.payload,
                &control_id,
                (self.settings.send_timeout, self.settings.ack_timeout),
                &name,
                stray,
            );
            let started = std::time::Instant::now();
            let result = tokio::select! {
                r = exchanged => r,
                // The message stays queued; the downstream may see it again after restart.
                () = self.shutdown.cancelled() => break,
            };
            if result.is_ok() {
                let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
                self.metrics.ack_round_trip.observe(micros);
                self.metrics.last_ack.set(now_micros());
            }
            match result {
                // The downstream closed a connection that had served an exchange, before
                // answering this one: most likely it closes after each ACK and its close crossed
                // this message. Once, the message goes again at once on a new connection, not
                // counted as a failure; it may have been received, which at least once allows.
                Err(e) if conn_served && !resent_after_close && e.is_peer_close() => {
                    tracing::debug!(outbound = %name, "the downstream closed the connection after its last ACK; sending again on a new one");
                    conn = None;
                    self.status.send_modify(|s| s.connected = false);
                    resent_after_close = true;
                    continue;
                }
                Err(e) => {
                    resent_after_close = false;
                    // Close, so that a late ACK cannot arrive on the next exchange.
                    conn = None;
                    self.status.send_modify(|s| {
                        s.connected = false;
                        s.connection_failures += 1;
                    });
                    failures += 1;
                    if !self.pause_after(&e.to_string(), failures).await {
                        break;
                    }
                }
                Ok(ack) if ack.code.is_positive() => {
                    failures = 0;
                    conn_served = true;
                    resent_after_close = false;
                    let seq = entry.key.seq;
                    last_done = Some(seq);
                    buffer.pop_front();
                    let store = self.store.clone();
                    let outbound = name.clone();
                    let code = ack.code.to_string();
                    // Recorded in the background while the next message goes out; a crash
                    // before this commit sends the message again (at least once).
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
                    tracing::debug!(outbound = %name, seq, "delivered");
                }
                Ok(ack) if ack.code.is_reject() => {
                    let reason = format!("{} (rejected): {}", ack.code, ack_text(&ack));
                    tracing::warn!(outbound = %name, seq = entry.key.seq, id = %entry.message, code = %ack.code, "rejected; dead-lettered");
                    if self.finish(&entry, attempts, Some(reason)).await.is_err() {
                        break;
                    }
                    last_done = Some(entry.key.seq);
                    buffer.pop_front();
                }
                Ok(ack) => {
                    failures += 1;
                    if attempts >= self.settings.retry.max_attempts {
                        let reason =
                            format!("{} after {attempts} attempts: {}", ack.code, ack_text(&ack));
                        tracing::warn!(outbound = %name, seq = entry.key.seq, id = %entry.message, attempts, "error ACKs; dead-lettered");
                        if self.finish(&entry, attempts, Some(reason)).await.is_err() {
                            break;
                        }
                        last_done = Some(entry.key.seq);
                        buffer.pop_front();
                        failures = 0;
                        continue;
                    }
                    if self
                        .store
                        .attempted(entry.key.clone(), attempts)
                        .await
                        .is_err()
                    {
                        break;
                    }
                    if let Some(front) = buffer.front_mut() {
                        front.attempts = attempts;
                    }
                    let what = format!("{} on attempt {attempts}", ack.code);
                    if !self.pause_after(&what, failures).await {
                        break;
                    }
                }
            }
            if !self.settings.persistent {
                conn = None;
                self.status.send_modify(|s| s.connected = false);
            }
        }
        // Let deliveries already acknowledged be recorded before stopping.
        while commits.join_next().await.is_some() {}
    }

    /// Makes sure `buffer` holds entries: reads the queue when it is empty, and when the queue
    /// is empty too, waits to be woken, watching the open connection for a close.
    async fn await_entries(
        &self,
        buffer: &mut VecDeque<QueueEntry>,
        last_done: Option<u64>,
        limit: usize,
        conn: &mut Option<Connection>,
    ) -> Step {
        if !buffer.is_empty() {
            return Step::Ready;
        }
        match self.read_window(last_done, limit).await {
            Ok(entries) => buffer.extend(entries),
            Err(e) => {
                tracing::error!(outbound = %self.name, error = %e, "sender stopped: the store failed");
                return Step::Stop;
            }
        }
        if !buffer.is_empty() {
            return Step::Ready;
        }
        tokio::select! {
            () = self.wake.notified() => {}
            () = tokio::time::sleep(IDLE_CHECK) => {}
            () = self.shutdown.cancelled() => return Step::Stop,
            frame = next_frame(conn) => {
                if closed_by(frame, &self.name) {
                    *conn = None;
                    self.status.send_modify(|s| s.connected = false);
                }
            }
        }
        Step::Again
    }

    /// Connects to the downstream (with TLS if configured, speaking HTTP for an HTTP
    /// outbound), and says so in the status.
    async fn open(&self) -> Result<Connection, exchange::ExchangeError> {
        let opened = exchange::connect_to(
            &self.settings.host,
            self.settings.port,
            self.settings.connect_timeout,
            MAX_ACK_FRAME,
            self.tls.as_ref(),
            self.http.as_ref(),
        )
        .await;
        match &opened {
            Ok(_) => self.status.send_modify(|s| s.connected = true),
            Err(_) => self.status.send_modify(|s| s.connection_failures += 1),
        }
        opened
    }

    /// Reads the next `limit` entries of the queue after `after`: finished entries whose
    /// delivery commits have not landed yet are not read (nor opened) again.
    async fn read_window(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<QueueEntry>, StoreError> {
        let store = self.store.clone();
        let name = self.name.clone();
        tokio::task::spawn_blocking(move || store.queue_head_after(&name, after, limit))
            .await
            .map_err(|e| StoreError::Read(e.to_string()))?
    }

    /// Dead-letters an entry with its reason.
    async fn finish(
        &self,
        entry: &QueueEntry,
        attempts: u32,
        reason: Option<String>,
    ) -> Result<(), StoreError> {
        let reason = reason.unwrap_or_default();
        self.status
            .send_modify(|s| s.last_error = Some(reason.clone()));
        match self
            .store
            .dead_letter(entry.key.clone(), attempts, reason)
            .await
        {
            Ok(()) => {
                self.metrics.dead_letters.inc();
                Ok(())
            }
            Err(StoreError::NotFound) => Ok(()),
            Err(e) => {
                tracing::error!(outbound = %self.name, error = %e, "sender stopped: the store failed");
                Err(e)
            }
        }
    }

    /// Logs a failure and waits the backoff for `failures`; false when shutdown came first.
    async fn pause_after(&self, what: &str, failures: u32) -> bool {
        let wait = backoff(self.settings.retry, failures);
        self.metrics.retries.inc();
        tracing::warn!(outbound = %self.name, failures, retry_in = ?wait, "{what}");
        self.status.send_modify(|s| {
            s.consecutive_failures = failures;
            s.last_error = Some(what.to_owned());
        });
        tokio::select! {
            () = tokio::time::sleep(wait) => true,
            () = self.shutdown.cancelled() => false,
        }
    }
}

/// Whether the downstream has closed the open connection, looking without waiting. A frame it
/// sent unasked is dropped on the way.
fn peer_closed(conn: &mut Option<Connection>, outbound: &str) -> bool {
    if let Some(Connection::Http(link)) = conn {
        return link.is_closed();
    }
    while let Some(frame) = futures_util::FutureExt::now_or_never(next_frame(conn)) {
        if closed_by(frame, outbound) {
            return true;
        }
    }
    // Nothing to read: the connection is open.
    false
}

/// What a frame read between exchanges says: the downstream closed the connection (true), or
/// sent a frame unasked, which is dropped (false).
fn closed_by(
    frame: Option<Result<crate::mllp::Frame, crate::mllp::MllpError>>,
    outbound: &str,
) -> bool {
    match frame {
        Some(Ok(_)) => {
            tracing::warn!(outbound, "a frame the downstream sent unasked was dropped");
            false
        }
        Some(Err(_)) | None => {
            tracing::debug!(
                outbound,
                "the downstream closed the connection between exchanges"
            );
            true
        }
    }
}

/// The next frame of an open connection; never ready when there is none.
async fn next_frame(
    conn: &mut Option<Connection>,
) -> Option<Result<crate::mllp::Frame, crate::mllp::MllpError>> {
    match conn {
        Some(Connection::Mllp(c)) => futures_util::StreamExt::next(c).await,
        // An HTTP downstream sends nothing unasked: only its close is looked for.
        Some(Connection::Http(link)) => {
            link.closed().await;
            None
        }
        None => std::future::pending().await,
    }
}

/// The wait before retry number `failures`: the initial backoff doubled each time, capped.
pub(crate) fn backoff(policy: crate::interface::RetryPolicy, failures: u32) -> Duration {
    let factor = 1u32 << failures.saturating_sub(1).min(16);
    policy
        .initial_backoff
        .saturating_mul(factor)
        .min(policy.max_backoff)
}

/// The ACK's texts, shortened: a downstream's error text, kept for the operator.
fn ack_text(ack: &messagefoundry_hl7::ack::Ack) -> String {
    let text: Vec<&str> = ack.texts().collect();
    let mut text = text.join("; ");
    if text.len() > MAX_REASON_TEXT {
        let mut cut = MAX_REASON_TEXT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interface::MllpConnect;

    #[test]
    fn backoff_doubles_and_caps() {
        let s = OutboundSettings::from(&MllpConnect::DEFAULT).retry;
        assert_eq!(backoff(s, 1), Duration::from_secs(1));
        assert_eq!(backoff(s, 2), Duration::from_secs(2));
        assert_eq!(backoff(s, 4), Duration::from_secs(8));
        assert_eq!(backoff(s, 30), Duration::from_secs(60));
    }
}
