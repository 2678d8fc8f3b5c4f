//! Promises of the control ID a queued copy carries: MSH-10 of what is sent, which the sender
//! matches against the ACK's MSA-2 without reading the payload.

use super::{Subject, incoming, oru, receive};
use crate::interface::Disposition;
use crate::store::{Edit, MessageInfo, QueueKey, RouteRecord, SendRecord};

/// The control IDs of an outbound's queue, in order.
fn head_control_ids(s: &Subject, outbound: &str) -> Vec<String> {
    s.store()
        .queue_head(outbound, usize::MAX)
        .expect("queue read")
        .into_iter()
        .map(|e| e.control_id)
        .collect()
}

/// The queue head carries the control ID each copy was queued with (a handler's copy that
/// changed MSH-10, the message as received), kept through a failed attempt, a dead letter and
/// its replay; an operator's resend carries that of the copy it queues, an edit its own; and
/// all of it after a restart.
pub fn the_queue_head_carries_the_control_id_queued(s: &mut Subject) {
    let id = receive(s, incoming("M1"));
    let send = |outbound: &str, payload: Vec<u8>, control_id: &str| SendRecord {
        outbound: outbound.to_owned(),
        handler: "to_ob".to_owned(),
        payload,
        control_id: control_id.to_owned(),
    };
    let record = RouteRecord {
        message: id,
        disposition: Disposition::Processed,
        detail: String::new(),
        handlers: Vec::new(),
        sends: vec![
            send("A", Vec::new(), "M1"),
            send("B", oru("H1").into_bytes(), "H1"),
        ],
    };
    let keys = s
        .wait(s.store().record_routes(vec![record]))
        .expect("routed")
        .pop()
        .expect("one record's keys");
    assert_eq!(head_control_ids(s, "A"), ["M1"]);
    assert_eq!(head_control_ids(s, "B"), ["H1"]);
    let b: &QueueKey = &keys[1];
    s.wait(s.store().attempted(b.clone(), 1)).expect("attempt");
    assert_eq!(head_control_ids(s, "B"), ["H1"], "after a failed attempt");
    s.wait(s.store().dead_letter(b.clone(), 2, "AR".into()))
        .expect("dead letter");
    s.wait(s.store().replay(b.clone())).expect("replay");
    assert_eq!(head_control_ids(s, "B"), ["H1"], "after a replay");
    // The last copy for B is the handler's; A's is the message as received.
    s.wait(s.store().resend(id, "B".into(), false))
        .expect("resend");
    s.wait(s.store().resend(id, "B".into(), true))
        .expect("resend");
    assert_eq!(head_control_ids(s, "B"), ["H1", "H1", "M1"]);
    let text = oru("E1");
    let msg = messagefoundry_hl7::Message::parse(text.as_bytes()).expect("parses");
    let edit = Edit {
        original: id,
        raw: text.clone().into_bytes(),
        info: MessageInfo::of("IB", super::super::now_micros(), &msg),
        to: Some("A".into()),
        index: Vec::new(),
    };
    s.wait(s.store().store_edit(edit)).expect("edit");
    assert_eq!(head_control_ids(s, "A"), ["M1", "E1"]);
    s.restart();
    assert_eq!(head_control_ids(s, "A"), ["M1", "E1"], "after a restart");
    assert_eq!(
        head_control_ids(s, "B"),
        ["H1", "H1", "M1"],
        "after a restart"
    );
}
