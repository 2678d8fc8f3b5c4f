//! An independent MLLP client written for Node.js talks to the engine: node-hl7-client (npm,
//! 3.x, `tests/node/send.mjs`) sends results on several connections at once, in plaintext and
//! over TLS (trusting the certificate the engine generated, checking its name). Every message
//! is answered AA with its own control ID in MSA-2, stored once and delivered once downstream.
//!
//! `.ci/run` installs the package (`npm ci` in `tests/node/`); under CI its absence fails the
//! test, elsewhere it is skipped with a note saying how to install it.

use std::collections::BTreeSet;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use messagefoundry::config::InboundSettings;
use messagefoundry::interface::MllpListen;
use messagefoundry_tests::downstream::{Downstream, Reply};
use messagefoundry_tests::lab::ehr_at;
use messagefoundry_tests::{PATIENCE, node, oru};

const CONNECTIONS: usize = 3;
const MESSAGES_PER_CONNECTION: usize = 20;

/// Runs `node send.mjs` with these arguments, killing it if it outlives a generous deadline
/// (the script bounds each of its own waits).
fn run_node(args: &[String]) -> Output {
    let mut child = Command::new(node::node())
        .arg(node::script("send.mjs"))
        .args(args)
        .current_dir(node::dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().expect("node's status").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("node's output")
}

async fn node_client_sends(tls: bool) {
    if !node::available("node-hl7-client") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("node.redb");
    let downstream = Downstream::start(Arc::new(|_, _| Reply::Ack("AA"))).await;
    let mut inbound = InboundSettings::from(&MllpListen {
        bind: "127.0.0.1",
        ..MllpListen::DEFAULT
    });
    inbound.port = 0;
    // The listener serves TLS and plaintext on one port, with a certificate it generates.
    let engine =
        messagefoundry_tests::lab::start(&db, inbound, ehr_at(downstream.addr.port())).await;
    let port = engine.addresses()[0].1.port();

    let template = dir.path().join("oru.hl7");
    std::fs::write(&template, oru("TEMPLATE", "F")).expect("template written");
    let mut args = vec![
        port.to_string(),
        CONNECTIONS.to_string(),
        MESSAGES_PER_CONNECTION.to_string(),
        template.display().to_string(),
    ];
    if tls {
        let (cert, _) = messagefoundry::tls::self_signed::paths(&db);
        args.push(cert.display().to_string());
    }
    let output = tokio::task::spawn_blocking(move || run_node(&args))
        .await
        .expect("node ran");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "node-hl7-client failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.lines().any(|l| l == "DONE"), "{stdout}");

    let expected: BTreeSet<String> = (1..=CONNECTIONS)
        .flat_map(|c| (1..=MESSAGES_PER_CONNECTION).map(move |n| format!("NODE-{c}-{n}")))
        .collect();
    let mut acked = Vec::new();
    for line in stdout.lines().filter_map(|l| l.strip_prefix("ACK ")) {
        let words: Vec<&str> = line.split(' ').collect();
        let [sent, code, control] = words[..] else {
            panic!("an ACK line of three words: {line}")
        };
        assert_eq!((code, control), ("AA", sent), "{line}");
        acked.push(sent.to_owned());
    }
    assert_eq!(acked.len(), expected.len(), "one ACK per message: {stdout}");
    assert_eq!(acked.iter().cloned().collect::<BTreeSet<_>>(), expected);

    // Stored once each, and delivered once each.
    let store = engine.store().clone();
    let stored = tokio::task::spawn_blocking(move || store.latest(None, 1000))
        .await
        .expect("read task")
        .expect("store read");
    let mut stored: Vec<String> = stored.into_iter().map(|(_, i)| i.control_id).collect();
    stored.sort();
    assert_eq!(stored, expected.iter().cloned().collect::<Vec<_>>());
    let deadline = Instant::now() + PATIENCE;
    while downstream.control_ids().len() < expected.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut delivered = downstream.control_ids();
    delivered.sort();
    assert_eq!(delivered, expected.iter().cloned().collect::<Vec<_>>());
    engine.shutdown().await;
    downstream.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_hl7_client_sends_in_plaintext() {
    node_client_sends(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_hl7_client_sends_over_tls() {
    node_client_sends(true).await;
}
