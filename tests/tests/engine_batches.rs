//! Batches over MLLP, on real loopback sockets: a frame holding a batch (or a file of batches,
//! or messages one after another) is stored in one commit and answered with one acknowledgment
//! batch; bad batches are refused whole without harming the connection or others; an outbound
//! in batch mode settles each message by the downstream's acknowledgment batch. The
//! interface is the lab example's: ORU^R01 with OBR-25 F goes to the EHR, X is filtered, E is
//! an ERROR, anything else is unrouted.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use messagefoundry::config::InboundSettings;
use messagefoundry::engine::Engine;
use messagefoundry::interface::{AckMode, Disposition, MllpListen};
use messagefoundry::store::{Incoming, MessageId, MessageInfo, Store};
use messagefoundry_tests::lab::{ehr_at, ehr_down};
use messagefoundry_tests::{Client, adt, oru, read_stored, settled, stored_disposition};

fn inbound(mode: AckMode, dedupe: Option<Duration>) -> InboundSettings {
    let mut s = InboundSettings::from(&MllpListen {
        bind: "127.0.0.1",
        ack_mode: mode,
        duplicate_window: dedupe,
        ..MllpListen::DEFAULT
    });
    s.port = 0;
    s
}

async fn start(db: &Path, inbound: InboundSettings) -> (Engine, SocketAddr) {
    let engine = messagefoundry_tests::lab::start(db, inbound, ehr_down()).await;
    let addr = engine.addresses()[0].1;
    (engine, addr)
}

/// A batch from the lab: BHS (BHS-11 `id`), the messages, BTS with `count`.
fn batch(id: &str, messages: &[Vec<u8>], count: usize) -> Vec<u8> {
    let mut out = format!("BHS|^~\\&|LIS|LAB|EHR|HOSP|20261124083000||||{id}\r").into_bytes();
    for m in messages {
        out.extend_from_slice(m);
    }
    out.extend_from_slice(format!("BTS|{count}\r").as_bytes());
    out
}

/// The segments of a frame, as text.
fn segments(frame: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(frame)
        .split('\r')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Field `n` of the first segment named `name` (numbered as for MSH: the separator is field 1).
fn field(frame: &[u8], name: &str, n: usize) -> String {
    segments(frame)
        .iter()
        .find(|s| s.starts_with(name))
        .and_then(|s| s.split('|').nth(n - 1).map(str::to_owned))
        .unwrap_or_default()
}

/// MSA-1 and MSA-2 of every ACK in an answer, in order.
fn acks(frame: &[u8]) -> Vec<(String, String)> {
    segments(frame)
        .iter()
        .filter(|s| s.starts_with("MSA|"))
        .map(|s| {
            let f: Vec<&str> = s.split('|').collect();
            (f[1].to_owned(), f.get(2).copied().unwrap_or("").to_owned())
        })
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(c, i)| ((*c).to_owned(), (*i).to_owned()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_is_stored_and_answered_with_one_acknowledgment_batch() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, addr) = start(&dir.path().join("s.redb"), inbound(AckMode::Original, None)).await;
    let mut client = Client::connect(addr).await.unwrap();
    let members = [oru("C1", "F"), oru("C2", "X"), adt("C3")];
    let answer = client
        .exchange(&batch("B1", &members, 3))
        .await
        .unwrap()
        .unwrap();

    assert!(answer.starts_with(b"BHS|^~\\&|EHR|HOSP|LIS|LAB|"));
    assert_eq!(field(&answer, "BHS|", 12), "B1", "BHS-12 names the batch");
    assert_eq!(field(&answer, "BTS|", 2), "3", "BTS-1 counts the ACKs");
    assert_eq!(
        acks(&answer),
        pairs(&[("AA", "C1"), ("AA", "C2"), ("AA", "C3")])
    );
    // Each message is stored alone, byte for byte, and routed as itself, in order.
    let store = engine.store().clone();
    for (n, member) in members.iter().enumerate() {
        let (info, raw) = read_stored(&store, MessageId(n as u64 + 1)).await.unwrap();
        assert_eq!(&raw, member);
        assert_eq!(info.control_id, format!("C{}", n + 1));
    }
    assert_eq!(settled(&store, MessageId(1)).await, Disposition::Processed);
    assert_eq!(settled(&store, MessageId(2)).await, Disposition::Filtered);
    assert_eq!(settled(&store, MessageId(3)).await, Disposition::Unrouted);
    assert_eq!(engine.handle().metrics().inbounds[0].received.get(), 3);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_messages_of_a_batch_are_committed_together() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("s.redb")).unwrap();
    let incoming = |id: &str| {
        let raw = oru(id, "F");
        let msg = messagefoundry::hl7::Message::parse(raw.clone()).unwrap();
        Incoming {
            inbound: "IB".into(),
            info: MessageInfo::of("IB", 1, &msg),
            raw: raw.into(),
            refused: None,
            dedupe: None,
            index: Vec::new(),
        }
    };
    let before = store.commit_count().await.unwrap();
    let received = store
        .receive_all((1..=50).map(|n| incoming(&format!("M{n}"))).collect())
        .await
        .unwrap();
    let after = store.commit_count().await.unwrap();
    assert_eq!(after - before, 1, "fifty messages, one commit");
    let ids: Vec<u64> = received.iter().map(|r| r.id.0).collect();
    assert_eq!(ids, (1..=50).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_of_batches_and_runs_of_messages_are_answered_in_their_shape() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, addr) = start(&dir.path().join("s.redb"), inbound(AckMode::Original, None)).await;
    let mut client = Client::connect(addr).await.unwrap();

    let mut file = b"FHS|^~\\&|LIS|LAB|EHR|HOSP|20261124083000||||F1\r".to_vec();
    file.extend(batch("B1", &[oru("D1", "F"), oru("D2", "F")], 2));
    file.extend(batch("B2", &[oru("D3", "F")], 1));
    file.extend_from_slice(b"FTS|2\r");
    let answer = client.exchange(&file).await.unwrap().unwrap();
    let names: Vec<String> = segments(&answer)
        .iter()
        .map(|s| s[..3].to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "FHS", "BHS", "MSH", "MSA", "MSH", "MSA", "BTS", "BHS", "MSH", "MSA", "BTS", "FTS"
        ]
    );
    assert_eq!(field(&answer, "FHS|", 12), "F1");
    assert_eq!(field(&answer, "FTS|", 2), "2");
    let bhs: Vec<String> = segments(&answer)
        .into_iter()
        .filter(|s| s.starts_with("BHS|"))
        .map(|s| s.split('|').nth(11).unwrap_or("").to_owned())
        .collect();
    assert_eq!(bhs, ["B1", "B2"]);

    // Messages one after another, with no envelope: their ACKs one after another.
    let mut run = oru("D4", "F");
    run.extend(adt("D5"));
    let answer = client.exchange(&run).await.unwrap().unwrap();
    assert!(answer.starts_with(b"MSH|"));
    assert_eq!(acks(&answer), pairs(&[("AA", "D4"), ("AA", "D5")]));
    let store = engine.store().clone();
    assert_eq!(settled(&store, MessageId(5)).await, Disposition::Unrouted);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_with_a_wrong_count_is_refused_whole_and_nobody_else_notices() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, addr) = start(&dir.path().join("s.redb"), inbound(AckMode::Original, None)).await;
    let mut other = Client::connect(addr).await.unwrap();
    let mut client = Client::connect(addr).await.unwrap();
    let bad = batch("B9", &[oru("E1", "F"), oru("E2", "F")], 5);
    let answer = client.exchange(&bad).await.unwrap().unwrap();
    assert_eq!(field(&answer, "BHS|", 12), "B9");
    assert_eq!(acks(&answer), pairs(&[("AR", "E1"), ("AR", "E2")]));
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.contains("BTS-1 says 5 but 2 were found"),
        "the reason is given: {text}"
    );
    assert!(!text.contains("Testpatient"), "no patient data echoed");

    // Stored whole, as received, as one ERROR; none of it routed.
    let store = engine.store().clone();
    let (_, raw) = read_stored(&store, MessageId(1)).await.unwrap();
    assert_eq!(raw, bad);
    let refused = stored_disposition(&store, MessageId(1)).await.unwrap();
    assert_eq!(refused.disposition, Disposition::Error);
    assert!(refused.detail.starts_with("batch refused: BTS-1 says 5"));

    // The same connection and another one go on as before.
    let ack = client.exchange(&oru("E3", "F")).await.unwrap().unwrap();
    assert_eq!(acks(&ack), pairs(&[("AA", "E3")]));
    let ack = other.exchange(&oru("E4", "F")).await.unwrap().unwrap();
    assert_eq!(acks(&ack), pairs(&[("AA", "E4")]));
    assert_eq!(settled(&store, MessageId(2)).await, Disposition::Processed);

    // A batch whose envelope is broken (a BHS inside a message) is refused the same way.
    let mut broken = oru("E5", "F");
    broken.extend_from_slice(b"BHS|^~\\&\r");
    broken.extend(oru("E6", "F"));
    let broken = batch("B10", &[broken], 1);
    let answer = client.exchange(&broken).await.unwrap().unwrap();
    assert!(answer.starts_with(b"BHS|"));
    assert_eq!(acks(&answer).len(), 1);
    assert_eq!(acks(&answer)[0].0, "AR");
    let refused = stored_disposition(&store, MessageId(4)).await.unwrap();
    assert_eq!(refused.disposition, Disposition::Error);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_message_in_a_batch_is_refused_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, addr) = start(&dir.path().join("s.redb"), inbound(AckMode::Original, None)).await;
    let mut client = Client::connect(addr).await.unwrap();
    let no_control_id = oru("", "F");
    let bad_delimiters =
        b"MSH|^^\\&|LIS|LAB|EHR|HOSP|20261124083000||ORU^R01|G3|P|2.5.1\r".to_vec();
    let members = [
        oru("G1", "F"),
        no_control_id,
        bad_delimiters,
        oru("G4", "F"),
    ];
    let answer = client
        .exchange(&batch("B2", &members, 4))
        .await
        .unwrap()
        .unwrap();
    let codes: Vec<String> = acks(&answer).into_iter().map(|(c, _)| c).collect();
    assert_eq!(codes, ["AA", "AR", "AR", "AA"]);
    let store = engine.store().clone();
    assert_eq!(settled(&store, MessageId(1)).await, Disposition::Processed);
    assert_eq!(settled(&store, MessageId(2)).await, Disposition::Error);
    assert_eq!(settled(&store, MessageId(3)).await, Disposition::Error);
    assert_eq!(settled(&store, MessageId(4)).await, Disposition::Processed);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicates_within_and_across_batches_are_answered_and_not_routed_again() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, addr) = start(
        &dir.path().join("s.redb"),
        inbound(AckMode::Original, Some(Duration::from_secs(3600))),
    )
    .await;
    let mut client = Client::connect(addr).await.unwrap();
    let members = [oru("H1", "F"), oru("H1", "F")];
    let answer = client
        .exchange(&batch("B3", &members, 2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(acks(&answer), pairs(&[("AA", "H1"), ("AA", "H1")]));
    let answer = client
        .exchange(&batch("B3", &members[..1], 1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(acks(&answer), pairs(&[("AA", "H1")]));
    let store = engine.store().clone();
    assert_eq!(settled(&store, MessageId(1)).await, Disposition::Processed);
    for id in [2, 3] {
        let d = stored_disposition(&store, MessageId(id)).await.unwrap();
        assert_eq!(
            (d.disposition, d.detail.as_str()),
            (Disposition::Filtered, "duplicate of #1")
        );
    }
    assert_eq!(engine.handle().metrics().inbounds[0].duplicates.get(), 2);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_processing_the_batch_is_answered_once_every_message_is_processed() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, addr) = start(
        &dir.path().join("s.redb"),
        inbound(AckMode::AfterProcessing, None),
    )
    .await;
    let mut client = Client::connect(addr).await.unwrap();
    let answer = client
        .exchange(&batch("B4", &[oru("J1", "F"), oru("J2", "E")], 2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(acks(&answer), pairs(&[("AA", "J1"), ("AE", "J2")]));
    engine.shutdown().await;
}

/// The downstream is python-hl7 answering each batch with an acknowledgment batch: AA, but AE
/// the first time for a control ID starting "AE" and AR for one starting "AR".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outbound_in_batch_mode_settles_each_message_by_the_acknowledgment_batch() {
    use messagefoundry_tests::python;
    python::require("hl7", "hl7");
    let python::Listening {
        child: mut downstream,
        mut lines,
        port,
    } = python::listening("peer.py", &["receive-batch", "0", "6"]);

    let dir = tempfile::tempdir().unwrap();
    let mut outbound = ehr_at(port);
    outbound.batch = Some(10);
    outbound.batch_wait = Duration::from_millis(300);
    outbound.retry.initial_backoff = Duration::from_millis(50);
    let engine = messagefoundry_tests::lab::start(
        &dir.path().join("s.redb"),
        inbound(AckMode::Original, None),
        outbound,
    )
    .await;
    let mut client = Client::connect(engine.addresses()[0].1).await.unwrap();
    let ids = ["K1", "AE2", "K3", "AR4", "K5"];
    let members: Vec<Vec<u8>> = ids.iter().map(|id| oru(id, "F")).collect();
    let answer = client
        .exchange(&batch("B5", &members, 5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(acks(&answer).len(), 5);

    let received = tokio::task::spawn_blocking(move || {
        (&mut lines)
            .take(6)
            .map(|l| l.expect("a line"))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    // One batch of five in queue order, then the one answered AE again.
    assert_eq!(
        received,
        ["K1", "AE2", "K3", "AR4", "K5", "AE2"].map(|id| format!("RECEIVED {id}"))
    );
    let store = engine.store().clone();
    let deadline = std::time::Instant::now() + messagefoundry_tests::PATIENCE;
    loop {
        let s = store.clone();
        let left = tokio::task::spawn_blocking(move || s.queue_len("OB_EHR_ORU").unwrap())
            .await
            .unwrap();
        if left == 0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{left} still queued");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let s = store.clone();
    let dead = tokio::task::spawn_blocking(move || s.dead_letters(Some("OB_EHR_ORU")).unwrap())
        .await
        .unwrap();
    assert_eq!(dead.len(), 1, "AR4 alone is dead-lettered");
    assert_eq!(dead[0].message, MessageId(4));
    assert!(dead[0].reason.starts_with("AR (rejected)"));
    let status = tokio::task::spawn_blocking(move || downstream.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success());
    engine.shutdown().await;
}

/// python-hl7 sends a batch as one frame and reads the answer with its own batch parser.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_hl7_sends_a_batch_and_reads_the_acknowledgment_batch() {
    use messagefoundry_tests::python;
    python::require("hl7", "hl7");
    let dir = tempfile::tempdir().unwrap();
    let (engine, addr) = start(&dir.path().join("s.redb"), inbound(AckMode::Original, None)).await;
    // A batch from python-hl7's own samples, with BHS-11 set: its one message, and one of ours.
    let sample = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../corpus/python-hl7/batch_bhs_bts_adt_a04_1msg.hl7"),
    )
    .unwrap();
    let message = segments(&sample)
        .into_iter()
        .filter(|s| !s.starts_with("BHS") && !s.starts_with("BTS"))
        .map(|s| s + "\r")
        .collect::<String>()
        .into_bytes();
    let file = dir.path().join("batch.hl7");
    std::fs::write(&file, batch("PYB", &[message, oru("P2", "F")], 2)).unwrap();
    let script = python::script("peer.py");
    let port = addr.port().to_string();
    let sent = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python::python())
            .arg(script)
            .args(["send-batch", &port])
            .arg(&file)
            .output()
            .expect("python runs")
    })
    .await
    .unwrap();
    let out = String::from_utf8_lossy(&sent.stdout).into_owned();
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "BATCH PYB 2");
    assert!(lines[1].starts_with("ACK AA "), "{out}");
    assert_eq!(lines[2], "ACK AA P2");
    assert_eq!(lines.len(), 3);
    engine.shutdown().await;
}
