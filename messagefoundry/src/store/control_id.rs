//! The control ID a queued copy carries: MSH-10 of its payload, which the downstream echoes in
//! MSA-2. The pipeline knows it from the message it routed; this reads it from stored bytes
//! where a copy is made of them (an operator's resend, the migration from layout 1).

/// MSH-10 of stored bytes, read the way the sender reads a queued payload; empty when they do
/// not parse (the sender then reads the payload itself, and dead-letters it).
pub(crate) fn of_stored(er7: Vec<u8>) -> String {
    crate::interface::ParsePolicy::stored(er7)
        .map(|msg| msg.control_id().to_string())
        .unwrap_or_default()
}
