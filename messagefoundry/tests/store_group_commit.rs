//! The store commits concurrent intake in groups, answers only after the commit, and keeps
//! everything across a reopen.

use std::sync::Arc;

use messagefoundry::hl7::Message;
use messagefoundry::store::{Incoming, MessageId, MessageInfo, ParseState, Store};

fn incoming(n: usize) -> Incoming {
    let text = format!("MSH|^~\\&|LAB|H|EHR|H|20240101||ORU^R01|C{n}|P|2.5.1\rPID|1||{n}\r");
    let msg = Message::parse(text.as_bytes()).expect("test message parses");
    Incoming {
        inbound: Arc::from("IB_TEST"),
        raw: text.into_bytes().into(),
        info: MessageInfo::of("IB_TEST", 1, &msg),
        refused: None,
        dedupe: None,
        index: Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_intake_is_grouped_and_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    let store = Store::open(&path).unwrap();
    let tasks: Vec<_> = (0..200)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move { (n, store.receive(incoming(n)).await.unwrap().id) })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap());
    }
    let commits = store.commit_count().await.unwrap();
    // Without grouping it is one commit per message, 200. With it, the 200 requests queue
    // while the first commit's fsync runs, and one or two commits carry them all (measured on
    // a 2-core machine with a load average of 13). 20 leaves a wide margin for a slower one and
    // still fails if grouping stops working. The writer's own tests count commits exactly,
    // with every request queued before the writer runs.
    assert!(
        (1..=20).contains(&commits),
        "{commits} commits for 200 messages"
    );
    let mut sorted: Vec<u64> = ids.iter().map(|(_, id)| id.0).collect();
    sorted.sort_unstable();
    assert_eq!(sorted, (1..=200).collect::<Vec<_>>());

    let (n, id) = ids[17];
    let (info, raw) = store.read_message(id).unwrap().unwrap();
    assert_eq!(info.control_id, format!("C{n}"));
    assert_eq!(info.parse_state, ParseState::Parsed);
    assert_eq!(raw, incoming(n).raw);
    tokio::task::spawn_blocking(move || store.shutdown())
        .await
        .unwrap();

    let reopened = Store::open(&path).unwrap();
    assert!(reopened.read_message(id).unwrap().is_some());
    let next = reopened.receive(incoming(999)).await.unwrap().id;
    assert_eq!(next, MessageId(201));
    tokio::task::spawn_blocking(move || reopened.shutdown())
        .await
        .unwrap();
}

#[tokio::test]
async fn broken_frames_are_stored_with_their_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("s.redb")).unwrap();
    let raw = b"not hl7 at all".to_vec();
    let error = Message::parse(raw.clone()).unwrap_err();
    let id = store
        .receive(Incoming {
            inbound: Arc::from("IB"),
            raw: raw.clone().into(),
            info: MessageInfo::broken("IB", 5, &error),
            refused: Some(error.to_string()),
            dedupe: None,
            index: Vec::new(),
        })
        .await
        .unwrap()
        .id;
    let (info, stored) = store.read_message(id).unwrap().unwrap();
    assert_eq!(stored, raw);
    assert_eq!(info.parse_state, ParseState::Broken);
    assert!(info.parse_error.contains("byte 0"), "{}", info.parse_error);
}
