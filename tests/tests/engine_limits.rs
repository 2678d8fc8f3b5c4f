//! The listener's limits over loopback: a frame that never ends, an idle connection, and more
//! connections than the cap. Each is closed; the listener goes on serving.

use std::net::SocketAddr;
use std::time::Duration;

use messagefoundry::engine::{Engine, EngineConfig};
use messagefoundry::interface::MllpListen;
use messagefoundry::interface::environment::{InboundSettings, OutboundSettings};
use messagefoundry_tests::lab::{IB_Lab_ORU, OB_EHR_ORU};
use messagefoundry_tests::{Client, ack_code, oru};

async fn start(db: &std::path::Path, max_connections: usize) -> (Engine, SocketAddr) {
    let mut inbound = InboundSettings::from(&MllpListen {
        bind: "127.0.0.1",
        max_connections,
        frame_timeout: Duration::from_millis(200),
        idle_timeout: Duration::from_millis(400),
        ..MllpListen::DEFAULT
    });
    inbound.port = 0;
    let engine = Engine::start(EngineConfig {
        db: db.to_path_buf(),
        inbounds: vec![(IB_Lab_ORU, inbound)],
        outbounds: vec![(OB_EHR_ORU, OutboundSettings::from(&OB_EHR_ORU.def().mllp))],
        retention: None,
    })
    .await
    .expect("engine starts");
    let addr = engine.addresses()[0].1;
    (engine, addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_frames_and_idle_connections_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, addr) = start(&dir.path().join("s.redb"), 8).await;

    // A frame that starts and never ends: closed after the frame timeout, nothing answered.
    let mut stalled = Client::connect(addr).await.unwrap();
    stalled.write_raw(b"\x0bMSH|^~\\&|LIS|LAB").await.unwrap();
    assert_eq!(stalled.receive().await.unwrap(), None);

    // A quiet connection outlives the frame timeout (it is only idle, not stalled)...
    let mut quiet = Client::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ack = quiet.exchange(&oru("Q1", "F")).await.unwrap().unwrap();
    assert_eq!(ack_code(&ack), "AA");

    // ...and a connection that sends nothing is closed after the idle timeout.
    let mut idle = Client::connect(addr).await.unwrap();
    assert_eq!(idle.receive().await.unwrap(), None);

    // The listener still serves.
    let mut client = Client::connect(addr).await.unwrap();
    let ack = client.exchange(&oru("T1", "F")).await.unwrap().unwrap();
    assert_eq!(ack_code(&ack), "AA");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_cap_are_refused_and_the_others_served() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, addr) = start(&dir.path().join("s.redb"), 1).await;
    let mut first = Client::connect(addr).await.unwrap();
    assert_eq!(
        ack_code(&first.exchange(&oru("C1", "F")).await.unwrap().unwrap()),
        "AA"
    );

    // A second connection while the first is open is closed without an answer.
    let mut second = Client::connect(addr).await.unwrap();
    let _ = second.send(&oru("C2", "F")).await;
    assert_eq!(second.receive().await.unwrap_or(None), None);

    // The first is still served; once it closes, a new one is accepted.
    assert_eq!(
        ack_code(&first.exchange(&oru("C3", "F")).await.unwrap().unwrap()),
        "AA"
    );
    drop(first);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut third = Client::connect(addr).await.unwrap();
    assert_eq!(
        ack_code(&third.exchange(&oru("C4", "F")).await.unwrap().unwrap()),
        "AA"
    );
    engine.shutdown().await;
}
