//! New message control IDs (MSH-10), for ACKs and for messages built or re-sent.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A new message control ID: unique within this process and, with high probability, across
/// restarts and engines: the time in microseconds and a counter, in hexadecimal, at most 20
/// characters (the length MSH-10 allows before HL7 2.7).
///
/// Every control ID this library makes comes from here: ACKs, [`Message::builder`] and
/// [`Message::set_new_control_id`].
///
/// ```
/// let (a, b) = (messagefoundry_hl7::new_control_id(), messagefoundry_hl7::new_control_id());
/// assert_ne!(a, b);
/// assert!(a.len() <= 20 && a.bytes().all(|c| c.is_ascii_hexdigit()));
/// ```
///
/// [`Message::builder`]: crate::Message::builder
/// [`Message::set_new_control_id`]: crate::Message::set_new_control_id
pub fn new_control_id() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let micros = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed) & 0xffff;
    format!("{micros:x}{n:04x}")
}
