//! One inbound connection: read frames, store each one, acknowledge it, wake the pipeline. A
//! frame holding several messages (a batch) is handed to `batch.rs`, which checks, stores and
//! answers its messages with the same steps as here (`check`, `answer`, `settle`).
//!
//! In enhanced mode a message whose MSH-16 asks for an application acknowledgment gets it on
//! the same connection once the pipeline has processed it, after its accept acknowledgment and
//! possibly after the answers to later messages; MSA-2 tells the sender which message it
//! answers. Application acknowledgments still owed when the connection ends are not sent.
//!
//! Generic over the byte stream so that plain TCP and TLS share one path.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use futures_util::stream::FuturesUnordered;
use futures_util::{SinkExt, StreamExt};
use messagefoundry_hl7::{Message, ParseError, Path, ack};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{Notify, oneshot};
use tokio_util::codec::{FramedRead, FramedWrite};
use tokio_util::sync::CancellationToken;

use super::acks::{self, AckPlan, Answer};
use super::admission::Ticket;
use super::frame_memory::{FrameBudget, InboundCodec};
use super::header;
use super::tally::Event;
use super::validation;
use crate::config::InboundSettings;
use crate::engine::route::pipeline::{RouteResult, Waiters};
use crate::interface::{AckMode, Disposition, Inbound};
use crate::metrics::{AckCode, InboundMetrics, NakReason};
use crate::mllp::{Frame, MllpCodec, MllpError};
use crate::store::{Dedupe, Incoming, MessageInfo, Received, Store, StoreError, now_micros};

/// What a connection needs from its listener.
#[derive(Clone)]
pub(crate) struct Context {
    pub inbound: Inbound,
    pub settings: Arc<InboundSettings>,
    /// The inbound's budget for frames still arriving, shared by its connections.
    pub frame_memory: Arc<FrameBudget>,
    pub store: Store,
    pub wake: Arc<Notify>,
    pub waiters: Waiters,
    pub shutdown: CancellationToken,
    /// The listener's TLS, if it has it (reloaded when its files change).
    pub tls: Option<Arc<crate::tls::reload::Reloading<rustls::ServerConfig>>>,
    /// What the inbound counts, for `/metrics`.
    pub metrics: Arc<InboundMetrics>,
}

/// Application acknowledgments one connection may owe before it stops reading new frames.
const MAX_OWED: usize = 1024;

/// An application acknowledgment owed to the peer once its message has been processed.
pub(crate) type Owed = Pin<Box<dyn Future<Output = Answer> + Send>>;

/// What a stored frame is answered with: an acknowledgment now, and maybe later ones (one per
/// message of a batch, in enhanced mode).
pub(crate) struct Reply {
    /// The answer due at once.
    pub now: Answer,
    /// The application acknowledgments due once the messages are processed.
    pub later: Vec<Owed>,
}

impl From<Answer> for Reply {
    fn from(now: Answer) -> Reply {
        Reply {
            now,
            later: Vec::new(),
        }
    }
}

/// A message read from a frame (or from a batch) and checked, waiting to be stored.
pub(super) struct Checked {
    /// The message, or its bytes with why they are not one.
    msg: Result<Message, (bytes::Bytes, ParseError)>,
    /// The header fields the engine needs that are empty.
    missing: Vec<ack::ErrorEntry>,
    /// What validation found, when the message failed it.
    findings: Vec<ack::ErrorEntry>,
}

/// Why a connection ended, for its log line.
#[derive(Debug)]
enum End {
    PeerClosed,
    Idle,
    /// No frame began within `first_frame_timeout`.
    Silent,
    /// Closed to make room for a newcomer at the cap.
    Evicted,
    FrameTimeout,
    Shutdown,
    Truncated(usize),
    Io(std::io::Error),
    StoreStopped,
}

/// Serves one connection until the peer closes it, it idles out, it is closed to make room,
/// or the engine stops.
pub(crate) async fn serve<S>(stream: S, peer: SocketAddr, ctx: Context, ticket: Ticket)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (read, write) = tokio::io::split(stream);
    let codec = InboundCodec::new(
        ctx.settings.max_frame,
        Arc::clone(&ctx.frame_memory),
        ticket.presence(),
    );
    let mut frames = FramedRead::new(read, codec);
    let mut out = FramedWrite::new(write, MllpCodec::new(ctx.settings.max_frame));
    let inbound = ctx.inbound.name();
    let mut count = 0u64;
    // A mislabelled character set is warned about once per connection, not per message.
    let mut charset_warned = false;
    // Set when the connection is to end once the frame arriving, if any, is answered.
    let mut leaving: Option<End> = None;
    let mut last_activity = Instant::now();
    let first_by = ticket.after_accept(ctx.settings.first_frame_timeout);
    // Whether a complete frame has arrived: only then is the peer known to speak MLLP.
    let mut proven = false;
    let evicted = ticket.evicted().clone();
    let mut owed: FuturesUnordered<Owed> = FuturesUnordered::new();
    let end = loop {
        let mid_frame = frames.decoder().mllp().frame_started().is_some();
        let last_look = !mid_frame && leaving.is_some();
        let deadline = next_deadline(
            &frames,
            &ctx.settings,
            last_activity,
            (!proven).then_some(first_by),
        );
        let frame = if last_look {
            // Leaving between frames: first take what the peer already sent. Yielding lets
            // the I/O driver record bytes that arrived before the signal, which a read would
            // otherwise not see yet; a frame begun there is then finished, and a complete one
            // answered, as at any time.
            tokio::task::yield_now().await;
            match futures_util::FutureExt::now_or_never(frames.next()) {
                Some(frame) => frame,
                None if frames.decoder().mllp().frame_started().is_some() => continue,
                None => match leaving.take() {
                    Some(end) => break end,
                    None => continue,
                },
            }
        } else {
            tokio::select! {
            // Backpressure: a peer far ahead of the pipeline waits for its application ACKs.
            frame = frames.next(), if owed.len() < MAX_OWED => frame,
            () = tokio::time::sleep_until(deadline.into()) => {
                let now = Instant::now();
                match frames.decoder().mllp().frame_started() {
                    Some(started) if now >= started + ctx.settings.frame_timeout => {
                        break End::FrameTimeout;
                    }
                    None if !proven && now >= first_by => break End::Silent,
                    None if now >= last_activity + ctx.settings.idle_timeout => break End::Idle,
                    // A frame began while waiting: its own deadline applies now.
                    _ => continue,
                }
            }
            // At shutdown a frame that has begun is read to its end, stored and answered.
            () = ctx.shutdown.cancelled(), if leaving.is_none() => {
                leaving = Some(End::Shutdown);
                continue;
            }
            // Made room for a newcomer: a peer that has delivered frames finishes the one
            // arriving; one that never has is not waited for.
            () = evicted.cancelled(), if leaving.is_none() => {
                if !proven {
                    break End::Evicted;
                }
                leaving = Some(End::Evicted);
                continue;
            }
            Some(answer) = owed.next(), if !owed.is_empty() => {
                match write_answer(&mut out, answer, &ctx.metrics).await {
                    Ok(()) => continue,
                    Err(end) => break end,
                }
            }
            }
        };
        last_activity = Instant::now();
        if matches!(frame, Some(Ok(_))) {
            proven = true;
            ticket.frame_done();
        }
        let reply: Reply = match frame {
            None => break End::PeerClosed,
            Some(Err(MllpError::TruncatedFrame { len })) => break End::Truncated(len),
            // A TLS peer that closes between frames without close_notify: MLLP's framing
            // already tells a whole frame from a cut one, so this is an ordinary close.
            Some(Err(MllpError::Io(e)))
                if e.kind() == std::io::ErrorKind::UnexpectedEof
                    && frames.decoder().mllp().frame_started().is_none() =>
            {
                break End::PeerClosed;
            }
            Some(Err(MllpError::Io(e))) => break End::Io(e),
            Some(Ok(Frame::Oversize { len })) => {
                if frames.decoder_mut().take_refused_for_memory() {
                    tracing::warn!(inbound, %peer, len, limit = ctx.settings.max_frame_memory, "frame refused: the inbound's memory for arriving frames is in use");
                } else {
                    tracing::warn!(inbound, %peer, len, limit = ctx.settings.max_frame, "frame over the size limit refused");
                }
                let answer = acks::oversize(ctx.settings.ack_mode, len);
                count_nak(&ctx.metrics, NakReason::Oversize, &answer);
                answer.into()
            }
            Some(Ok(Frame::Message(bytes))) => {
                count += 1;
                ctx.metrics.received_bytes.add(bytes.len() as u64);
                ctx.metrics.last_message.set(now_micros());
                let bytes = bytes.freeze();
                let reply = if messagefoundry_hl7::batch::is_batch(&bytes) {
                    super::batch::receive(&ctx, bytes, peer, &mut charset_warned).await
                } else {
                    ctx.metrics.received.inc();
                    receive(&ctx, bytes, peer, &mut charset_warned).await
                };
                match reply {
                    Some(reply) => reply,
                    None => break End::StoreStopped,
                }
            }
        };
        if let Err(end) = write_answer(&mut out, reply.now, &ctx.metrics).await {
            break end;
        }
        owed.extend(reply.later);
    };
    if !owed.is_empty() {
        tracing::info!(inbound, %peer, owed = owed.len(), "connection ended before application acknowledgments were sent");
    }
    report(end, proven, inbound, peer, count, &ticket);
}

/// Logs how a connection ended. A connection that never delivered a frame is counted for the
/// listener's summary instead: a peer opening many connections must not be able to fill the
/// log.
fn report(end: End, proven: bool, inbound: &str, peer: SocketAddr, count: u64, ticket: &Ticket) {
    match end {
        End::PeerClosed => {
            tracing::debug!(inbound, %peer, messages = count, "connection closed by peer")
        }
        End::Idle => tracing::info!(inbound, %peer, messages = count, "idle connection closed"),
        End::Silent | End::FrameTimeout | End::Truncated(_) | End::Io(_) if !proven => {
            ticket.count(Event::NoFrame);
            tracing::debug!(inbound, %peer, reason = ?end, "closed before delivering a frame")
        }
        End::Evicted => {
            tracing::debug!(inbound, %peer, messages = count, "closed to make room for a new connection")
        }
        End::FrameTimeout => {
            tracing::warn!(inbound, %peer, "frame not completed in time; connection closed")
        }
        End::Silent => tracing::debug!(inbound, %peer, "closed: no frame began in time"),
        End::Shutdown => tracing::debug!(inbound, %peer, "connection closed for shutdown"),
        End::Truncated(len) => {
            tracing::warn!(inbound, %peer, len, "connection closed inside a frame; partial frame dropped")
        }
        End::Io(e) => tracing::warn!(inbound, %peer, error = %e, "connection failed"),
        End::StoreStopped => tracing::error!(inbound, %peer, "store stopped; connection closed"),
    }
}

/// Writes an answer, if there is one to write, and counts it by code once written.
async fn write_answer<W>(
    out: &mut FramedWrite<W, MllpCodec>,
    answer: Answer,
    metrics: &InboundMetrics,
) -> Result<(), End>
where
    W: AsyncWrite + Unpin,
{
    let Answer::Ack(ack) = answer else {
        return Ok(());
    };
    out.send(ack.as_slice()).await.map_err(|e| match e {
        MllpError::Io(e) => End::Io(e),
        MllpError::TruncatedFrame { len } => End::Truncated(len),
    })?;
    metrics.ack_sent(&ack);
    Ok(())
}

/// Counts a negative answer (AE, AR, CE, CR) for `reason`, when `answer` is one.
pub(super) fn count_nak(metrics: &InboundMetrics, reason: NakReason, answer: &Answer) {
    if let Answer::Ack(ack) = answer
        && AckCode::of_ack(ack).is_some_and(AckCode::is_negative)
    {
        metrics.nak(reason);
    }
}

/// When to give up waiting: the frame timeout while a frame is arriving, else the idle timeout
/// (and the first-frame deadline, `first_by`, until a frame has arrived).
fn next_deadline<R>(
    frames: &FramedRead<R, InboundCodec>,
    settings: &InboundSettings,
    last_activity: Instant,
    first_by: Option<Instant>,
) -> Instant {
    match frames.decoder().mllp().frame_started() {
        Some(started) => started + settings.frame_timeout,
        // Wake at least every frame timeout to notice a frame that began meanwhile.
        None => {
            let quiet = (last_activity + settings.idle_timeout)
                .min(Instant::now() + settings.frame_timeout);
            first_by.map_or(quiet, |first| quiet.min(first))
        }
    }
}

/// Stores one frame and works out the answer, waiting for an application acknowledgment where
/// it is the answer itself; `None` when the store has stopped.
async fn receive(
    ctx: &Context,
    raw: bytes::Bytes,
    peer: SocketAddr,
    charset_warned: &mut bool,
) -> Option<Reply> {
    let (reply, _) = store_one(ctx, raw, peer, charset_warned).await?;
    Some(settle(ctx, reply).await)
}

/// Checks and stores one message (a frame, or an HTTP request's body) and works out its
/// answer, without waiting for an application acknowledgment: the reply, and whether the
/// message was stored. `None` when the store has stopped and nothing can be answered.
pub(crate) async fn store_one(
    ctx: &Context,
    raw: bytes::Bytes,
    peer: SocketAddr,
    charset_warned: &mut bool,
) -> Option<(Reply, bool)> {
    let (incoming, checked) = check(ctx, raw, peer, charset_warned, now_micros());
    let stored = ctx.store.receive(incoming).await;
    let reply = answer(ctx, peer, checked, stored.as_ref().copied())?;
    Some((reply, stored.is_ok()))
}

/// Reads a message as the inbound's parse, charset and validation policies say, and makes
/// what the store keeps of it.
pub(super) fn check(
    ctx: &Context,
    raw: bytes::Bytes,
    peer: SocketAddr,
    charset_warned: &mut bool,
    received_at: u64,
) -> (Incoming, Checked) {
    let inbound = ctx.inbound.name();
    let parsed = ctx.settings.parse.read(&raw);
    let mut missing = Vec::new();
    let mut findings = Vec::new();
    let (incoming, msg) = match parsed {
        Ok((mut msg, repaired)) => {
            ctx.settings.charset.apply(&mut msg);
            if let Some(repaired) = &repaired {
                tracing::debug!(inbound, %peer, offset = repaired.offset, "frame parsed once whitespace or line endings were repaired");
            }
            missing = header::missing_fields(&msg);
            let mut refused = (!missing.is_empty()).then(|| header::reason(&missing));
            if refused.is_none()
                && let Some(invalid) = validation::check(ctx.settings.validate, &msg)
            {
                refused = Some(invalid.reason);
                findings = invalid.errors;
            }
            let dedupe = match (&refused, ctx.settings.duplicate_window) {
                (None, Some(window)) => Some(Dedupe {
                    sending_application: msg.get(Path::parse_const("MSH-3")).er7().into_owned(),
                    control_id: msg.control_id().to_string(),
                    window_micros: window.as_micros() as u64,
                }),
                _ => None,
            };
            let incoming = Incoming {
                inbound: Arc::from(inbound),
                raw,
                info: match &repaired {
                    Some(repaired) => MessageInfo::repaired(inbound, received_at, &msg, repaired),
                    None => MessageInfo::of(inbound, received_at, &msg),
                },
                refused,
                dedupe,
                index: crate::interface::index::values_of(inbound, &msg),
            };
            // The summary found it once; the log says it once per connection.
            if incoming.info.utf8_declared_latin1 && !std::mem::replace(charset_warned, true) {
                tracing::warn!(inbound, %peer, charset = ?ctx.settings.charset, "MSH-18 declares 8859/1 but the bytes are UTF-8; with `charset = utf8` the inbound reads such messages as sent (warned once per connection, recorded with each message)");
            }
            (incoming, Ok(msg))
        }
        Err(error) => {
            let incoming = Incoming {
                inbound: Arc::from(inbound),
                raw: raw.clone(),
                info: MessageInfo::broken(inbound, received_at, &error),
                refused: Some(error.to_string()),
                dedupe: None,
                index: Vec::new(),
            };
            (incoming, Err((raw, error)))
        }
    };
    let checked = Checked {
        msg,
        missing,
        findings,
    };
    (incoming, checked)
}

/// Works out the answer to a checked message once storing it succeeded or failed; `None` when
/// the store has stopped and the frame, not being a message, cannot be answered.
pub(super) fn answer(
    ctx: &Context,
    peer: SocketAddr,
    checked: Checked,
    stored: Result<Received, &StoreError>,
) -> Option<Reply> {
    let inbound = ctx.inbound.name();
    let mode = ctx.settings.ack_mode;
    let Checked {
        msg,
        missing,
        findings,
    } = checked;
    let received = match (stored, &msg) {
        (Ok(r), _) => r,
        (Err(e), Ok(msg)) => {
            tracing::error!(inbound, %peer, error = %e, "message not stored; refused");
            ctx.shutdown.cancel();
            let answer = AckPlan::of(mode, msg).store_failed(msg);
            count_nak(&ctx.metrics, NakReason::StoreFailed, &answer);
            return Some(answer.into());
        }
        (Err(e), Err(_)) => {
            tracing::error!(inbound, %peer, error = %e, "frame not stored");
            ctx.shutdown.cancel();
            return None;
        }
    };
    let msg = match msg {
        Ok(msg) => msg,
        Err((raw, error)) => {
            tracing::warn!(inbound, %peer, id = %received.id, error = %error, "frame is not a valid HL7 message; stored and rejected");
            let answer = acks::unparseable(mode, &raw, &error);
            count_nak(&ctx.metrics, NakReason::Unparseable, &answer);
            return Some(answer.into());
        }
    };
    if !missing.is_empty() {
        let fields = missing.len();
        tracing::warn!(inbound, %peer, id = %received.id, fields, "header lacks a message type or control ID; stored and rejected");
        let answer = acks::header_incomplete(mode, &msg, missing);
        count_nak(&ctx.metrics, NakReason::HeaderIncomplete, &answer);
        return Some(answer.into());
    }
    tracing::debug!(inbound, %peer, id = %received.id, control_id = %msg.control_id(), kind = &*msg.get(Path::parse_const("MSH-9")).er7(), "stored");
    let plan = AckPlan::of(mode, &msg);
    if !findings.is_empty() {
        let count = findings.len();
        tracing::warn!(inbound, %peer, id = %received.id, findings = count, "message failed validation; stored as ERROR and not routed");
        let (now, later) = plan.invalid(&msg, ctx.settings.invalid_ack.code(), findings);
        count_nak(&ctx.metrics, NakReason::Invalid, &now);
        count_nak(&ctx.metrics, NakReason::Invalid, &later);
        let later: Vec<Owed> = match later {
            Answer::Nothing => Vec::new(),
            later => vec![Box::pin(std::future::ready(later))],
        };
        return Some(Reply { now, later });
    }
    // Registered before the pipeline is woken, so the result cannot be missed.
    let outcome = match (received.duplicate_of, plan.after_processing) {
        (None, Some(_)) => Some(outcome_of(ctx, received.id)),
        _ => None,
    };
    match received.duplicate_of {
        Some(original) => {
            ctx.metrics.duplicates.inc();
            tracing::info!(inbound, id = %received.id, original = %original, "duplicate answered like the original, not routed")
        }
        None => ctx.wake.notify_one(),
    }
    let now = plan.stored(&msg);
    if plan.after_processing.is_none() {
        return Some(now.into());
    }
    let later: Owed = match outcome {
        // A duplicate is answered like the original, which was processed.
        None => {
            let answer = plan.processed(&msg, Disposition::Processed, None);
            Box::pin(std::future::ready(answer))
        }
        Some(outcome) => {
            let metrics = Arc::clone(&ctx.metrics);
            Box::pin(async move {
                match outcome.await {
                    Ok(o) => {
                        let answer = plan.processed(&msg, o.disposition, o.reason.as_deref());
                        count_nak(&metrics, NakReason::Error, &answer);
                        answer
                    }
                    Err(_) => Answer::Nothing,
                }
            })
        }
    };
    Some(Reply {
        now,
        later: vec![later],
    })
}

/// Outside enhanced mode an application acknowledgment is the answer itself: it is waited for
/// here, and the peer hears nothing before it. In enhanced mode it is sent when it comes.
pub(super) async fn settle(ctx: &Context, reply: Reply) -> Reply {
    let Reply { now, later } = reply;
    if ctx.settings.ack_mode == AckMode::Enhanced {
        return Reply { now, later };
    }
    match later.into_iter().next() {
        None => now.into(),
        Some(later) => tokio::select! {
            answer = later => answer,
            // Stored but not processed before shutdown: it will be routed at the next start;
            // the peer gets no answer and will resend, which duplicate detection can absorb.
            () = ctx.shutdown.cancelled() => Answer::Nothing,
        }
        .into(),
    }
}

/// Registers for the pipeline's result for a message.
fn outcome_of(ctx: &Context, id: crate::store::MessageId) -> oneshot::Receiver<RouteResult> {
    let (tx, rx) = oneshot::channel();
    match ctx.waiters.lock() {
        Ok(mut map) => map.insert(id, tx),
        Err(poisoned) => poisoned.into_inner().insert(id, tx),
    };
    rx
}
