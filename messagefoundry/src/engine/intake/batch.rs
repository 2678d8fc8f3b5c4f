//! A frame holding several messages: a batch (`BHS … BTS`, in `FHS … FTS` or not) or messages
//! one after another with no envelope.
//!
//! Each message is read, checked and answered as a frame of its own would be (parse policy,
//! header, validation, duplicate detection), and all of them are stored in one transaction
//! before anything is answered. The frame gets one answer: an acknowledgment batch holding the
//! ACK of each message, in order (see `answer.rs`). A batch whose envelope is broken, or whose
//! BTS-1 / FTS-1 does not match what it holds, is refused as a whole: it may have lost messages
//! on the way, so none of it is accepted. It is stored exactly as received, as one ERROR record,
//! and every message in it that can be told apart is answered AR (CR in enhanced mode).

use std::net::SocketAddr;
use std::sync::Arc;

use messagefoundry_hl7::Message;
use messagefoundry_hl7::ack::{self, ErrorEntry, Stamp};
use messagefoundry_hl7::batch::{self, Batch, SplitOptions};

use super::acks::{self, Answer};
use super::batch_answer::Envelope;
use super::connection::{self, Context, Reply};
use crate::metrics::NakReason;
use crate::store::{Incoming, MessageInfo, now_micros};

/// Stores every message of a batch frame and works out the frame's answer; `None` when the
/// store has stopped.
pub(super) async fn receive(
    ctx: &Context,
    raw: bytes::Bytes,
    peer: SocketAddr,
    charset_warned: &mut bool,
) -> Option<Reply> {
    // Tolerant only of framing bytes around the batch: a count that does not match is a
    // warning here, and refuses the batch below.
    let split = batch::split_with(&raw, SplitOptions { tolerant: true });
    let problem = match &split {
        Err(e) => Some(e.to_string()),
        Ok(b) => b.warnings().first().map(ToString::to_string),
    };
    if let Some(problem) = problem {
        return refuse(ctx, &raw, peer, split.as_ref().ok(), problem).await;
    }
    let split = split.ok()?;
    let envelope = Envelope::of(&split);
    let received_at = now_micros();
    let (incoming, checked): (Vec<_>, Vec<_>) = split
        .messages()
        .map(|m| connection::check(ctx, raw.slice(m.range()), peer, charset_warned, received_at))
        .unzip();
    ctx.metrics.received.add(incoming.len() as u64);
    let stored = ctx.store.receive_all(incoming).await;
    let stored: Vec<_> = match &stored {
        Ok(received) => received.iter().copied().map(Ok).collect(),
        Err(e) => checked.iter().map(|_| Err(e)).collect(),
    };
    let replies: Vec<Reply> = checked
        .into_iter()
        .zip(stored)
        .filter_map(|(c, stored)| connection::answer(ctx, peer, c, stored))
        .collect();
    if replies.is_empty() {
        return None;
    }
    tracing::debug!(inbound = ctx.inbound.name(), %peer, messages = replies.len(), "batch stored");
    // Waited for together: in after-processing mode each is its message's answer.
    let replies =
        futures_util::future::join_all(replies.into_iter().map(|r| connection::settle(ctx, r)))
            .await;
    let mut later = Vec::new();
    let mut answers = Vec::with_capacity(replies.len());
    for reply in replies {
        answers.push(reply.now);
        later.extend(reply.later);
    }
    Some(Reply {
        now: envelope.answer(answers),
        later,
    })
}

/// Refuses a batch as a whole: stores the frame as received, recorded as ERROR with `problem`,
/// and answers every message that can be told apart with a reject; `None` when the store has
/// stopped.
async fn refuse(
    ctx: &Context,
    raw: &bytes::Bytes,
    peer: SocketAddr,
    split: Option<&Batch<'_>>,
    problem: String,
) -> Option<Reply> {
    let inbound = ctx.inbound.name();
    let reason = format!("batch refused: {problem}");
    let incoming = Incoming {
        inbound: Arc::from(inbound),
        raw: raw.clone(),
        info: MessageInfo::broken(inbound, now_micros(), &problem),
        refused: Some(reason),
        dedupe: None,
        index: Vec::new(),
    };
    ctx.metrics.received.inc();
    match ctx.store.receive(incoming).await {
        Ok(r) => {
            tracing::warn!(inbound, %peer, id = %r.id, problem = %problem, "batch refused as a whole; stored as ERROR, none of its messages routed")
        }
        Err(e) => {
            tracing::error!(inbound, %peer, error = %e, "batch not stored");
            ctx.shutdown.cancel();
            return None;
        }
    }
    let Some(code) = acks::reject_code(ctx.settings.ack_mode) else {
        return Some(Answer::Nothing.into());
    };
    let error = ErrorEntry::new(ErrorEntry::SEGMENT_SEQUENCE_ERROR).with_text(format!(
        "the batch was refused as a whole, none of its messages accepted: {problem}"
    ));
    let stamp = Stamp::now();
    let nak = |bytes: &[u8]| match ack::for_raw(bytes, code, std::slice::from_ref(&error), &stamp) {
        Ok(ack) => Answer::Ack(Message::into_bytes(ack)),
        Err(_) => Answer::Nothing,
    };
    let (envelope, answers) = match split {
        Some(split) => (
            Envelope::of(split),
            split.messages().map(|m| nak(m.bytes())).collect(),
        ),
        None => (Envelope::unreadable(raw), vec![nak(raw)]),
    };
    for answer in &answers {
        connection::count_nak(&ctx.metrics, NakReason::Batch, answer);
    }
    Some(envelope.answer(answers).into())
}
