//! An independent MLLP implementation talks to the engine: python-hl7 (PyPI `hl7`) sends a
//! result to the engine's listener with its asyncio client, and receives the delivery as the
//! downstream with its asyncio server. `.ci/run` installs python-hl7; without it this test
//! fails and says how to install it.

use std::process::Command;
use std::time::Duration;

use messagefoundry::config::InboundSettings;
use messagefoundry::interface::MllpListen;
use messagefoundry_tests::{oru, python};

use messagefoundry_tests::lab::ehr_at;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_hl7_sends_to_the_engine_and_receives_from_it() {
    python::require("hl7", "hl7");

    // python-hl7's server is the downstream, on a port it picks and names.
    let python::Listening {
        child: mut downstream,
        mut lines,
        port,
    } = python::listening("peer.py", &["receive", "0", "1"]);

    let dir = tempfile::tempdir().unwrap();
    let mut inbound = InboundSettings::from(&MllpListen {
        bind: "127.0.0.1",
        ..MllpListen::DEFAULT
    });
    inbound.port = 0;
    let mut outbound = ehr_at(port);
    outbound.retry.initial_backoff = Duration::from_millis(50);
    let engine =
        messagefoundry_tests::lab::start(&dir.path().join("s.redb"), inbound, outbound).await;
    let engine_port = engine.addresses()[0].1.port();

    // python-hl7's client is the upstream.
    let message = dir.path().join("oru.hl7");
    std::fs::write(&message, oru("PY1", "F")).unwrap();
    let script = python::script("peer.py");
    let sent = tokio::task::spawn_blocking(move || {
        Command::new(python::python())
            .arg(script)
            .args(["send", &engine_port.to_string()])
            .arg(&message)
            .output()
            .expect("python runs")
    })
    .await
    .unwrap();
    let ack = String::from_utf8_lossy(&sent.stdout).into_owned();
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    assert!(ack.contains("MSA|AA|PY1"), "{ack}");

    let received = tokio::task::spawn_blocking(move || lines.next())
        .await
        .unwrap()
        .expect("the downstream prints what it received")
        .unwrap();
    assert_eq!(received, "RECEIVED PY1");
    let status = tokio::task::spawn_blocking(move || downstream.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success());
    engine.shutdown().await;
}
