//! `store backup`, `verify` and `compact`, run as the interface binary: a backup taken through
//! a running `serve` under load and restored (every message acknowledged before the backup
//! began is in it), backups and compactions stopped by a signal halfway, compaction refused
//! while `serve` runs, the queue counters after the engine is killed, and `store stats`.

#![cfg(unix)]

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use messagefoundry::hl7::Message;
use messagefoundry::store::{Incoming, MessageInfo, Store, now_micros};
use messagefoundry_tests::downstream::{Downstream, Reply};
use messagefoundry_tests::process::{Served, serve, serve_to};
use messagefoundry_tests::{Client, PATIENCE, ack_code, oru};

const BINARY: &str = env!("CARGO_BIN_EXE_lab-serve");

fn store_command(args: &[&str]) -> Command {
    let mut command = Command::new(BINARY);
    command.arg("store").args(args);
    command
}

fn run(args: &[&str]) -> Output {
    store_command(args)
        .output()
        .expect("the interface binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Stores `n` ORUs (`<prefix><i>`) at once, so they share commits. The engine is stopped.
async fn fill(db: &Path, prefix: &str, n: usize) {
    let store = Store::open(db).expect("the store opens");
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let store = store.clone();
        let control = format!("{prefix}{i}");
        tasks.spawn(async move {
            let raw = oru(&control, "F");
            let msg = Message::parse(raw.clone()).expect("test message");
            let incoming = Incoming {
                inbound: Arc::from("IB_Lab_ORU"),
                info: MessageInfo::of("IB_Lab_ORU", now_micros(), &msg),
                raw: raw.into(),
                refused: None,
                dedupe: None,
                index: Vec::new(),
            };
            store.receive(incoming).await.expect("stored");
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("task");
    }
    tokio::task::spawn_blocking(move || store.shutdown())
        .await
        .expect("closed");
}

/// Records the latest `n` messages of the stopped engine's store `db` as finished (UNROUTED,
/// nothing queued) and prunes them, leaving their pages free.
async fn finish_and_prune(db: &Path, n: usize) {
    let store = Store::open(db).expect("opens");
    let finished = store
        .latest(None, n)
        .expect("read")
        .into_iter()
        .map(|(id, _)| messagefoundry::store::RouteRecord {
            message: id,
            disposition: messagefoundry::interface::Disposition::Unrouted,
            detail: String::new(),
            handlers: Vec::new(),
            sends: Vec::new(),
        })
        .collect();
    store.record_routes(finished).await.expect("routed");
    assert_eq!(store.prune(u64::MAX).await.expect("pruned"), n as u64);
    tokio::task::spawn_blocking(move || store.shutdown())
        .await
        .expect("closed");
}

/// Every control ID stored in `db` (blocking calls, so off the async workers).
fn control_ids(db: &Path) -> HashSet<String> {
    tokio::task::block_in_place(|| stored_control_ids(db))
}

fn stored_control_ids(db: &Path) -> HashSet<String> {
    let store = Store::open(db).expect("the store opens");
    let mut ids = HashSet::new();
    let mut before = None;
    loop {
        let page = store.latest(before, 1_000).expect("read");
        let Some(last) = page.last() else { break };
        before = Some(last.0);
        ids.extend(page.into_iter().map(|(_, info)| info.control_id));
    }
    store.shutdown();
    ids
}

fn verified(path: &Path) -> String {
    let out = run(&["verify", path.to_str().expect("utf-8 path")]);
    assert!(out.status.success(), "verify failed: {}", text(&out.stdout));
    text(&out.stdout)
}

/// Clients sending numbered messages until stopped; what was acknowledged AA, in order.
struct Load {
    acknowledged: Mutex<Vec<String>>,
    stop: AtomicBool,
}

async fn client(load: Arc<Load>, addr: std::net::SocketAddr, connection: usize) {
    let mut client = Client::connect(addr).await.expect("connect");
    let mut n = 0;
    while !load.stop.load(Ordering::Relaxed) {
        let control = format!("L{connection}-{n}");
        // The engine may be killed under the client: then it stops.
        let Ok(ack) = client.exchange(&oru(&control, "F")).await else {
            return;
        };
        if ack.as_deref().map(ack_code).as_deref() == Some("AA") {
            load.acknowledged.lock().expect("lock").push(control);
        }
        n += 1;
    }
}

/// Four clients sending to `addr` until `stop` is set.
fn start_load(addr: std::net::SocketAddr) -> (Arc<Load>, Vec<tokio::task::JoinHandle<()>>) {
    let load = Arc::new(Load {
        acknowledged: Mutex::default(),
        stop: AtomicBool::new(false),
    });
    let clients = (0..4)
        .map(|c| tokio::spawn(client(Arc::clone(&load), addr, c)))
        .collect();
    (load, clients)
}

async fn wait_for_acks(load: &Load, at_least: usize) {
    let deadline = Instant::now() + PATIENCE;
    while load.acknowledged.lock().expect("lock").len() < at_least {
        assert!(Instant::now() < deadline, "the load was not acknowledged");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until `serve` answers `messages` on its control socket: it has started on its store.
async fn wait_for_control_socket(engine: &Served) {
    let deadline = Instant::now() + PATIENCE;
    while engine.messages(BINARY, &["list", "--limit", "1"]).0 != Some(0) {
        assert!(
            Instant::now() < deadline,
            "serve never answered on its socket"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn stop(mut engine: Served) {
    engine.terminate();
    assert!(engine.exit_status().await.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_under_load_restores_every_message_acknowledged_before_it_began() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ehr = Downstream::start(Arc::new(|_: &str, _| Reply::Ack("AA"))).await;
    let engine = serve_to(BINARY, dir.path(), None, ehr.addr.port());
    let (load, clients) = start_load(engine.addr);
    wait_for_acks(&load, 500).await;

    let before: Vec<String> = load.acknowledged.lock().expect("lock").clone();
    let backup = dir.path().join("backup.redb");
    let db = engine.db.clone();
    let args = [
        "--db".to_owned(),
        db.display().to_string(),
        "backup".to_owned(),
        backup.display().to_string(),
    ];
    let out = tokio::task::spawn_blocking(move || run(&args.each_ref().map(String::as_str)))
        .await
        .expect("backup task");
    assert!(out.status.success(), "backup failed: {}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("backed up "),
        "{}",
        text(&out.stdout)
    );
    // The load went on during the backup.
    let during = load.acknowledged.lock().expect("lock").len();
    load.stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.expect("client");
    }
    stop(engine).await;
    assert!(verified(&backup).contains("ok: "));

    // Restore: serve stopped, the store replaced by the backup, serve started again.
    std::fs::copy(&backup, &db).expect("restored");
    let engine = serve(BINARY, dir.path(), None);
    wait_for_control_socket(&engine).await;
    stop(engine).await;
    let restored = control_ids(&db);
    let missing: Vec<&String> = before.iter().filter(|c| !restored.contains(*c)).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged messages missing",
        missing.len()
    );
    assert!(during >= before.len());
    ehr.stop();
}

/// Runs `store <args>` and sends it SIGINT once `started` says the work has begun; returns
/// its exit code (`None`: killed by the signal).
async fn interrupted(args: Vec<String>, started: impl Fn() -> bool) -> Option<i32> {
    let mut child = store_command(&args.iter().map(String::as_str).collect::<Vec<_>>())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("runs");
    let deadline = Instant::now() + PATIENCE;
    while !started() && child.try_wait().expect("status").is_none() {
        assert!(Instant::now() < deadline, "it never started");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(status) = child.try_wait().expect("status") {
            return status.code();
        }
        assert!(Instant::now() < deadline, "it did not stop");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_stopped_by_ctrl_c_leaves_the_earlier_backup_as_it_was() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("s.redb");
    let backup = dir.path().join("backup.redb");
    fill(&db, "A", 50).await;
    let (db_arg, to_arg) = (db.to_str().expect("path"), backup.to_str().expect("path"));
    assert!(run(&["--db", db_arg, "backup", to_arg]).status.success());
    let earlier = std::fs::read(&backup).expect("read");
    fill(&db, "B", 20_000).await;

    let partial = messagefoundry::store::partial_path(&backup);
    let args = ["--db", db_arg, "backup", to_arg]
        .map(str::to_owned)
        .to_vec();
    let code = interrupted(args, || partial.exists()).await;
    assert!(!partial.exists(), "the partial copy is left behind");
    match code {
        // Stopped halfway: the earlier backup is untouched.
        Some(130) => assert_eq!(std::fs::read(&backup).expect("read"), earlier),
        // Finished before the signal came: the new backup is whole.
        Some(0) => assert!(verified(&backup).contains("ok: 20050 message(s)")),
        other => panic!("backup ended with {other:?}"),
    }
    assert!(verified(&backup).starts_with("layout 2"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_compaction_stopped_by_ctrl_c_leaves_a_sound_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("s.redb");
    fill(&db, "A", 20_000).await;
    // Half of them finished (UNROUTED, nothing queued) and pruned: free pages to compact away.
    finish_and_prune(&db, 10_000).await;

    let args = ["--db", db.to_str().expect("path"), "compact"]
        .map(str::to_owned)
        .to_vec();
    let started = Instant::now();
    let code = interrupted(args, || started.elapsed() > Duration::from_millis(30)).await;
    assert!(
        matches!(code, None | Some(0)),
        "compact ended with {code:?}"
    );
    let out = verified(&db);
    assert!(out.contains("ok: 10000 message(s)"), "{out}");
    assert_eq!(control_ids(&db).len(), 10_000);
}

#[tokio::test(flavor = "multi_thread")]
async fn compaction_is_refused_while_serve_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = serve(BINARY, dir.path(), None);
    wait_for_control_socket(&engine).await;
    let out = run(&["--db", engine.db.to_str().expect("path"), "compact"]);
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out.stderr);
    assert!(
        said.contains("running serve") && said.contains("stop serve"),
        "{said}"
    );
    stop(engine).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn queue_counters_equal_the_queue_after_the_engine_is_killed() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The EHR is down: what is acknowledged stays queued.
    let mut engine = serve(BINARY, dir.path(), None);
    let (load, clients) = start_load(engine.addr);
    wait_for_acks(&load, 200).await;
    engine.child.kill().expect("killed");
    engine.child.wait().expect("reaped");
    for c in clients {
        // The clients fail once the engine is gone.
        let _ = c.await;
    }
    let db = engine.db.clone();
    let (kept, scanned) = tokio::task::block_in_place(|| {
        let store = Store::open(&db).expect("opens");
        let kept = store.queue_count("OB_EHR_ORU").expect("counted").depth;
        let scanned = store.queue_len("OB_EHR_ORU").expect("scanned");
        store.shutdown();
        (kept, scanned)
    });
    assert_eq!(kept, scanned);
    assert!(verified(&db).contains("ok: "));
}

/// The "other" bytes of a `store stats` report: what no table's page holds.
fn other_mb(report: &str) -> f64 {
    report
        .lines()
        .find(|l| l.starts_with("other "))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|mb| mb.parse().ok())
        .unwrap_or_else(|| panic!("no other line in {report}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn store_stats_shows_each_table_and_the_free_pages_compaction_gives_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("s.redb");
    fill(&db, "S", 4_000).await;
    finish_and_prune(&db, 3_000).await;
    let path = db.to_str().expect("path");

    let before = run(&["stats", path]);
    assert!(before.status.success(), "{}", text(&before.stderr));
    let before = text(&before.stdout);
    let messages = before
        .lines()
        .find(|l| l.starts_with("messages "))
        .unwrap_or_else(|| panic!("no messages line in {before}"));
    assert_eq!(messages.split_whitespace().nth(1), Some("1000"), "{before}");
    assert!(before.contains(&format!(
        "file: {} bytes",
        std::fs::metadata(&db).expect("size").len()
    )));
    // The pruned messages' pages are free: "other", until compaction gives them back.
    let freed = other_mb(&before);
    assert!(freed > 0.5, "{before}");
    assert!(run(&["--db", path, "compact"]).status.success());
    let after = text(&run(&["stats", path]).stdout);
    assert!(
        other_mb(&after) < freed / 4.0,
        "before:\n{before}\nafter:\n{after}"
    );
}
