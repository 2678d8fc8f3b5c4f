//! Crashes in the middle of a load: eight connections send numbered messages while the engine
//! is killed with SIGKILL at random moments (some right after a restart, while recovery is
//! routing what the last run left) and started again on the same store each time. Before each
//! start the store is also given a backlog of unrouted messages, as a run whose pipeline lagged
//! behind intake leaves it, so that recovery routes in large batches.
//!
//! Checked at the end: every message acknowledged AA reached the downstream (at least once),
//! and, per client connection, the first deliveries came in the order the messages were sent.
//! The figures (lost, duplicates, order violations) are printed.
//!
//! A process crash, not a power cut: the kernel keeps what was written, so this checks the
//! recovery (messages stored but not routed are routed, queues resume), not the fsync before
//! each acknowledgment.
//!
//! `CRASH_RESTARTS` sets how many kills (default 12) and `CRASH_SEED` replays a run's moments
//! (the seed is printed).

#![cfg(unix)]

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use messagefoundry_tests::backlog::store_unrouted;
use messagefoundry_tests::crash::{self, Load};
use messagefoundry_tests::downstream::{Downstream, Reply};
use messagefoundry_tests::process::serve_to;
use messagefoundry_tests::{ack_code, oru};

const CONNECTIONS: usize = 8;

/// Messages left unrouted in the store before each start, numbered as the messages of one more
/// client connection: more than one routing round takes, so recovery routes large batches.
const BACKLOG: u64 = 300;

/// A small, seedable source of random moments (xorshift64*), so a failing run can be replayed.
struct Moments(u64);

impl Moments {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A duration between `low` and `high` milliseconds.
    fn millis(&mut self, low: u64, high: u64) -> Duration {
        Duration::from_millis(low + self.next() % (high - low))
    }
}

fn control_id(connection: usize, n: u64) -> String {
    format!("K{connection}-{n:06}")
}

/// The connection and number a control ID was made from.
fn parse_control_id(id: &str) -> Option<(usize, u64)> {
    let (connection, n) = id.strip_prefix('K')?.split_once('-')?;
    Some((connection.parse().ok()?, n.parse().ok()?))
}

/// One client connection: sends its numbered messages one at a time and, when the engine dies
/// under it, reconnects to wherever the engine listens next and sends the unanswered message
/// again, as a real sender does.
async fn client(load: Arc<Load>, connection: usize) {
    let mut n = 0;
    while let Some(mut client) = load.connect().await {
        while !load.stopping() {
            let id = control_id(connection, n);
            match client.exchange(&oru(&id, "F")).await {
                Ok(Some(ack)) if ack_code(&ack) == "AA" => {
                    load.acknowledge([id]);
                    n += 1;
                }
                // The engine died: whatever was in flight was never acknowledged.
                _ => break,
            }
        }
    }
}

/// What the downstream received, judged against what was acknowledged.
#[derive(Debug, Default)]
struct Verdict {
    acknowledged: usize,
    delivered: usize,
    lost: usize,
    duplicates: usize,
    order_violations: usize,
}

fn judge(acknowledged: &HashSet<String>, delivered: &[String]) -> Verdict {
    let mut seen = HashSet::new();
    let mut last: HashMap<usize, u64> = HashMap::new();
    let mut verdict = Verdict {
        acknowledged: acknowledged.len(),
        delivered: delivered.len(),
        ..Verdict::default()
    };
    for id in delivered {
        if !seen.insert(id.as_str()) {
            verdict.duplicates += 1;
            continue;
        }
        // First deliveries of one client connection must come in the order it sent them.
        let Some((connection, n)) = parse_control_id(id) else {
            continue;
        };
        if let Some(&before) = last.get(&connection)
            && n <= before
        {
            verdict.order_violations += 1;
        }
        last.insert(connection, n);
    }
    verdict.lost = acknowledged
        .iter()
        .filter(|id| !seen.contains(id.as_str()))
        .count();
    verdict
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kills_at_random_moments_lose_nothing_and_keep_each_connection_in_order() {
    let restarts = crash::restarts(12);
    let seed = crash::seed();
    println!("crash run: {restarts} kills, CRASH_SEED={seed}");
    let mut moments = Moments(seed);

    let binary = env!("CARGO_BIN_EXE_lab-serve");
    let dir = tempfile::tempdir().unwrap();
    let down = Downstream::start(Arc::new(|_, _| Reply::Ack("AA"))).await;
    let load = Arc::new(Load::default());
    let db = dir.path().join("serve.redb");
    let mut backlog = 0..;
    let mut leave_backlog = async |load: &Load| {
        let ids: Vec<String> = (&mut backlog)
            .take(BACKLOG as usize)
            .map(|n| control_id(CONNECTIONS, n))
            .collect();
        store_unrouted(&db, &ids).await;
        load.acknowledged.lock().expect("lock").extend(ids);
    };
    leave_backlog(&load).await;
    let mut engine = serve_to(binary, dir.path(), None, down.addr.port());
    *load.addr.lock().unwrap() = Some(engine.addr);
    let mut clients = tokio::task::JoinSet::new();
    for connection in 0..CONNECTIONS {
        clients.spawn(client(Arc::clone(&load), connection));
    }

    for kill in 0..restarts {
        // Every third kill comes right after the restart, while recovery routes the backlog.
        let wait = if kill % 3 == 2 {
            moments.millis(20, 300)
        } else {
            moments.millis(300, 2_500)
        };
        tokio::time::sleep(wait).await;
        engine.child.kill().unwrap();
        let status = engine.exit_status().await;
        assert_eq!(status.code(), None, "killed by a signal");
        *load.addr.lock().unwrap() = None;
        leave_backlog(&load).await;
        engine = serve_to(binary, dir.path(), None, down.addr.port());
        *load.addr.lock().unwrap() = Some(engine.addr);
    }
    // A last stretch of load on the final run, then the clients stop.
    tokio::time::sleep(Duration::from_millis(500)).await;
    load.stop.store(true, Ordering::Relaxed);
    while clients.join_next().await.is_some() {}

    let acknowledged: HashSet<String> = load.acknowledged.lock().unwrap().iter().cloned().collect();
    assert!(
        acknowledged.len() >= restarts * CONNECTIONS,
        "too little load to judge by: {} acknowledged",
        acknowledged.len()
    );
    // Delivery goes on while the downstream keeps receiving; a message is lost when nothing
    // more has arrived for the test's patience and it is still missing.
    let verdict = judge(&acknowledged, &crash::delivered(&down, &acknowledged).await);
    println!(
        "acknowledged {}, delivered {} ({} twice), lost {}, order violations {}",
        verdict.acknowledged,
        verdict.delivered,
        verdict.duplicates,
        verdict.lost,
        verdict.order_violations
    );
    assert_eq!(verdict.lost, 0, "acknowledged messages never delivered");
    assert_eq!(
        verdict.order_violations, 0,
        "first deliveries out of order within a client connection (CRASH_SEED={seed})"
    );
    engine.terminate();
    assert_eq!(engine.exit_status().await.code(), Some(0));
}

#[test]
fn the_judge_counts_what_it_names() {
    let acknowledged: HashSet<String> = ["K0-000000", "K0-000001", "K1-000000", "K1-000001"]
        .map(String::from)
        .into();
    let delivered = [
        "K0-000000",
        "K1-000001",
        "K1-000000",
        "K0-000000",
        "K0-000002",
    ]
    .map(String::from);
    let verdict = judge(&acknowledged, &delivered);
    assert_eq!(verdict.duplicates, 1, "K0-000000 twice");
    assert_eq!(verdict.order_violations, 1, "K1-000000 after K1-000001");
    assert_eq!(verdict.lost, 1, "K0-000001 never came");
}
