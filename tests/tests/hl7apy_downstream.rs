//! A downstream written by others that closes the connection after every acknowledgment:
//! hl7apy's MLLP server (PyPI `hl7apy`). A queue of results must reach it in order, without a
//! failure counted or a backoff waited per message. `.ci/run` installs hl7apy; without it this
//! test fails and says how to install it.
//!
//! It prints the delivery rate; `BENCHMARKS.md` has the figures.

use std::time::{Duration, Instant};

use messagefoundry::config::InboundSettings;
use messagefoundry::engine::{Engine, EngineConfig};
use messagefoundry::interface::MllpListen;
use messagefoundry_tests::backlog::store_unrouted;
use messagefoundry_tests::lab::{IB_Lab_ORU, OB_EHR_ORU, ehr_at};
use messagefoundry_tests::python;

/// Enough for a rate, few enough for a test.
const COUNT: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_reaches_an_hl7apy_server_that_closes_after_each_ack() {
    python::require("hl7apy.mllp", "hl7apy");
    let python::Listening {
        child: mut downstream,
        lines,
        port,
    } = python::listening("hl7apy_downstream.py", &[&COUNT.to_string()]);

    // The results wait in the store when the engine starts, so they go out back to back.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.redb");
    let expected: Vec<String> = (0..COUNT).map(|n| format!("HA{n:04}")).collect();
    store_unrouted(&db, &expected).await;
    let mut inbound = InboundSettings::from(&MllpListen {
        bind: "127.0.0.1",
        ..MllpListen::DEFAULT
    });
    inbound.port = 0;
    let started = Instant::now();
    let engine = Engine::start(EngineConfig {
        db,
        inbounds: vec![(IB_Lab_ORU, inbound)],
        outbounds: vec![(OB_EHR_ORU, ehr_at(port))],
        file_inbounds: Vec::new(),
        file_outbounds: Vec::new(),
        retention: None,
        store_keys: Default::default(),
    })
    .await
    .unwrap();

    let received = tokio::task::spawn_blocking(move || {
        lines
            .map_while(Result::ok)
            .filter_map(|line| line.strip_prefix("RECEIVED ").map(str::to_owned))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let elapsed = started.elapsed();
    let status = engine.senders()[0].1.borrow().clone();
    engine.shutdown().await;
    let _ = downstream.wait();

    let mut first = Vec::new();
    for id in &received {
        if !first.contains(id) {
            first.push(id.clone());
        }
    }
    assert_eq!(first, expected, "every result once, in order");
    println!(
        "{COUNT} messages to hl7apy's MLLPServer (a connection per message) in {:.2} s: {:.0} msg/s",
        elapsed.as_secs_f64(),
        COUNT as f64
            / elapsed
                .as_secs_f64()
                .max(Duration::from_millis(1).as_secs_f64())
    );
    assert_eq!(
        status.connection_failures, 0,
        "a close after a completed exchange is not a failure"
    );
}
