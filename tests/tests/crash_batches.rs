//! Crashes in the middle of batches: four connections send batches of five results while the
//! engine, whose outbound also sends in batches, is killed with SIGKILL at random moments and
//! started again on the same store.
//!
//! Checked at the end: every message of every batch acknowledged reached the downstream (at
//! least once), first deliveries came in the order each connection sent them, and the store
//! never holds part of a batch: the messages of one batch were stored the same number of times
//! (a batch not acknowledged is sent again by its client, so it may be stored again whole).
//!
//! `CRASH_RESTARTS` sets how many kills (default 6) and `CRASH_SEED` replays a run's moments.

#![cfg(unix)]

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use messagefoundry::store::{MessageId, Store};
use messagefoundry_tests::crash::{self, Load};
use messagefoundry_tests::downstream::{Downstream, Reply};
use messagefoundry_tests::oru;
use messagefoundry_tests::process::{Options, serve_with};

const CONNECTIONS: usize = 4;
const BATCH: usize = 5;

fn control_id(connection: usize, batch: u64, member: usize) -> String {
    format!("K{connection}-{batch:05}-{member}")
}

/// The connection, batch and member a control ID was made from.
fn parse_control_id(id: &str) -> Option<(usize, u64, usize)> {
    let mut parts = id.strip_prefix('K')?.split('-');
    Some((
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
    ))
}

fn batch(connection: usize, n: u64) -> Vec<u8> {
    let mut out = format!("BHS|^~\\&|LIS|LAB|EHR|HOSP|||||K{connection}-{n:05}\r").into_bytes();
    for member in 0..BATCH {
        out.extend(oru(&control_id(connection, n, member), "F"));
    }
    out.extend(format!("BTS|{BATCH}\r").as_bytes());
    out
}

/// One client connection: sends its numbered batches one at a time and, when the engine dies
/// under it, sends the unanswered batch again on a new connection.
async fn client(load: Arc<Load>, connection: usize) {
    let mut n = 0;
    while let Some(mut client) = load.connect().await {
        while !load.stopping() {
            match client.exchange(&batch(connection, n)).await {
                Ok(Some(answer))
                    if String::from_utf8_lossy(&answer)
                        .matches("\rMSA|AA|")
                        .count()
                        == BATCH =>
                {
                    load.acknowledge((0..BATCH).map(|m| control_id(connection, n, m)));
                    n += 1;
                }
                _ => break,
            }
        }
    }
}

/// How many times each message of each batch is in the store. Blocking.
fn stored_copies(db: &std::path::Path) -> HashMap<(usize, u64), Vec<usize>> {
    let store = Store::open(db).expect("the store opens");
    let mut copies: HashMap<(usize, u64), Vec<usize>> = HashMap::new();
    for id in 1.. {
        let Some((info, _)) = store.read_message(MessageId(id)).expect("store read") else {
            break;
        };
        if let Some((connection, n, member)) = parse_control_id(&info.control_id) {
            copies
                .entry((connection, n))
                .or_insert_with(|| vec![0; BATCH])[member] += 1;
        }
    }
    store.shutdown();
    copies
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kills_mid_batch_lose_nothing_and_never_store_part_of_a_batch() {
    let restarts = crash::restarts(6);
    let seed = crash::seed();
    println!("crash run: {restarts} kills, CRASH_SEED={seed}");
    let mut moment = seed;
    let mut next_wait = move || {
        moment ^= moment << 13;
        moment ^= moment >> 7;
        moment ^= moment << 17;
        Duration::from_millis(200 + moment % 1_500)
    };

    let binary = env!("CARGO_BIN_EXE_lab-serve");
    let dir = tempfile::tempdir().unwrap();
    let down = Downstream::start(Arc::new(|_, _| Reply::Ack("AA"))).await;
    let options = || Options {
        ehr_port: down.addr.port(),
        outbound: "batch = 8\nbatch_wait = \"20ms\"\n",
        ..Options::default()
    };
    let load = Arc::new(Load::default());
    let mut engine = serve_with(binary, dir.path(), options());
    *load.addr.lock().unwrap() = Some(engine.addr);
    let mut clients = tokio::task::JoinSet::new();
    for connection in 0..CONNECTIONS {
        clients.spawn(client(Arc::clone(&load), connection));
    }
    for _ in 0..restarts {
        tokio::time::sleep(next_wait()).await;
        engine.child.kill().unwrap();
        assert_eq!(
            engine.exit_status().await.code(),
            None,
            "killed by a signal"
        );
        *load.addr.lock().unwrap() = None;
        engine = serve_with(binary, dir.path(), options());
        *load.addr.lock().unwrap() = Some(engine.addr);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    load.stop.store(true, Ordering::Relaxed);
    while clients.join_next().await.is_some() {}

    let acknowledged: HashSet<String> = load.acknowledged.lock().unwrap().iter().cloned().collect();
    assert!(
        acknowledged.len() >= restarts * BATCH,
        "too little load to judge by: {} acknowledged",
        acknowledged.len()
    );
    let delivered = crash::delivered(&down, &acknowledged).await;
    let seen: HashSet<&str> = delivered.iter().map(String::as_str).collect();
    let lost = acknowledged
        .iter()
        .filter(|id| !seen.contains(id.as_str()))
        .count();
    // First deliveries of one connection come in the order it sent them.
    let mut first = HashSet::new();
    let mut last: HashMap<usize, (u64, usize)> = HashMap::new();
    let mut out_of_order = 0;
    for id in &delivered {
        if !first.insert(id.as_str()) {
            continue;
        }
        let Some((connection, n, member)) = parse_control_id(id) else {
            continue;
        };
        if last
            .get(&connection)
            .is_some_and(|&before| (n, member) <= before)
        {
            out_of_order += 1;
        }
        last.insert(connection, (n, member));
    }
    println!(
        "acknowledged {}, delivered {} ({} twice), lost {lost}, out of order {out_of_order}",
        acknowledged.len(),
        delivered.len(),
        delivered.len() - first.len()
    );
    assert_eq!(
        lost, 0,
        "acknowledged messages never delivered (CRASH_SEED={seed})"
    );
    assert_eq!(
        out_of_order, 0,
        "first deliveries out of order (CRASH_SEED={seed})"
    );

    engine.terminate();
    assert_eq!(engine.exit_status().await.code(), Some(0));
    let db = engine.db.clone();
    let copies = tokio::task::spawn_blocking(move || stored_copies(&db))
        .await
        .unwrap();
    let partial: Vec<_> = copies
        .iter()
        .filter(|(_, counts)| counts.iter().any(|&c| c != counts[0]))
        .collect();
    assert!(partial.is_empty(), "batches stored in part: {partial:?}");
    for id in &acknowledged {
        let (connection, n, _) = parse_control_id(id).expect("our control ID");
        assert!(
            copies.contains_key(&(connection, n)),
            "{id} acknowledged, not stored"
        );
    }
}
