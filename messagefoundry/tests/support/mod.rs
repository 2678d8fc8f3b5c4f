//! What the store's tests share: messages to store, routing records, and a clean stop.

#![allow(dead_code, reason = "each test crate uses a part")]

use std::path::Path;
use std::sync::Arc;

use messagefoundry::hl7::Message;
use messagefoundry::interface::Disposition;
use messagefoundry::store::{
    Dedupe, Incoming, MessageId, MessageInfo, RouteRecord, SendRecord, Store,
};

/// A day in microseconds: "old" messages are received this long before the cut-off.
pub const DAY_MICROS: u64 = 86_400_000_000;

/// An ORU^R01 from `LAB` with the control ID and a patient number.
pub fn oru_text(control: &str) -> String {
    format!(
        "MSH|^~\\&|LAB|GENLAB|EHR|GENHOSP|20240101||ORU^R01|{control}|P|2.5.1\rPID|1||{control}-MRN\r"
    )
}

/// A parsed message as the listener hands it to the store: received on `inbound` at
/// `received_at` (µs since the Unix epoch), waiting to be routed.
pub fn incoming_at(inbound: &str, text: &str, received_at: u64) -> Incoming {
    let msg = Message::parse(text.as_bytes()).expect("test message parses");
    Incoming {
        inbound: Arc::from(inbound),
        raw: text.as_bytes().to_vec().into(),
        info: MessageInfo::of(inbound, received_at, &msg),
        refused: None,
        dedupe: None,
        index: Vec::new(),
    }
}

/// [`incoming_at`] now, on `IB`, of [`oru_text`].
pub fn incoming(control: &str) -> Incoming {
    incoming_at(
        "IB",
        &oru_text(control),
        messagefoundry::store::now_micros(),
    )
}

/// The same, with duplicate detection on MSH-3 + MSH-10 over `window_micros`.
pub fn deduped(mut incoming: Incoming, window_micros: u64) -> Incoming {
    let msg = Message::parse(incoming.raw.to_vec()).expect("test message parses");
    incoming.dedupe = Some(Dedupe {
        sending_application: msg[messagefoundry::hl7::Path::parse_const("MSH-3")].to_owned(),
        control_id: msg[messagefoundry::hl7::Path::parse_const("MSH-10")].to_owned(),
        window_micros,
    });
    incoming
}

/// A send of `payload` (empty: the message as received) to `outbound` by the handler `to_ob`.
pub fn send(outbound: &str, payload: &[u8]) -> SendRecord {
    SendRecord {
        outbound: outbound.to_owned(),
        handler: "to_ob".to_owned(),
        payload: payload.to_vec(),
        control_id: String::new(),
    }
}

/// A PROCESSED routing record with these sends and no handler records.
pub fn processed(message: MessageId, sends: &[(&str, &[u8])]) -> RouteRecord {
    RouteRecord {
        message,
        disposition: Disposition::Processed,
        detail: String::new(),
        handlers: Vec::new(),
        sends: sends
            .iter()
            .map(|(outbound, payload)| send(outbound, payload))
            .collect(),
    }
}

/// Opens the store file `name` in `dir`.
pub fn open(dir: &Path, name: &str) -> Store {
    Store::open(dir.join(name)).expect("the store opens")
}

/// Stops the store off the async workers (the stop waits for the writer thread).
pub async fn shutdown(store: Store) {
    tokio::task::spawn_blocking(move || store.shutdown())
        .await
        .expect("the store stops");
}

/// Stores a message and returns its id.
pub async fn receive(store: &Store, incoming: Incoming) -> MessageId {
    store.receive(incoming).await.expect("stored").id
}
