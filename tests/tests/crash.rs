//! A crash in the middle of a load: the engine is killed with SIGKILL while four connections
//! send, then started again on the same store. Every message that was acknowledged AA before
//! the crash reaches the downstream (at least once), and nothing acknowledged is missing.
//!
//! A process crash, not a power cut: the kernel keeps what was written, so this checks the
//! recovery (messages stored but not routed are routed, queues resume), not the fsync before
//! each acknowledgment.

#![cfg(unix)]

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use messagefoundry_tests::downstream::{Downstream, Reply};
use messagefoundry_tests::process::serve_to;
use messagefoundry_tests::{Client, PATIENCE, ack_code, oru};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_acknowledged_before_a_kill_are_delivered_after_a_restart() {
    let binary = env!("CARGO_BIN_EXE_lab-serve");
    let dir = tempfile::tempdir().unwrap();
    let down = Downstream::start(Arc::new(|_, _| Reply::Ack("AA"))).await;
    let mut engine = serve_to(binary, dir.path(), None, down.addr.port());
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut senders = tokio::task::JoinSet::new();
    for connection in 0..4 {
        let acknowledged = Arc::clone(&acknowledged);
        let addr = engine.addr;
        senders.spawn(async move {
            let Ok(mut client) = Client::connect(addr).await else {
                return;
            };
            for n in 0.. {
                let id = format!("K{connection}-{n}");
                match client.exchange(&oru(&id, "F")).await {
                    Ok(Some(ack)) if ack_code(&ack) == "AA" => {
                        acknowledged.lock().expect("lock").push(id)
                    }
                    // The engine died: whatever was in flight was never acknowledged.
                    _ => return,
                }
            }
        });
    }
    // Let the load run, then kill the engine without warning.
    while acknowledged.lock().unwrap().len() < 300 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    engine.child.kill().unwrap();
    let status = engine.exit_status().await;
    assert_eq!(status.code(), None, "killed by a signal");
    while senders.join_next().await.is_some() {}
    let acknowledged: HashSet<String> = acknowledged.lock().unwrap().iter().cloned().collect();
    assert!(acknowledged.len() >= 300);

    // Started again on the same store: routing and delivery resume.
    let mut engine = serve_to(binary, dir.path(), None, down.addr.port());
    let deadline = tokio::time::Instant::now() + PATIENCE * 3;
    loop {
        let delivered: HashSet<String> = down.control_ids().into_iter().collect();
        let missing = acknowledged.difference(&delivered).count();
        if missing == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{missing} of {} acknowledged messages never reached the downstream",
            acknowledged.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    engine.terminate();
    assert_eq!(engine.exit_status().await.code(), Some(0));
}
