//! What the layout-1 store fixture holds, computed the same way by the program that writes it
//! (run on the layout-1 code by `scripts/store-v1-fixture.sh`) and by the tests that read it
//! after migration. Uses only what the layout-1 store offered.

use std::sync::Arc;

use messagefoundry::hl7::Message;
use messagefoundry::interface::Disposition;
use messagefoundry::store::{
    Edit, Incoming, MessageId, MessageInfo, RouteRecord, SendRecord, Store,
};

/// The 2.7 KB ORU^R01 and the 1.5 KB ADT^A01 of the parser's benchmarks.
const ORU: &str = include_str!("../../../messagefoundry-hl7/benches/data/oru_r01.hl7");
const ADT: &str = include_str!("../../../messagefoundry-hl7/benches/data/adt_a01.hl7");

/// How many messages the fixture receives (one more, the broken frame, is refused).
pub const MESSAGES: u64 = 60;

/// Message `i`: the ORU or the ADT with its own control ID.
pub fn body(i: u64) -> Vec<u8> {
    if i.is_multiple_of(3) {
        ADT.replacen("|599102|", &format!("|A{i}|"), 1).into_bytes()
    } else {
        ORU.replacen("|3216598|", &format!("|R{i}|"), 1)
            .into_bytes()
    }
}

/// MSH-10 of message `i`, as received and as transformed.
pub fn control_id(i: u64) -> String {
    if i.is_multiple_of(3) {
        format!("A{i}")
    } else {
        format!("R{i}")
    }
}

/// What a handler sends to `OB_B` for message `i`: the message with processing ID T.
pub fn transformed(i: u64) -> Vec<u8> {
    String::from_utf8_lossy(&body(i))
        .replacen("|D|2.3|", "|T|2.3|", 1)
        .replacen("|P|2.3|", "|T|2.3|", 1)
        .into_bytes()
}

/// The broken frame, refused at intake and stored as ERROR.
pub const BROKEN: &[u8] = b"not HL7 at all \x00\x01\x02";

/// The edit of the first message.
pub fn edited() -> Vec<u8> {
    String::from_utf8_lossy(&body(1))
        .replacen("Patlast", "Editedlast", 1)
        .into_bytes()
}

fn incoming(raw: Vec<u8>, at: u64) -> Incoming {
    let info = match Message::parse(raw.clone()) {
        Ok(msg) => MessageInfo::of("IB_Lab", at, &msg),
        Err(e) => MessageInfo::broken("IB_Lab", at, &e),
    };
    Incoming {
        inbound: Arc::from("IB_Lab"),
        raw: raw.into(),
        info,
        refused: None,
        dedupe: None,
        // layout-1-absent: scripts/store-v1-fixture.sh drops this field for the layout-1 code.
        index: Vec::new(),
    }
}

/// Writes the fixture's content into an open store: every message routed with a copy to
/// `OB_A` (as received) and to `OB_B` (transformed); `OB_A` delivered the first half, `OB_B`
/// dead-lettered message 2; the last ten are left waiting to be routed; message 1 edited and
/// its edit queued to `OB_A`.
pub async fn write(store: &Store) {
    let mut ids = Vec::new();
    for i in 0..MESSAGES {
        let id = store
            .receive(incoming(body(i), 1_700_000_000_000_000 + i))
            .await
            .expect("stored")
            .id;
        ids.push(id);
    }
    let mut broken = incoming(BROKEN.to_vec(), 1_700_000_000_000_999);
    broken.refused = Some("did not parse".into());
    store.receive(broken).await.expect("stored");
    let mut keys = Vec::new();
    for (i, id) in ids.iter().enumerate().take(MESSAGES as usize - 10) {
        let sends = vec![
            SendRecord {
                outbound: "OB_A".into(),
                handler: "to_a".into(),
                payload: Vec::new(),
                // layout-1-absent: scripts/store-v1-fixture.sh drops this field for the layout-1 code.
                control_id: control_id(i as u64),
            },
            SendRecord {
                outbound: "OB_B".into(),
                handler: "to_b".into(),
                payload: transformed(i as u64),
                // layout-1-absent: scripts/store-v1-fixture.sh drops this field for the layout-1 code.
                control_id: control_id(i as u64),
            },
        ];
        let record = RouteRecord {
            message: *id,
            disposition: Disposition::Processed,
            detail: String::new(),
            handlers: Vec::new(),
            sends,
        };
        keys.push(store.record_routes(vec![record]).await.expect("routed"));
    }
    for routed in keys.iter().take(MESSAGES as usize / 2) {
        store
            .delivered(routed[0][0].clone(), 1, "AA")
            .await
            .expect("delivered");
    }
    store
        .dead_letter(keys[2][0][1].clone(), 3, "refused by the partner".into())
        .await
        .expect("dead-lettered");
    let edit = Edit {
        original: MessageId(ids[1].0),
        raw: edited(),
        info: incoming(edited(), 1_700_000_000_001_000).info,
        to: Some("OB_A".into()),
        // layout-1-absent: scripts/store-v1-fixture.sh drops this field for the layout-1 code.
        index: Vec::new(),
    };
    store.store_edit(edit).await.expect("edited");
}
