//! Layout 2 and encryption at rest, run as the interface binary: `store migrate` on a store
//! written by the layout-1 code (and again after a kill halfway), `serve` refusing a store
//! whose key it is not given (naming the key), and `store rotate-key` through a running
//! `serve` and on a stopped store killed halfway, after which every message reads under the
//! new key alone.

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use messagefoundry::hl7::Message;
use messagefoundry::store::{
    Incoming, KeySettings, KeySource, MessageId, MessageInfo, Store, verify_with_keys,
};
use messagefoundry_tests::process::{Options, serve_with};

const BINARY: &str = env!("CARGO_BIN_EXE_lab-serve");
const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../messagefoundry/tests/fixtures/store-v1.redb"
);
const KEY_A: &str = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
const KEY_B: &str = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";

fn store(args: &[&str]) -> Output {
    Command::new(BINARY)
        .arg("store")
        .args(args)
        .output()
        .expect("the interface binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn arg(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temporary path")
}

/// `--db DB --env test --environments ENVS`.
fn in_environment<'a>(db: &'a Path, envs: &'a Path) -> [&'a str; 6] {
    [
        "--db",
        arg(db),
        "--env",
        "test",
        "--environments",
        arg(envs),
    ]
}

fn oru(n: usize) -> Vec<u8> {
    format!(
        "MSH|^~\\&|LAB|H|EHR|H|20240101||ORU^R01|P{n}|P|2.5.1\rPID|1||MRN{n}^^^H||Patlast^Pat\r\
         OBX|1|TX|||{}\r",
        "a result line ".repeat(30)
    )
    .into_bytes()
}

/// Stores `n` messages in batches, sealed under `keys`, the engine stopped.
fn fill(db: &Path, keys: &KeySettings, n: usize) {
    let store = Store::open_with(db, keys).expect("the store opens");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        for batch in (0..n).collect::<Vec<_>>().chunks(500) {
            let incoming = batch
                .iter()
                .map(|&i| {
                    let raw = oru(i);
                    let msg = Message::parse(raw.clone()).expect("test message");
                    Incoming {
                        inbound: Arc::from("IB_Lab_ORU"),
                        info: MessageInfo::of("IB_Lab_ORU", 1_000 + i as u64, &msg),
                        raw: raw.into(),
                        refused: None,
                        dedupe: None,
                        index: Vec::new(),
                    }
                })
                .collect();
            store.receive_all(incoming).await.expect("stored");
        }
    });
    store.shutdown();
}

fn assert_readable(db: &Path, keys: &KeySettings, n: usize) {
    let store = Store::open_with(db, keys).expect("the store opens with the new key alone");
    for i in 0..n {
        let (_, raw) = store
            .read_message(MessageId(i as u64 + 1))
            .expect("read")
            .expect("stored");
        assert_eq!(raw, oru(i), "message {}", i + 1);
    }
    store.shutdown();
}

/// An environment folder whose `test` environment names the keys given.
fn environment(dir: &Path, key: &str, previous: Option<&str>) -> (PathBuf, KeySettings) {
    let envs = dir.join("environments");
    std::fs::create_dir_all(&envs).expect("test setup");
    let write_key = |name: &str, hex: &str| {
        let path = dir.join(name);
        std::fs::write(&path, hex).expect("test setup");
        path
    };
    let current = write_key("current.key", key);
    let mut toml = format!("[store]\nkey = \"file:{}\"\n", current.display());
    let mut settings = KeySettings {
        current: Some(KeySource::File(current)),
        previous: Vec::new(),
    };
    if let Some(old) = previous {
        let old = write_key("previous.key", old);
        toml.push_str(&format!("previous_keys = [\"file:{}\"]\n", old.display()));
        settings.previous.push(KeySource::File(old));
    }
    std::fs::write(envs.join("test.toml"), toml).expect("test setup");
    (envs, settings)
}

/// The id of the only key the store's bodies are sealed under, by `store verify`.
fn sealed_under(db: &Path, keys: &KeySettings) -> Vec<(String, u64)> {
    verify_with_keys(db, keys, &mut |_, _| {})
        .expect("verified")
        .sealed
}

#[test]
fn store_migrate_brings_a_layout_1_store_to_layout_2_and_goes_on_after_a_kill() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("v1.redb");
    std::fs::copy(FIXTURE, &db).expect("fixture");
    let before = store(&["verify", arg(&db)]);
    assert!(
        text(&before.stdout).contains("layout 1"),
        "{}",
        text(&before.stdout)
    );
    // Killed as soon as it runs, then run to its end.
    let mut killed = Command::new(BINARY)
        .args(["store", "--db", arg(&db), "migrate"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    killed.kill().expect("SIGKILL");
    killed.wait().expect("ended");
    let migrated = store(&["--db", arg(&db), "migrate"]);
    assert!(migrated.status.success(), "{}", text(&migrated.stderr));
    let said = text(&migrated.stdout);
    assert!(said.contains("layout 2"), "{said}");
    let again = store(&["--db", arg(&db), "migrate"]);
    assert!(text(&again.stdout).contains("already at layout 2"));
    let verified = store(&["verify", arg(&db)]);
    let said = text(&verified.stdout);
    assert!(verified.status.success(), "{said}");
    assert!(said.contains("layout 2") && said.contains("ok:"), "{said}");
}

#[test]
fn serve_refuses_a_store_whose_key_it_is_not_given_naming_the_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let old = tempfile::tempdir().expect("temp dir");
    let (_, a) = environment(old.path(), KEY_A, None);
    let db = dir.path().join("serve.redb");
    fill(&db, &a, 10);
    let id_a = sealed_under(&db, &a)[0].0.clone();
    // serve, given key B only.
    let envs = dir.path().join("environments");
    std::fs::create_dir_all(&envs).expect("test setup");
    std::fs::write(dir.path().join("b.key"), KEY_B).expect("test setup");
    std::fs::write(
        envs.join("test.toml"),
        format!(
            "[inbound.IB_Lab_ORU]\nbind = \"127.0.0.1\"\nport = 0\n\n\
             [outbound.OB_EHR_ORU]\nhost = \"127.0.0.1\"\nport = {}\n\n\
             [store]\nkey = \"file:{}\"\n",
            messagefoundry_tests::ports::down_port(),
            dir.path().join("b.key").display()
        ),
    )
    .expect("test setup");
    let output = Command::new(BINARY)
        .arg("serve")
        .args(in_environment(&db, &envs))
        .args(["--admin", "127.0.0.1:0"])
        .output()
        .expect("serve runs");
    assert!(!output.status.success());
    let said = text(&output.stderr);
    assert!(
        said.contains(&format!("encrypted under key {id_a}")),
        "{said}"
    );
    assert!(!said.contains("Patlast"), "patient data in an error");
}

#[tokio::test(flavor = "multi_thread")]
async fn rotate_key_through_a_running_serve_leaves_every_message_under_the_new_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let keys = tempfile::tempdir().expect("temp dir");
    let (_, a) = environment(keys.path(), KEY_A, None);
    let db = dir.path().join("serve.redb");
    let filled = db.clone();
    tokio::task::spawn_blocking(move || fill(&filled, &a, 1200))
        .await
        .expect("filled");
    let (_, both) = environment(keys.path(), KEY_B, Some(KEY_A));
    let lines = std::fs::read_to_string(keys.path().join("environments/test.toml"))
        .expect("the keys' settings");
    let mut served = serve_with(
        BINARY,
        dir.path(),
        Options {
            outbound: &format!("\n{lines}"),
            ..Options::default()
        },
    );
    assert_eq!(served.db, db);
    let rotated = tokio::task::spawn_blocking({
        let db = db.clone();
        move || store(&["--db", arg(&db), "rotate-key"])
    })
    .await
    .expect("ran");
    let said = text(&rotated.stdout);
    assert!(rotated.status.success(), "{said} {}", text(&rotated.stderr));
    served.terminate();
    assert!(served.exit_status().await.success());
    let b = KeySettings {
        current: both.current.clone(),
        previous: Vec::new(),
    };
    let under = sealed_under(&db, &b);
    assert_eq!(under.len(), 1, "{under:?}");
    assert!(
        said.contains(&format!("under key {}", under[0].0)),
        "{said}"
    );
    tokio::task::spawn_blocking(move || assert_readable(&db, &b, 1200))
        .await
        .expect("read");
}

#[test]
fn rotate_key_killed_halfway_finishes_when_run_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("stopped.redb");
    let (_, a) = environment(dir.path(), KEY_A, None);
    fill(&db, &a, 6000);
    let (envs, both) = environment(dir.path(), KEY_B, Some(KEY_A));
    let args = in_environment(&db, &envs);
    let mut killed = Command::new(BINARY)
        .arg("store")
        .args(args)
        .arg("rotate-key")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    // Killed while it works (or before it began, or after: each leaves a usable store).
    std::thread::sleep(Duration::from_millis(300));
    killed.kill().expect("SIGKILL");
    killed.wait().expect("ended");
    // Usable as it is: it opens (redb repairs what the kill left) and every message reads.
    assert_readable(&db, &both, 6000);
    let finished = Command::new(BINARY)
        .arg("store")
        .args(args)
        .arg("rotate-key")
        .output()
        .expect("runs");
    assert!(finished.status.success(), "{}", text(&finished.stderr));
    let b = KeySettings {
        current: both.current.clone(),
        previous: Vec::new(),
    };
    assert_eq!(sealed_under(&db, &b).len(), 1);
    assert_readable(&db, &b, 6000);
}
