//! Break-fix: queue a stored message again for one outbound, or store an operator's edit of it
//! beside the original and send that on. Each action is recorded in the store (a copy queued
//! by the operator, an edit linked to its original) and logged without content.

use messagefoundry_hl7::Message;

use super::{OperationError, Scope, read};
use crate::engine::intake::header;
use crate::store::{Edit, Edited, MessageId, MessageInfo, ParseState, QueueKey, now_micros};

/// Queues message `id` again at the end of `outbound`'s queue: the last copy a handler (or an
/// earlier resend) queued for that outbound, or the message as received when none was or
/// `as_received` asks for it. A running sender sends it at once. Returns where it is queued.
pub async fn resend(
    scope: &Scope,
    id: MessageId,
    outbound: String,
    as_received: bool,
) -> Result<QueueKey, OperationError> {
    scope.known_outbound(&outbound)?;
    let info = read(scope.store(), move |store| store.read_message(id))
        .await?
        .map(|(info, _)| info)
        .ok_or(OperationError::NoMessage(id))?;
    if info.parse_state == ParseState::Broken {
        return Err(OperationError::Broken(id));
    }
    let queued = scope.store().resend(id, outbound, as_received).await?;
    scope.wake_outbound(&queued.outbound);
    tracing::info!(id = %id, outbound = %queued.outbound, seq = queued.seq, as_received, "resent by the operator");
    Ok(queued)
}

/// Stores `edited` (ER7; segments may end in `\r`, `\n` or `\r\n`) as an edit of message `id`:
/// a message of its own beside the original, which is never changed. It must parse strictly
/// and hold MSH-9 and MSH-10, and differ from the original. It is then routed again through
/// the original's inbound, or with `to`, queued for that one outbound.
pub async fn edit(
    scope: &Scope,
    id: MessageId,
    edited: Vec<u8>,
    to: Option<String>,
) -> Result<Edited, OperationError> {
    if let Some(outbound) = &to {
        scope.known_outbound(outbound)?;
    }
    let (original, raw) = read(scope.store(), move |store| store.read_message(id))
        .await?
        .ok_or(OperationError::NoMessage(id))?;
    if to.is_none() {
        scope.known_inbound(&original.inbound)?;
    }
    let edited = segments_ended_by_cr(&edited);
    if edited == segments_ended_by_cr(&raw) {
        return Err(OperationError::Unchanged(id));
    }
    let msg = Message::parse(edited.clone())
        .map_err(|e| OperationError::Invalid(format!("it does not parse: {e}")))?;
    let missing = header::missing_fields(&msg);
    if !missing.is_empty() {
        return Err(OperationError::Invalid(header::reason(&missing)));
    }
    let info = MessageInfo::of(&original.inbound, now_micros(), &msg);
    let inbound = info.inbound.clone();
    let index = crate::interface::index::values_of(&inbound, &msg);
    let stored = scope
        .store()
        .store_edit(Edit {
            original: id,
            raw: edited,
            info,
            to,
            index,
        })
        .await?;
    match &stored.queued {
        Some(key) => {
            scope.wake_outbound(&key.outbound);
            tracing::info!(id = %id, edit = %stored.edit, outbound = %key.outbound, seq = key.seq, "edited by the operator and queued");
        }
        None => {
            scope.wake_inbound(&inbound);
            tracing::info!(id = %id, edit = %stored.edit, %inbound, "edited by the operator and routed again");
        }
    }
    Ok(stored)
}

/// The segments of `text`, each ended by `\r` as HL7 ends them: an editor's `\n` or `\r\n`
/// line endings and blank lines are not part of the message.
fn segments_ended_by_cr(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 1);
    for line in text.split(|b| *b == b'\r' || *b == b'\n') {
        if !line.is_empty() {
            out.extend_from_slice(line);
            out.push(b'\r');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::segments_ended_by_cr;

    #[test]
    fn editor_line_endings_become_segment_ends() {
        assert_eq!(
            segments_ended_by_cr(b"MSH|a\nPID|1\r\n\nOBX|2"),
            b"MSH|a\rPID|1\rOBX|2\r"
        );
        assert_eq!(segments_ended_by_cr(b"MSH|a\r"), b"MSH|a\r");
    }
}
