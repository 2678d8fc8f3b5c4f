//! Delivery order after a restart with a backlog: messages stored but not routed by an earlier
//! run are routed at start in large batches, and the downstream must still receive them in
//! the order they were received.

use std::sync::Arc;
use std::time::{Duration, Instant};

use messagefoundry::config::InboundSettings;
use messagefoundry::interface::MllpListen;
use messagefoundry_tests::PATIENCE;
use messagefoundry_tests::backlog::store_unrouted;
use messagefoundry_tests::downstream::{Downstream, Reply};
use messagefoundry_tests::lab::ehr_at;

/// More than one routing round takes, so the backlog is routed in several large batches.
const BACKLOG: usize = 700;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_routed_at_start_is_delivered_in_arrival_order() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("order.redb");
    let expected: Vec<String> = (0..BACKLOG).map(|n| format!("B-{n:06}")).collect();
    store_unrouted(&db, &expected).await;
    let down = Downstream::start(Arc::new(|_, _| Reply::Ack("AA"))).await;

    let mut inbound = InboundSettings::from(&MllpListen {
        bind: "127.0.0.1",
        ..MllpListen::DEFAULT
    });
    inbound.port = 0;
    let outbound = ehr_at(down.addr.port());
    let engine = messagefoundry_tests::lab::start(&db.clone(), inbound, outbound).await;

    let deadline = Instant::now() + PATIENCE * 3;
    while down.control_ids().len() < BACKLOG {
        assert!(Instant::now() < deadline, "the backlog was not delivered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    engine.shutdown().await;
    let delivered = down.control_ids();
    let first_out_of_order = delivered
        .windows(2)
        .position(|pair| pair[0] >= pair[1])
        .map(|i| (&delivered[i], &delivered[i + 1]));
    assert_eq!(first_out_of_order, None, "delivered out of order");
    assert_eq!(delivered, expected);
}
