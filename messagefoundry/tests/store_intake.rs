//! Admission: what the store keeps of each kind of frame it is handed, and that a message it
//! has answered for is on disk even if the process dies at once.

mod support;

use std::process::Command;
use std::sync::Arc;

use messagefoundry::hl7::Message;
use messagefoundry::interface::Disposition;
use messagefoundry::store::{MessageId, MessageInfo, ParseState, Store, now_micros};
use support::{deduped, incoming, incoming_at, open, oru_text, receive};

#[tokio::test]
async fn a_parsed_message_is_stored_as_received_and_waits_to_be_routed() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    let text = oru_text("C1");
    let received = store.receive(incoming_at("IB", &text, 42)).await.unwrap();
    assert_eq!(received.duplicate_of, None);
    let id = received.id;

    // Answered means committed: a read transaction sees only what was committed.
    let (info, raw) = store.read_message(id).unwrap().unwrap();
    assert_eq!(raw, text.as_bytes());
    assert_eq!(info.inbound, "IB");
    assert_eq!(info.received_at_micros, 42);
    assert_eq!(
        (
            info.sending_application.as_str(),
            info.sending_facility.as_str(),
            info.message_type.as_str(),
            info.control_id.as_str(),
            info.version.as_str(),
        ),
        ("LAB", "GENLAB", "ORU^R01", "C1", "2.5.1")
    );
    assert_eq!(info.parse_state, ParseState::Parsed);
    assert_eq!(info.parse_error, "");
    assert_eq!(store.pending_routes().unwrap(), vec![(id, "IB".to_owned())]);
    let d = store.disposition(id).unwrap().unwrap();
    assert_eq!(d.disposition, Disposition::Received);
    assert_eq!(d.detail, "");
}

#[tokio::test]
async fn a_broken_frame_is_stored_as_received_with_its_error_and_never_routed() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    let raw = b"MSH|^~\\&|LAB\rnot a segment\r".to_vec();
    let error = Message::parse(raw.clone()).unwrap_err();
    let id = receive(
        &store,
        messagefoundry::store::Incoming {
            inbound: Arc::from("IB"),
            raw: raw.clone().into(),
            info: MessageInfo::broken("IB", now_micros(), &error),
            refused: Some(format!("not HL7: {error}")),
            dedupe: None,
            index: Vec::new(),
        },
    )
    .await;
    let (info, stored) = store.read_message(id).unwrap().unwrap();
    assert_eq!(stored, raw);
    assert_eq!(info.parse_state, ParseState::Broken);
    assert_eq!(info.parse_error, error.to_string());
    assert!(store.pending_routes().unwrap().is_empty());
    let d = store.disposition(id).unwrap().unwrap();
    assert_eq!(d.disposition, Disposition::Error);
    assert_eq!(d.detail, format!("not HL7: {error}"));
}

#[tokio::test]
async fn a_refused_message_is_an_error_with_its_reason_and_is_not_routed() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    let mut refused = incoming("C1");
    refused.refused = Some("header incomplete: MSH-10 is empty".into());
    let id = receive(&store, refused).await;
    let kept = receive(&store, incoming("C2")).await;
    assert_eq!(store.read_message(id).unwrap().unwrap().0.control_id, "C1");
    let d = store.disposition(id).unwrap().unwrap();
    assert_eq!(d.disposition, Disposition::Error);
    assert_eq!(d.detail, "header incomplete: MSH-10 is empty");
    assert_eq!(
        store.pending_routes().unwrap(),
        vec![(kept, "IB".to_owned())]
    );
}

#[tokio::test]
async fn duplicates_are_those_of_the_same_inbound_and_sender_within_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    let now = now_micros();
    let window = 60_000_000;
    let first = receive(
        &store,
        deduped(incoming_at("IB", &oru_text("D1"), now), window),
    )
    .await;

    let again = store
        .receive(deduped(incoming_at("IB", &oru_text("D1"), now + 1), window))
        .await
        .unwrap();
    assert_eq!(again.duplicate_of, Some(first));
    let d = store.disposition(again.id).unwrap().unwrap();
    assert_eq!(d.disposition, Disposition::Filtered);
    assert_eq!(d.detail, format!("duplicate of {first}"));
    // The duplicate is stored all the same, as received.
    assert_eq!(
        store.read_message(again.id).unwrap().unwrap().1,
        oru_text("D1").as_bytes()
    );

    // Another inbound, another sending application, or later than the window: not duplicates.
    let other_inbound = deduped(incoming_at("IB2", &oru_text("D1"), now + 2), window);
    let other_sender = deduped(
        incoming_at("IB", &oru_text("D1").replacen("|LAB|", "|LIS|", 1), now + 3),
        window,
    );
    let late = deduped(incoming_at("IB", &oru_text("D1"), now + window + 1), window);
    for incoming in [other_inbound, other_sender, late] {
        let received = store.receive(incoming).await.unwrap();
        assert_eq!(received.duplicate_of, None, "{}", received.id);
    }
    // Without duplicate detection the same control ID is simply another message.
    let plain = store.receive(incoming("D1")).await.unwrap();
    assert_eq!(plain.duplicate_of, None);
    assert_eq!(store.pending_routes().unwrap().len(), 5);
    assert!(
        !store
            .pending_routes()
            .unwrap()
            .iter()
            .any(|(id, _)| *id == again.id)
    );
}

#[tokio::test]
async fn ids_grow_in_the_order_messages_are_answered() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    let mut last = MessageId(0);
    for n in 0..5 {
        let id = receive(&store, incoming(&format!("N{n}"))).await;
        assert!(id > last, "{id} after {last}");
        last = id;
    }
    let oldest_first: Vec<MessageId> = store
        .pending_routes()
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(oldest_first, (1..=5).map(MessageId).collect::<Vec<_>>());
}

/// Names the store file of the crashing half below.
const CRASH_DB: &str = "STORE_INTAKE_CRASH_DB";
/// How many messages the crashing half stores before it aborts.
const CRASH_MESSAGES: usize = 20;

/// Stores messages one after another, prints each id once the store has answered, and aborts
/// the process right after the last answer: no shutdown, no destructor.
#[test]
#[ignore = "the crashing half of answered_messages_survive_a_crash, which runs it in a child process"]
fn receive_then_abort() {
    use std::io::Write;
    // Run on its own (`--ignored`), it has no store to crash on.
    let Some(path) = std::env::var_os(CRASH_DB) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = Store::open(&path).unwrap();
        for n in 0..CRASH_MESSAGES {
            let id = receive(&store, incoming(&format!("K{n}"))).await;
            let mut out = std::io::stdout().lock();
            writeln!(out, "ANSWERED {} K{n}", id.0).unwrap();
            out.flush().unwrap();
        }
        std::process::abort();
    });
}

#[test]
fn answered_messages_survive_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.redb");
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "receive_then_abort",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CRASH_DB, &path)
        .output()
        .unwrap();
    assert!(!child.status.success(), "the child was to abort");
    let stdout = String::from_utf8(child.stdout).unwrap();
    let answered: Vec<(u64, String)> = stdout
        .lines()
        // libtest writes "test receive_then_abort ... " before the first line.
        .filter_map(|l| l.split_once("ANSWERED ").map(|(_, rest)| rest))
        .map(|l| {
            let (id, control) = l.split_once(' ').unwrap();
            (id.parse().unwrap(), control.to_owned())
        })
        .collect();
    assert_eq!(answered.len(), CRASH_MESSAGES, "{stdout}");

    let store = Store::open(&path).unwrap();
    for (id, control) in &answered {
        let (info, raw) = store
            .read_message(MessageId(*id))
            .unwrap()
            .unwrap_or_else(|| panic!("message #{id} was answered and is gone"));
        assert_eq!(&info.control_id, control);
        assert_eq!(raw, oru_text(control).as_bytes());
    }
    assert_eq!(store.pending_routes().unwrap().len(), CRASH_MESSAGES);
    store.shutdown();
}
