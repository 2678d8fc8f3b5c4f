//! Messages the store's unit tests receive and route.

use std::sync::Arc;

use super::{Incoming, MessageId, MessageInfo, RouteRecord, SendRecord, Store};
use crate::interface::Disposition;

/// An ORU numbered `n` (control ID `C<n>`, received at µs 1 000 + n, so a wrong queue head
/// shows as a wrong time), with an OBX of `body` bytes when `body` is not 0.
pub(crate) fn message(n: u64, body: usize) -> (Vec<u8>, MessageInfo) {
    let mut text = format!("MSH|^~\\&|LAB|H|EHR|H|20240101||ORU^R01|C{n}|P|2.5.1\r");
    if body > 0 {
        text.push_str(&format!("OBX|1|TX|||{}\r", "x".repeat(body)));
    }
    let msg = messagefoundry_hl7::Message::parse(text.as_bytes()).expect("test message");
    let info = MessageInfo::of("IB", 1_000 + n, &msg);
    (text.into_bytes(), info)
}

/// Receives [`message`] `n`, left waiting to be routed.
pub(crate) async fn receive_waiting(store: &Store, n: u64, body: usize) -> MessageId {
    let (raw, info) = message(n, body);
    store
        .receive(Incoming {
            inbound: Arc::from("IB"),
            raw: raw.into(),
            info,
            refused: None,
            dedupe: None,
            index: Vec::new(),
        })
        .await
        .expect("received")
        .id
}

/// Receives [`message`] `n` and routes it PROCESSED, one copy queued to each outbound named.
pub(crate) async fn receive_routed(
    store: &Store,
    n: u64,
    body: usize,
    outbounds: &[&str],
) -> MessageId {
    let id = receive_waiting(store, n, body).await;
    let sends = outbounds
        .iter()
        .map(|o| SendRecord {
            outbound: (*o).to_owned(),
            handler: "h".into(),
            payload: Vec::new(),
            control_id: String::new(),
        })
        .collect();
    store
        .record_route(RouteRecord {
            message: id,
            disposition: Disposition::Processed,
            detail: String::new(),
            handlers: Vec::new(),
            sends,
        })
        .await
        .expect("routed");
    id
}
