//! One inbound connection: read frames, store each one, acknowledge it, wake the pipeline.
//!
//! Generic over the byte stream so that plain TCP and (later) TLS share one path.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use futures_util::{SinkExt, StreamExt};
use messagefoundry_hl7::{Message, ParseOptions};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{Notify, oneshot};
use tokio_util::codec::{FramedRead, FramedWrite};
use tokio_util::sync::CancellationToken;

use super::acks::{self, Answer};
use super::pipeline::Waiters;
use crate::interface::environment::InboundSettings;
use crate::interface::{AckMode, Inbound};
use crate::mllp::{Frame, MllpCodec, MllpError};
use crate::store::{Dedupe, Incoming, MessageInfo, Store, now_micros};

/// What a connection needs from its listener.
#[derive(Clone)]
pub(crate) struct Context {
    pub inbound: Inbound,
    pub settings: Arc<InboundSettings>,
    pub store: Store,
    pub wake: Arc<Notify>,
    pub waiters: Waiters,
    pub shutdown: CancellationToken,
}

/// Why a connection ended, for its log line.
enum End {
    PeerClosed,
    Idle,
    FrameTimeout,
    Shutdown,
    Truncated(usize),
    Io(std::io::Error),
    StoreStopped,
}

/// Serves one connection until the peer closes it, it idles out, or the engine stops.
pub(crate) async fn serve<S>(stream: S, peer: SocketAddr, ctx: Context)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (read, write) = tokio::io::split(stream);
    let mut frames = FramedRead::new(read, MllpCodec::new(ctx.settings.max_frame));
    let mut out = FramedWrite::new(write, MllpCodec::new(ctx.settings.max_frame));
    let inbound = ctx.inbound.name();
    let mut count = 0u64;
    let mut stopping = false;
    let mut last_activity = Instant::now();
    let end = loop {
        let mid_frame = frames.decoder().frame_started().is_some();
        if stopping && !mid_frame {
            break End::Shutdown;
        }
        let deadline = next_deadline(&frames, &ctx.settings, last_activity);
        let frame = tokio::select! {
            frame = frames.next() => frame,
            () = tokio::time::sleep_until(deadline.into()) => {
                let now = Instant::now();
                match frames.decoder().frame_started() {
                    Some(started) if now >= started + ctx.settings.frame_timeout => {
                        break End::FrameTimeout;
                    }
                    None if now >= last_activity + ctx.settings.idle_timeout => break End::Idle,
                    // A frame began while waiting: its own deadline applies now.
                    _ => continue,
                }
            }
            // At shutdown a frame that has begun is read to its end, stored and answered.
            () = ctx.shutdown.cancelled(), if !stopping => {
                stopping = true;
                continue;
            }
        };
        last_activity = Instant::now();
        let answer = match frame {
            None => break End::PeerClosed,
            Some(Err(MllpError::TruncatedFrame { len })) => break End::Truncated(len),
            Some(Err(MllpError::Io(e))) => break End::Io(e),
            Some(Ok(Frame::Oversize { len })) => {
                tracing::warn!(inbound, %peer, len, limit = ctx.settings.max_frame, "frame over the size limit refused");
                acks::oversize(ctx.settings.ack_mode, len)
            }
            Some(Ok(Frame::Message(bytes))) => {
                count += 1;
                match receive(&ctx, bytes.freeze(), peer).await {
                    Some(answer) => answer,
                    None => break End::StoreStopped,
                }
            }
        };
        if let Answer::Ack(ack) = answer
            && let Err(e) = out.send(ack.as_slice()).await
        {
            break match e {
                MllpError::Io(e) => End::Io(e),
                MllpError::TruncatedFrame { len } => End::Truncated(len),
            };
        }
    };
    match end {
        End::PeerClosed => {
            tracing::debug!(inbound, %peer, messages = count, "connection closed by peer")
        }
        End::Idle => tracing::info!(inbound, %peer, messages = count, "idle connection closed"),
        End::FrameTimeout => {
            tracing::warn!(inbound, %peer, "frame not completed in time; connection closed")
        }
        End::Shutdown => tracing::debug!(inbound, %peer, "connection closed for shutdown"),
        End::Truncated(len) => {
            tracing::warn!(inbound, %peer, len, "connection closed inside a frame; partial frame dropped")
        }
        End::Io(e) => tracing::warn!(inbound, %peer, error = %e, "connection failed"),
        End::StoreStopped => tracing::error!(inbound, %peer, "store stopped; connection closed"),
    }
}

/// When to give up waiting: the frame timeout while a frame is arriving, else the idle timeout.
fn next_deadline<R>(
    frames: &FramedRead<R, MllpCodec>,
    settings: &InboundSettings,
    last_activity: Instant,
) -> Instant {
    match frames.decoder().frame_started() {
        Some(started) => started + settings.frame_timeout,
        // Wake at least every frame timeout to notice a frame that began meanwhile.
        None => {
            (last_activity + settings.idle_timeout).min(Instant::now() + settings.frame_timeout)
        }
    }
}

/// Stores one frame and works out the answer; `None` when the store has stopped.
async fn receive(ctx: &Context, raw: bytes::Bytes, peer: SocketAddr) -> Option<Answer> {
    let inbound = ctx.inbound.name();
    let received_at = now_micros();
    let mode = ctx.settings.ack_mode;
    let parsed = Message::parse_with(raw.to_vec(), ParseOptions::default());
    let (incoming, msg) = match parsed {
        Ok(msg) => {
            let dedupe = ctx.settings.duplicate_window.map(|window| Dedupe {
                sending_application: msg["MSH-3"].to_owned(),
                control_id: msg["MSH-10"].to_owned(),
                window_micros: window.as_micros() as u64,
            });
            let incoming = Incoming {
                inbound: Arc::from(inbound),
                raw,
                info: MessageInfo::of(inbound, received_at, &msg),
                route: true,
                dedupe,
            };
            (incoming, Ok(msg))
        }
        Err(error) => {
            let incoming = Incoming {
                inbound: Arc::from(inbound),
                raw: raw.clone(),
                info: MessageInfo::broken(inbound, received_at, &error),
                route: false,
                dedupe: None,
            };
            (incoming, Err((raw, error)))
        }
    };
    // In after-processing mode the pipeline's result is awaited; register before it can run.
    let stored = ctx.store.receive(incoming).await;
    let received = match (&stored, &msg) {
        (Ok(r), _) => *r,
        (Err(e), Ok(msg)) => {
            tracing::error!(inbound, %peer, error = %e, "message not stored; refused");
            ctx.shutdown.cancel();
            return Some(acks::store_failed(mode, msg));
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
            return Some(acks::unparseable(mode, &raw, &error));
        }
    };
    tracing::debug!(inbound, %peer, id = %received.id, control_id = &*msg["MSH-10"], kind = &*msg["MSH-9"], "stored");
    if let Some(original) = received.duplicate_of {
        tracing::info!(inbound, id = %received.id, original = %original, "duplicate answered like the original, not routed");
        return Some(match mode {
            AckMode::AfterProcessing => {
                acks::processed(&msg, crate::interface::Disposition::Processed, None)
            }
            _ => acks::stored(mode, &msg),
        });
    }
    if mode != AckMode::AfterProcessing {
        ctx.wake.notify_one();
        return Some(acks::stored(mode, &msg));
    }
    let (tx, rx) = oneshot::channel();
    match ctx.waiters.lock() {
        Ok(mut map) => map.insert(received.id, tx),
        Err(poisoned) => poisoned.into_inner().insert(received.id, tx),
    };
    ctx.wake.notify_one();
    let outcome = tokio::select! {
        outcome = rx => outcome.ok(),
        () = ctx.shutdown.cancelled() => None,
    };
    Some(match outcome {
        Some(o) => acks::processed(&msg, o.disposition, o.reason.as_deref()),
        // Stored but not processed before shutdown: it will be routed at the next start; the
        // peer gets no answer and will resend, which duplicate detection can absorb.
        None => Answer::Nothing,
    })
}
