//! What an operator's resend queues, chosen before the request reaches the writer: the writer
//! holds sealed bytes only, and the copy's control ID is read from the opened payload. The
//! bytes read are the bytes queued, so the control ID always belongs to them.

use redb::ReadableDatabase;

use super::envelope::Codec;
use super::tables::{DESTINATIONS, MESSAGES, MessageId};
use super::{StoreError, control_id, destinations};

/// One copy to queue again.
#[derive(Debug)]
pub(crate) struct ResendCopy {
    /// The payload as stored (sealed); empty for the message as received.
    pub payload: Vec<u8>,
    /// Its MSH-10; empty when it does not parse.
    pub control_id: String,
}

/// The last copy of `message` queued for `outbound`, or with `as_received` (or when none
/// was) the message as received; `None` when the message is not stored. Blocking.
pub(crate) fn choose(
    db: &redb::Database,
    codec: &Codec,
    message: MessageId,
    outbound: &str,
    as_received: bool,
) -> Result<Option<ResendCopy>, StoreError> {
    let read = |e: redb::Error| StoreError::Read(e.to_string());
    let txn = db.begin_read().map_err(|e| read(e.into()))?;
    let messages = txn.open_table(MESSAGES).map_err(|e| read(e.into()))?;
    let Some(raw) = messages.get(message.0).map_err(|e| read(e.into()))? else {
        return Ok(None);
    };
    let payload = if as_received {
        Vec::new()
    } else {
        let table = txn.open_table(DESTINATIONS).map_err(|e| read(e.into()))?;
        destinations::last_payload(&table, message, outbound)
            .map_err(read)?
            .unwrap_or_default()
    };
    let bytes = if payload.is_empty() {
        codec.open(raw.value())?
    } else {
        codec.open(&payload)?
    };
    Ok(Some(ResendCopy {
        payload,
        control_id: control_id::of_stored(bytes),
    }))
}
