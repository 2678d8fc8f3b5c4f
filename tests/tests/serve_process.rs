//! `serve` as a process: SIGTERM lets a frame in flight finish, answers it, and exits 0 with
//! everything acknowledged in the store.

#![cfg(unix)]

use std::time::Duration;

use messagefoundry::hl7::Message;
use messagefoundry::store::{MessageId, Store};
use messagefoundry_tests::process::serve;
use messagefoundry_tests::{Client, ack_code, ack_control_id, oru};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_frame_in_flight_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = serve(env!("CARGO_BIN_EXE_lab-serve"), dir.path(), None);
    let mut client = Client::connect(engine.addr).await.unwrap();
    for id in ["T1", "T2", "T3"] {
        let ack = client.exchange(&oru(id, "F")).await.unwrap().unwrap();
        assert_eq!(ack_code(&ack), "AA");
    }
    // Half a frame, then the signal, then the rest.
    let tail = client.send_half(&oru("T4", "F")).await.unwrap();
    engine.terminate();
    tokio::time::sleep(Duration::from_millis(300)).await;
    client.write_raw(&tail).await.unwrap();
    let ack = client
        .receive()
        .await
        .unwrap()
        .expect("the frame in flight is answered");
    assert_eq!(
        (ack_code(&ack), ack_control_id(&ack)),
        ("AA".into(), "T4".into())
    );
    assert_eq!(
        client.receive().await.unwrap(),
        None,
        "then the connection closes"
    );
    assert_eq!(engine.exit_status().await.code(), Some(0));

    let db = engine.db.clone();
    let stored = tokio::task::spawn_blocking(move || {
        let store = Store::open(&db).expect("the store opens");
        let ids: Vec<String> = (1..=4)
            .filter_map(|n| store.read_message(MessageId(n)).unwrap())
            .map(|(_, raw)| Message::parse(raw).unwrap().control_id().to_string())
            .collect();
        store.shutdown();
        ids
    })
    .await
    .unwrap();
    assert_eq!(stored, ["T1", "T2", "T3", "T4"]);
}

#[test]
fn require_tls_refuses_to_start_with_plaintext_off_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let environments = dir.path().join("environments");
    std::fs::create_dir(&environments).unwrap();
    std::fs::write(
        environments.join("prod.toml"),
        "[inbound.IB_Lab_ORU]\nbind = \"0.0.0.0\"\nport = 0\nplaintext = \"allow\"\n",
    )
    .unwrap();
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_lab-serve"))
        .args(["serve", "--require-tls", "--env", "prod", "--db"])
        .arg(dir.path().join("p.redb"))
        .arg("--environments")
        .arg(&environments)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("plaintext"));
    assert!(refused.stdout.is_empty(), "it started listening");
    assert!(!dir.path().join("p.redb").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_reach_a_running_serve_and_a_replay_is_delivered_at_once() {
    use messagefoundry_tests::downstream::{Downstream, Reply};
    use std::sync::Arc;
    let binary = env!("CARGO_BIN_EXE_lab-serve");
    let dir = tempfile::tempdir().unwrap();
    // The EHR rejects the first delivery and accepts the replay.
    let down = Downstream::start(Arc::new(|_, seen| {
        if seen == 0 {
            Reply::Ack("AR")
        } else {
            Reply::Ack("AA")
        }
    }))
    .await;
    let mut engine =
        messagefoundry_tests::process::serve_to(binary, dir.path(), None, down.addr.port());
    let mut client = Client::connect(engine.addr).await.unwrap();
    let ack = client.exchange(&oru("R1", "F")).await.unwrap().unwrap();
    assert_eq!(ack_code(&ack), "AA");

    let engine_ref = &engine;
    let deadline = std::time::Instant::now() + messagefoundry_tests::PATIENCE;
    let seq = loop {
        let (code, out) = engine_ref.messages(binary, &["dead-letters"]);
        assert_eq!(code, Some(0), "{out}");
        if let Some(line) = out.lines().next() {
            assert!(line.contains("AR (rejected)"), "{out}");
            break line.split_whitespace().nth(1).unwrap().to_owned();
        }
        assert!(std::time::Instant::now() < deadline, "never dead-lettered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let (code, out) = engine.messages(binary, &["replay", "OB_EHR_ORU", &seq]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("queued again on OB_EHR_ORU"), "{out}");
    // Sent at once, not at the sender's next idle look (5 s).
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while down.control_ids().len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the replay was not sent"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (code, out) = engine.messages(binary, &["list"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("R1  PROCESSED"), "{out}");
    let deadline = std::time::Instant::now() + messagefoundry_tests::PATIENCE;
    loop {
        let (code, out) = engine.messages(binary, &["queues"]);
        assert_eq!(code, Some(0), "{out}");
        // The delivery is recorded just after the ACK.
        if out.starts_with("OB_EHR_ORU  queued 0  dead letters 0  connected  delivered 1") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{out}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let socket = {
        let mut name = engine.db.clone().into_os_string();
        name.push(".sock");
        std::path::PathBuf::from(name)
    };
    assert!(socket.exists());
    engine.terminate();
    assert_eq!(engine.exit_status().await.code(), Some(0));
    assert!(!socket.exists(), "the control socket was left behind");
    // Stopped: the same command opens the store itself.
    let (code, out) = engine.messages(binary, &["list"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("R1  PROCESSED"), "{out}");
}
