//! The search index of an encrypted store, run as the interface binary (the lab interface
//! indexes PID-3.1 and PID-5.1 of IB_Lab_ORU): `store reindex` under a key writes digests, so
//! the file holds neither the MRN nor the name while `messages search --field` finds the
//! message by its whole MRN; a value's start is refused; `store rotate-key` re-keys the index,
//! after which the search finds it with the new key alone and `store verify` checks the
//! digests against the bodies.

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use messagefoundry::hl7::Message;
use messagefoundry::store::{Incoming, KeySettings, KeySource, MessageInfo, Store};

const BINARY: &str = env!("CARGO_BIN_EXE_lab-serve");
/// Patient data that must not be in the file in the clear.
const MRN: &str = "MRN8840127";
const FAMILY: &str = "QUIXOTEFAMILY";

fn message(control: &str, mrn: &str) -> Vec<u8> {
    format!(
        "MSH|^~\\&|LAB|GENHOSP|EHR|GENHOSP|20240101||ORU^R01|{control}|P|2.5.1\r\
         PID|1||{mrn}^^^GENHOSP^MR||{FAMILY}^ALEX\r"
    )
    .into_bytes()
}

/// Writes `environments/test.toml` naming key `current` (and `previous`), each 32 bytes of
/// one value written as hex; returns the folder and the same settings.
fn environment(dir: &Path, current: u8, previous: Option<u8>) -> (PathBuf, KeySettings) {
    let envs = dir.join("environments");
    std::fs::create_dir_all(&envs).expect("test setup");
    let key = |n: u8| {
        let path = dir.join(format!("{n}.key"));
        std::fs::write(&path, format!("{n:02x}").repeat(32)).expect("test setup");
        path
    };
    let settings = KeySettings {
        current: Some(KeySource::File(key(current))),
        previous: previous.map(key).map(KeySource::File).into_iter().collect(),
    };
    let quoted = |s: &KeySource| match s {
        KeySource::File(p) => format!("\"file:{}\"", p.display()),
        KeySource::Env(name) => format!("\"env:{name}\""),
    };
    let mut toml = format!(
        "[store]\nkey = {}\n",
        quoted(settings.current.as_ref().expect("a key"))
    );
    if !settings.previous.is_empty() {
        let list: Vec<String> = settings.previous.iter().map(quoted).collect();
        toml.push_str(&format!("previous_keys = [{}]\n", list.join(", ")));
    }
    std::fs::write(envs.join("test.toml"), toml).expect("test setup");
    (envs, settings)
}

/// Runs the binary; (success, stdout, stderr).
fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BINARY)
        .args(args)
        .output()
        .expect("the interface binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The control IDs `messages search` prints for `filter`, with the keys of `envs`.
fn search(db: &str, envs: &Path, filter: &str) -> (bool, Vec<String>, String) {
    let envs = envs.to_str().expect("a UTF-8 path");
    let (ok, out, err) = run(&[
        "messages",
        "--db",
        db,
        "--env",
        "test",
        "--environments",
        envs,
        "search",
        "--field",
        filter,
    ]);
    let found = out
        .lines()
        .map(|line| {
            let columns: Vec<&str> = line.split_whitespace().collect();
            columns[columns.len() - 2].to_owned()
        })
        .collect();
    (ok, found, err)
}

/// Whether the file's bytes hold `text`.
fn file_holds(path: &Path, text: &str) -> bool {
    let bytes = std::fs::read(path).expect("the store file reads");
    bytes.windows(text.len()).any(|w| w == text.as_bytes())
}

#[test]
fn an_encrypted_store_keeps_no_indexed_value_in_the_clear_and_rotation_re_keys_the_index() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sealed.redb");
    let db = path.to_str().expect("a UTF-8 path");
    let (envs_a, a) = environment(&dir.path().join("a"), 1, None);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = Store::open_with(&path, &a).expect("the store opens");
        for (control, mrn) in [("C1", MRN), ("C2", "MRN-OTHER"), ("C3", MRN)] {
            let raw = message(control, mrn);
            let msg = Message::parse(raw.clone()).expect("test message parses");
            store
                .receive(Incoming {
                    inbound: Arc::from("IB_Lab_ORU"),
                    info: MessageInfo::of("IB_Lab_ORU", 1_000_000, &msg),
                    raw: raw.into(),
                    refused: None,
                    dedupe: None,
                    index: Vec::new(),
                })
                .await
                .expect("stored");
        }
        tokio::task::spawn_blocking(move || store.shutdown())
            .await
            .expect("the store stops");
    });
    let store = |envs: &Path, command: &str| {
        let envs = envs.to_str().expect("a UTF-8 path");
        run(&[
            "store",
            "--db",
            db,
            "--env",
            "test",
            "--environments",
            envs,
            "--quiet",
            command,
        ])
    };
    let (ok, out, err) = store(&envs_a, "reindex");
    assert!(ok, "{out}{err}");
    assert!(out.contains("(3 messages parsed)"), "{out}");

    assert!(
        !file_holds(&path, MRN),
        "the MRN is in the file in the clear"
    );
    assert!(
        !file_holds(&path, FAMILY),
        "the name is in the file in the clear"
    );
    let (ok, found, err) = search(db, &envs_a, &format!("PID-3.1={MRN}"));
    assert!(ok, "{err}");
    assert_eq!(found, ["C3", "C1"]);
    let (ok, found, err) = search(db, &envs_a, &format!("PID-5.1={FAMILY}"));
    assert!(ok, "{err}");
    assert_eq!(found, ["C3", "C2", "C1"]);
    let (ok, _, err) = search(db, &envs_a, "PID-3.1=MRN88*");
    assert!(!ok);
    assert!(
        err.contains("cannot be searched by the start of a value: the store is encrypted"),
        "{err}"
    );
    assert!(
        !err.contains("MRN88"),
        "the value asked for is in the error: {err}"
    );

    // A new key, the old one kept while rotating; then the new key alone.
    let (envs_ab, _) = environment(&dir.path().join("ab"), 2, Some(1));
    let (ok, out, err) = store(&envs_ab, "rotate-key");
    assert!(ok, "{out}{err}");
    let (envs_b, _) = environment(&dir.path().join("b"), 2, None);
    let (ok, found, err) = search(db, &envs_b, &format!("PID-3.1={MRN}"));
    assert!(ok, "{err}");
    assert_eq!(found, ["C3", "C1"], "found under the new key alone");
    assert!(
        !file_holds(&path, MRN),
        "the MRN is in the file in the clear"
    );
    let envs_b_arg = envs_b.to_str().expect("a UTF-8 path");
    let (ok, out, err) = run(&[
        "store",
        "--env",
        "test",
        "--environments",
        envs_b_arg,
        "--quiet",
        "verify",
        db,
    ]);
    assert!(ok, "{out}{err}");
}
