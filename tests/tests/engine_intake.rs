//! The engine over real loopback sockets: intake, acknowledgments, dispositions, bad input, and
//! recovery of messages stored before a restart. The interface is the one of the lab example.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use messagefoundry::config::InboundSettings;
use messagefoundry::engine::{Engine, EngineConfig};
use messagefoundry::hl7::Message;
use messagefoundry::interface::{AckMode, Disposition, MllpListen};
use messagefoundry::store::{Incoming, MessageId, MessageInfo, Store};
use messagefoundry_tests::{
    Client, ack_code, ack_control_id, adt, oru, read_stored, settled, stored_disposition,
};

use messagefoundry_tests::lab::{IB_Lab_ORU, OB_EHR_ORU, ehr_down};

fn settings(mode: AckMode, max_frame: usize, dedupe: Option<Duration>) -> InboundSettings {
    let mut s = InboundSettings::from(&MllpListen {
        bind: "127.0.0.1",
        port: 0,
        max_frame,
        ack_mode: mode,
        duplicate_window: dedupe,
        ..MllpListen::DEFAULT
    });
    s.port = 0;
    s
}

async fn start(db: &Path, inbound: InboundSettings) -> (Engine, SocketAddr) {
    start_with_retention(db, inbound, None).await
}

async fn start_with_retention(
    db: &Path,
    inbound: InboundSettings,
    retention: Option<Duration>,
) -> (Engine, SocketAddr) {
    let engine = Engine::start(EngineConfig {
        db: db.to_path_buf(),
        inbounds: vec![(IB_Lab_ORU, inbound)],
        // The EHR is down: results wait in its queue.
        outbounds: vec![(OB_EHR_ORU, ehr_down())],
        file_inbounds: Vec::new(),
        file_outbounds: Vec::new(),
        retention,
        store_keys: Default::default(),
    })
    .await
    .expect("engine starts");
    let addr = engine.addresses()[0].1;
    (engine, addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_interface_acks_and_routes() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, addr) = start(
        &dir.path().join("s.redb"),
        settings(AckMode::Original, 1 << 20, None),
    )
    .await;
    let mut client = Client::connect(addr).await.unwrap();

    let ack = client.exchange(&oru("C1", "F")).await.unwrap().unwrap();
    assert_eq!(
        (ack_code(&ack), ack_control_id(&ack)),
        ("AA".into(), "C1".into())
    );
    let ack = client.exchange(&adt("C2")).await.unwrap().unwrap();
    assert_eq!(
        (ack_code(&ack), ack_control_id(&ack)),
        ("AA".into(), "C2".into())
    );
    let ack = client.exchange(&oru("C3", "X")).await.unwrap().unwrap();
    assert_eq!(ack_code(&ack), "AA");

    let store = engine.store().clone();
    assert_eq!(settled(&store, MessageId(1)).await, Disposition::Processed);
    assert_eq!(settled(&store, MessageId(2)).await, Disposition::Unrouted);
    assert_eq!(settled(&store, MessageId(3)).await, Disposition::Filtered);
    let store2 = store.clone();
    let queued = tokio::task::spawn_blocking(move || store2.queue_head("OB_EHR_ORU", 10))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].payload, oru("C1", "F"));
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_leaves_the_connection_working() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, addr) = start(
        &dir.path().join("s.redb"),
        settings(AckMode::Original, 4096, None),
    )
    .await;
    let mut client = Client::connect(addr).await.unwrap();
    // Garbage before a frame is discarded; the frame after it is answered.
    client.write_raw(b"\x00\x01 noise \r\n").await.unwrap();
    let ack = client.exchange(&oru("G1", "F")).await.unwrap().unwrap();
    assert_eq!(ack_code(&ack), "AA");
    // A frame that is not HL7 is stored and rejected with an ERR segment.
    let ack = client.exchange(b"this is not HL7").await.unwrap().unwrap();
    assert_eq!(ack_code(&ack), "AR");
    assert!(String::from_utf8_lossy(&ack).contains("\rERR|"));
    // HL7 with a broken segment: AR, naming the byte offset, not the content.
    let ack = client
        .exchange(b"MSH|^~\\&|A|B|C|D|2024||ORU^R01|B2|P|2.5.1\rP1|secret\r")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (ack_code(&ack), ack_control_id(&ack)),
        ("AR".into(), "B2".into())
    );
    assert!(!String::from_utf8_lossy(&ack).contains("secret"));
    // An oversize frame is refused while it arrives, and the connection goes on.
    let mut big = oru("BIG", "F");
    big.resize(100_000, b'x');
    let ack = client.exchange(&big).await.unwrap().unwrap();
    assert_eq!(ack_code(&ack), "AR");
    let ack = client.exchange(&oru("G2", "F")).await.unwrap().unwrap();
    assert_eq!(
        (ack_code(&ack), ack_control_id(&ack)),
        ("AA".into(), "G2".into())
    );
    // A partial frame at EOF is never a message; the next connection works.
    client.write_raw(b"\x0bMSH|^~\\&|half").await.unwrap();
    drop(client);
    let mut next = Client::connect(addr).await.unwrap();
    let ack = next.exchange(&oru("G3", "F")).await.unwrap().unwrap();
    assert_eq!(ack_code(&ack), "AA");

    let broken = stored_disposition(engine.store(), MessageId(2))
        .await
        .expect("a disposition");
    assert_eq!(broken.disposition, Disposition::Error);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_processing_and_enhanced_modes() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, addr) = start(
        &dir.path().join("a.redb"),
        settings(AckMode::AfterProcessing, 1 << 20, None),
    )
    .await;
    let mut client = Client::connect(addr).await.unwrap();
    let ack = client.exchange(&oru("P1", "F")).await.unwrap().unwrap();
    assert_eq!(ack_code(&ack), "AA");
    let ack = client.exchange(&oru("P2", "E")).await.unwrap().unwrap();
    assert_eq!(ack_code(&ack), "AE");
    assert!(String::from_utf8_lossy(&ack).contains("result status E is not accepted"));
    engine.shutdown().await;

    let (engine, addr) = start(
        &dir.path().join("e.redb"),
        settings(AckMode::Enhanced, 1 << 20, None),
    )
    .await;
    let mut client = Client::connect(addr).await.unwrap();
    let ack = client.exchange(&oru("E1", "F")).await.unwrap().unwrap();
    assert_eq!(ack_code(&ack), "CA");
    // MSH-15 and MSH-16 = NE: nothing is sent; the next message is still answered.
    client
        .send(&enhanced(oru("E2", "F"), "NE", "NE"))
        .await
        .unwrap();
    let ack = client.exchange(&oru("E3", "F")).await.unwrap().unwrap();
    assert_eq!(
        (ack_code(&ack), ack_control_id(&ack)),
        ("CA".into(), "E3".into())
    );
    engine.shutdown().await;
}

/// The message with MSH-15 and MSH-16 set.
fn enhanced(message: Vec<u8>, accept: &str, application: &str) -> Vec<u8> {
    let text = String::from_utf8(message).expect("test messages are UTF-8");
    let fields = format!("|P|2.5.1|||{accept}|{application}\r");
    assert!(text.contains("|P|2.5.1\r"));
    text.replacen("|P|2.5.1\r", &fields, 1).into_bytes()
}

/// Reads acknowledgments as (MSA-1, MSA-2) until the one given has arrived.
async fn answers_until(client: &mut Client, code: &str, control_id: &str) -> Vec<(String, String)> {
    let mut seen = Vec::new();
    loop {
        let ack = client
            .receive()
            .await
            .expect("reading")
            .expect("an acknowledgment");
        let answer = (ack_code(&ack), ack_control_id(&ack));
        let last = answer.0 == code && answer.1 == control_id;
        seen.push(answer);
        if last {
            return seen;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enhanced_mode_sends_application_acks_as_msh_16_asks() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, addr) = start(
        &dir.path().join("e.redb"),
        settings(AckMode::Enhanced, 1 << 20, None),
    )
    .await;
    let mut client = Client::connect(addr).await.unwrap();
    // Each round sends its messages, (control ID, OBR-25, MSH-15, MSH-16), then reads the
    // answers, (MSA-1, MSA-2), up to the last one expected.
    type Round<'a> = (
        &'a [(&'a str, &'a str, &'a str, &'a str)],
        &'a [(&'a str, &'a str)],
    );
    let rounds: [Round<'_>; 4] = [
        // AL/AL: the accept acknowledgment at once, the application one after processing.
        (&[("A1", "F", "AL", "AL")], &[("CA", "A1"), ("AA", "A1")]),
        // ER: only an error is acknowledged by the application.
        (&[("A2", "E", "AL", "ER")], &[("CA", "A2"), ("AE", "A2")]),
        // NE/SU: no accept acknowledgment, the application one on success.
        (&[("A3", "F", "NE", "SU")], &[("AA", "A3")]),
        // SU on an error sends nothing after the accept acknowledgment. A4 is processed
        // before A5 and A6, so anything owed for it would have come before A6's answer.
        (
            &[
                ("A4", "E", "AL", "SU"),
                ("A5", "F", "AL", "ER"),
                ("A6", "F", "NE", "AL"),
            ],
            &[("CA", "A4"), ("CA", "A5"), ("AA", "A6")],
        ),
    ];
    for (sent, expected) in rounds {
        for (id, status, accept, application) in sent {
            let message = enhanced(oru(id, status), accept, application);
            client.send(&message).await.unwrap();
        }
        let (last_code, last_id) = expected[expected.len() - 1];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(code, id)| (code.to_string(), id.to_string()))
            .collect();
        assert_eq!(
            answers_until(&mut client, last_code, last_id).await,
            expected
        );
    }
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicates_are_answered_and_not_routed_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, addr) = start(
        &dir.path().join("d.redb"),
        settings(AckMode::Original, 1 << 20, Some(Duration::from_secs(600))),
    )
    .await;
    let mut client = Client::connect(addr).await.unwrap();
    assert_eq!(
        ack_code(&client.exchange(&oru("D1", "F")).await.unwrap().unwrap()),
        "AA"
    );
    assert_eq!(
        ack_code(&client.exchange(&oru("D1", "F")).await.unwrap().unwrap()),
        "AA"
    );
    let store = engine.store().clone();
    assert_eq!(settled(&store, MessageId(1)).await, Disposition::Processed);
    assert_eq!(settled(&store, MessageId(2)).await, Disposition::Filtered);
    let queued = tokio::task::spawn_blocking(move || store.queue_len("OB_EHR_ORU"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(queued, 1);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_stored_before_a_restart_are_routed_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.redb");
    // A previous run stored two messages and stopped before routing them.
    let store = Store::open(&db).unwrap();
    for (n, text) in [oru("R1", "F"), adt("R2")].into_iter().enumerate() {
        let msg = Message::parse(text.clone()).unwrap();
        store
            .receive(Incoming {
                inbound: Arc::from("IB_Lab_ORU"),
                raw: text.into(),
                info: MessageInfo::of("IB_Lab_ORU", n as u64, &msg),
                refused: None,
                dedupe: None,
                index: Vec::new(),
            })
            .await
            .unwrap();
    }
    tokio::task::spawn_blocking(move || store.shutdown())
        .await
        .unwrap();

    let (engine, _) = start(&db, settings(AckMode::Original, 1 << 20, None)).await;
    let store = engine.store().clone();
    assert_eq!(settled(&store, MessageId(1)).await, Disposition::Processed);
    assert_eq!(settled(&store, MessageId(2)).await, Disposition::Unrouted);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_deletes_finished_messages_and_keeps_queued_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, addr) = start_with_retention(
        &dir.path().join("k.redb"),
        settings(AckMode::Original, 1 << 20, None),
        Some(Duration::from_millis(200)),
    )
    .await;
    let mut client = Client::connect(addr).await.unwrap();
    // An admission is finished once unrouted; a result waits in the queue (the EHR is down).
    for message in [adt("K1"), oru("K2", "F")] {
        assert_eq!(
            ack_code(&client.exchange(&message).await.unwrap().unwrap()),
            "AA"
        );
    }
    let store = engine.store().clone();
    assert_eq!(settled(&store, MessageId(1)).await, Disposition::Unrouted);
    assert_eq!(settled(&store, MessageId(2)).await, Disposition::Processed);
    let deadline = Instant::now() + messagefoundry_tests::PATIENCE;
    loop {
        let left = read_stored(&store, MessageId(1)).await;
        if left.is_none() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the finished message was never deleted"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let queued = read_stored(&store, MessageId(2)).await;
    assert!(queued.is_some(), "a queued message was deleted");
    engine.shutdown().await;
}
