//! Delivery over real loopback sockets: the seed interface end to end, a downstream that is
//! down and comes up, AE then AA, AR and replay, late and mismatched ACKs, retries exhausted,
//! and a restart with a queue half delivered.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use messagefoundry::config::{InboundSettings, OutboundSettings};
use messagefoundry::engine::Engine;
use messagefoundry::interface::{MllpListen, RetryPolicy};
use messagefoundry_tests::downstream::{Downstream, Reply, Script};
use messagefoundry_tests::{Client, PATIENCE, ack_code, adt, oru};

use messagefoundry_tests::lab::ehr_at;
use messagefoundry_tests::ports::Reserved;

fn always(code: &'static str) -> Script {
    Arc::new(move |_, _| Reply::Ack(code))
}

async fn start(db: &Path, downstream: SocketAddr) -> (Engine, SocketAddr) {
    start_with(db, downstream, |_| {}).await
}

/// [`start`], with the outbound's settings changed by `configure`.
async fn start_with(
    db: &Path,
    downstream: SocketAddr,
    configure: impl FnOnce(&mut OutboundSettings),
) -> (Engine, SocketAddr) {
    let mut inbound = InboundSettings::from(&MllpListen {
        bind: "127.0.0.1",
        ..MllpListen::DEFAULT
    });
    inbound.port = 0;
    let mut outbound = ehr_at(downstream.port());
    outbound.connect_timeout = Duration::from_millis(200);
    outbound.ack_timeout = Duration::from_millis(300);
    outbound.retry = RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
    };
    configure(&mut outbound);
    let engine = messagefoundry_tests::lab::start(db, inbound, outbound).await;
    let addr = engine.addresses()[0].1;
    (engine, addr)
}

/// Sends messages and checks each is acknowledged AA.
async fn send_all(addr: SocketAddr, messages: &[Vec<u8>]) {
    let mut client = Client::connect(addr).await.expect("connect");
    for m in messages {
        let ack = client.exchange(m).await.expect("answer").expect("an ACK");
        assert_eq!(ack_code(&ack), "AA");
    }
}

/// Waits until `done` holds, or fails after the test's patience.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn queue_len(engine: &Engine) -> u64 {
    let store = engine.store().clone();
    tokio::task::spawn_blocking(move || store.queue_len("OB_EHR_ORU"))
        .await
        .expect("read task")
        .expect("read")
}

async fn wait_queue_empty(engine: &Engine) {
    let deadline = Instant::now() + PATIENCE;
    while queue_len(engine).await > 0 {
        assert!(Instant::now() < deadline, "the queue never emptied");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_reach_the_downstream_and_nothing_else_does() {
    let dir = tempfile::tempdir().unwrap();
    let down = Downstream::start(always("AA")).await;
    let (engine, addr) = start(&dir.path().join("s.redb"), down.addr).await;
    send_all(
        addr,
        &[oru("R1", "F"), adt("A1"), oru("R2", "X"), oru("R3", "C")],
    )
    .await;
    eventually("two results delivered", || down.control_ids().len() >= 2).await;
    wait_queue_empty(&engine).await;
    assert_eq!(down.control_ids(), vec!["R1", "R3"]);
    assert_eq!(down.received.lock().unwrap()[0], oru("R1", "F"));
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downstream_down_then_up_gets_everything_in_order() {
    let dir = tempfile::tempdir().unwrap();
    // Held, not listening: the downstream is down until the test makes it listen.
    let target = Reserved::new();
    let (engine, addr) = start(&dir.path().join("s.redb"), target.addr()).await;
    let messages: Vec<Vec<u8>> = (0..20).map(|n| oru(&format!("M{n:02}"), "F")).collect();
    send_all(addr, &messages).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        queue_len(&engine).await,
        20,
        "nothing is lost while the downstream is down"
    );
    let down = Downstream::serve(target.listen(), always("AA"));
    eventually("all 20 delivered", || down.control_ids().len() >= 20).await;
    wait_queue_empty(&engine).await;
    let expected: Vec<String> = (0..20).map(|n| format!("M{n:02}")).collect();
    assert_eq!(down.control_ids(), expected);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_ack_is_retried_and_delivered_once() {
    let dir = tempfile::tempdir().unwrap();
    let script: Script = Arc::new(|id, seen| match (id, seen) {
        ("E1", 0) => Reply::Ack("AE"),
        _ => Reply::Ack("AA"),
    });
    let down = Downstream::start(script).await;
    let (engine, addr) = start(&dir.path().join("s.redb"), down.addr).await;
    send_all(addr, &[oru("E1", "F"), oru("E2", "F")]).await;
    eventually("both delivered", || down.control_ids().len() >= 3).await;
    wait_queue_empty(&engine).await;
    assert_eq!(down.control_ids(), vec!["E1", "E1", "E2"]);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reject_is_dead_lettered_and_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let script: Script = Arc::new(|id, seen| match (id, seen) {
        ("J1", 0) => Reply::Ack("AR"),
        _ => Reply::Ack("AA"),
    });
    let down = Downstream::start(script).await;
    let (engine, addr) = start(&dir.path().join("s.redb"), down.addr).await;
    send_all(addr, &[oru("J1", "F"), oru("J2", "F")]).await;
    eventually("J1 and J2 sent", || down.control_ids().len() >= 2).await;
    wait_queue_empty(&engine).await;
    assert_eq!(down.control_ids(), vec!["J1", "J2"]);
    let store = engine.store().clone();
    let dead = tokio::task::spawn_blocking(move || store.dead_letters(Some("OB_EHR_ORU")))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert!(
        dead[0].reason.starts_with("AR (rejected)"),
        "{}",
        dead[0].reason
    );
    // The downstream is fixed (it now accepts J1): replay.
    engine.handle().replay(dead[0].key.clone()).await.unwrap();
    eventually("J1 replayed", || down.control_ids().len() >= 3).await;
    wait_queue_empty(&engine).await;
    assert_eq!(down.control_ids(), vec!["J1", "J2", "J1"]);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_and_mismatched_acks_are_never_credited_to_the_next_message() {
    let dir = tempfile::tempdir().unwrap();
    let script: Script = Arc::new(|id, seen| match (id, seen) {
        // Answered after the sender's 300 ms ACK timeout.
        ("L1", 0) => Reply::Late(Duration::from_millis(600), "AA"),
        // Answered with another message's control ID.
        ("W1", 0) => Reply::WrongControlId,
        _ => Reply::Ack("AA"),
    });
    let down = Downstream::start(script).await;
    let (engine, addr) = start(&dir.path().join("s.redb"), down.addr).await;
    send_all(
        addr,
        &[
            oru("L1", "F"),
            oru("L2", "F"),
            oru("W1", "F"),
            oru("W2", "F"),
        ],
    )
    .await;
    eventually("all delivered", || down.control_ids().len() >= 6).await;
    wait_queue_empty(&engine).await;
    // L1 and W1 are each sent again after their timeout; nothing jumps the queue.
    assert_eq!(down.control_ids(), vec!["L1", "L1", "L2", "W1", "W1", "W2"]);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_acks_forever_end_in_the_dead_letters() {
    let dir = tempfile::tempdir().unwrap();
    let down = Downstream::start(always("AE")).await;
    let (engine, addr) = start(&dir.path().join("s.redb"), down.addr).await;
    send_all(addr, &[oru("F1", "F")]).await;
    eventually("three attempts", || down.control_ids().len() >= 3).await;
    wait_queue_empty(&engine).await;
    assert_eq!(down.control_ids(), vec!["F1", "F1", "F1"]);
    let store = engine.store().clone();
    let dead = tokio::task::spawn_blocking(move || store.dead_letters(None))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert!(
        dead[0]
            .reason
            .starts_with("AE after 3 attempts: test answer"),
        "{}",
        dead[0].reason
    );
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_with_a_queue_resumes_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.redb");
    // Held, not listening: the downstream is down until the test makes it listen.
    let target = Reserved::new();
    let (engine, addr) = start(&db, target.addr()).await;
    let messages: Vec<Vec<u8>> = (0..5).map(|n| oru(&format!("Q{n}"), "F")).collect();
    send_all(addr, &messages).await;
    let deadline = Instant::now() + PATIENCE;
    while queue_len(&engine).await < 5 {
        assert!(Instant::now() < deadline, "messages never queued");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    engine.shutdown().await;

    let (target, listener) = (target.addr(), target.listen());
    let down = Downstream::serve(listener, always("AA"));
    let (engine, _) = start(&db, target).await;
    eventually("all 5 delivered after the restart", || {
        down.control_ids().len() >= 5
    })
    .await;
    wait_queue_empty(&engine).await;
    assert_eq!(down.control_ids(), vec!["Q0", "Q1", "Q2", "Q3", "Q4"]);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_downstream_closing_the_idle_connection_costs_no_failed_attempt() {
    let dir = tempfile::tempdir().unwrap();
    // The downstream answers and closes the connection, as systems with short idle timeouts do.
    let down = Downstream::start(Arc::new(|_, _| Reply::AckAndClose("AA"))).await;
    let (engine, addr) = start(&dir.path().join("i.redb"), down.addr).await;
    let status = engine.senders()[0].1.clone();
    send_all(addr, &[oru("I1", "F")]).await;
    eventually("the first result delivered and the close noticed", || {
        let s = status.borrow();
        s.delivered == 1 && !s.connected
    })
    .await;
    send_all(addr, &[oru("I2", "F")]).await;
    eventually("the second result delivered", || {
        status.borrow().delivered == 2
    })
    .await;
    assert_eq!(down.control_ids(), vec!["I1", "I2"]);
    assert_eq!(status.borrow().connection_failures, 0);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_downstream_closing_after_every_ack_gets_a_queue_without_failures() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.redb");
    // A queue of results waiting at start, so each message follows the last without a pause:
    // the downstream's close after an ACK races the next message.
    let expected: Vec<String> = (0..100).map(|n| format!("Q{n:03}")).collect();
    messagefoundry_tests::backlog::store_unrouted(&db, &expected).await;
    let down = Downstream::start(Arc::new(|_, _| Reply::AckAndClose("AA"))).await;
    let (engine, _) = start(&db, down.addr).await;
    let status = engine.senders()[0].1.clone();
    eventually("the queue delivered", || status.borrow().delivered == 100).await;
    // No failure logged and no backoff waited: a close after a completed exchange is the
    // downstream's way, not a fault.
    assert_eq!(status.borrow().connection_failures, 0);
    assert_eq!(status.borrow().consecutive_failures, 0);
    let mut first_deliveries = down.control_ids();
    first_deliveries.dedup();
    assert_eq!(first_deliveries, expected);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_names_the_problem_of_the_moment() {
    for (reply, problem) in [
        (Reply::WrongControlId, "an ACK for another message"),
        (Reply::Garbage, "a frame that is not an ACK"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        // Held, not listening: the first attempt is refused.
        let target = Reserved::new();
        // An ACK timeout longer than the test's patience: the status is read while the
        // sender still waits for the ACK.
        let (engine, addr) = start_with(&dir.path().join("p.redb"), target.addr(), |o| {
            o.ack_timeout = PATIENCE * 6;
        })
        .await;
        let status = engine.senders()[0].1.clone();
        send_all(addr, &[oru("P1", "F")]).await;
        let problem_is = |what: &str| {
            status
                .borrow()
                .last_error
                .as_deref()
                .is_some_and(|e| e.contains(what))
        };
        eventually("a refused connection", || {
            let s = status.borrow();
            s.connection_failures >= 1 && s.last_error.is_some()
        })
        .await;
        let down = Downstream::serve(target.listen(), Arc::new(move |_, _| reply.clone()));
        eventually(problem, || problem_is(problem)).await;
        assert_eq!(down.control_ids(), vec!["P1"]);
        assert_eq!(status.borrow().delivered, 0);
        engine.shutdown().await;
    }
}
