//! What `messages list`, `search` and `show` read: the newest summaries a page at a time, and one
//! message with its summary and bytes.

mod support;

use std::sync::Arc;

use messagefoundry::hl7::Message;
use messagefoundry::store::{Incoming, MessageId, MessageInfo, ParseState, now_micros};
use support::{incoming, open, receive};

#[tokio::test]
async fn the_newest_come_first_and_pages_go_back_without_gaps_or_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    assert!(store.latest(None, 10).unwrap().is_empty());
    let mut ids = Vec::new();
    for n in 0..23 {
        ids.push(receive(&store, incoming(&format!("L{n}"))).await);
    }
    let first = store.latest(None, 5).unwrap();
    assert_eq!(
        first.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        ids.iter().rev().take(5).copied().collect::<Vec<_>>()
    );
    assert_eq!(first[0].1.control_id, "L22");

    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = store.latest(before, 5).unwrap();
        let Some((last, _)) = page.last() else { break };
        before = Some(*last);
        seen.extend(page.iter().map(|(id, info)| (*id, info.control_id.clone())));
    }
    let expected: Vec<(MessageId, String)> = ids
        .iter()
        .enumerate()
        .rev()
        .map(|(n, id)| (*id, format!("L{n}")))
        .collect();
    assert_eq!(seen, expected);
    assert!(store.latest(Some(ids[0]), 5).unwrap().is_empty());
    assert_eq!(
        store.latest(Some(MessageId(u64::MAX)), 1).unwrap()[0].0,
        ids[22]
    );
    assert!(store.latest(None, 0).unwrap().is_empty());
}

#[tokio::test]
async fn a_message_reads_back_as_received_with_its_summary() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    // Line feeds, a trailing blank line and bytes that are not UTF-8: kept exactly.
    let raw = b"MSH|^~\\&|LIS|LAB|EHR|HOSP|20240101||ADT^A01^ADT_A01|S1|P|2.3|||||||8859/1\n\
PID|1||M1||M\xfcller^Ann\n\n"
        .to_vec();
    let error = Message::parse(raw.clone()).unwrap_err();
    let msg = Message::parse_tolerant(raw.clone()).unwrap();
    let at = now_micros();
    let repaired = Incoming {
        inbound: Arc::from("IB_ADT"),
        raw: raw.clone().into(),
        info: MessageInfo::repaired("IB_ADT", at, &msg, &error),
        refused: None,
        dedupe: None,
        index: Vec::new(),
    };
    let id = receive(&store, repaired).await;

    let (info, bytes) = store.read_message(id).unwrap().unwrap();
    assert_eq!(bytes, raw);
    assert_eq!(info.inbound, "IB_ADT");
    assert_eq!(info.received_at_micros, at);
    assert_eq!(info.sending_application, "LIS");
    assert_eq!(info.sending_facility, "LAB");
    assert_eq!(info.message_type, "ADT^A01^ADT_A01");
    assert_eq!(info.control_id, "S1");
    assert_eq!(info.version, "2.3");
    assert_eq!(info.parse_state, ParseState::Repaired);
    assert_eq!(info.parse_error, error.to_string());
    let listed = store.latest(None, 1).unwrap();
    assert_eq!(listed, vec![(id, info)]);

    assert!(store.read_message(MessageId(id.0 + 1)).unwrap().is_none());
    assert!(store.read_message(MessageId(0)).unwrap().is_none());
}
