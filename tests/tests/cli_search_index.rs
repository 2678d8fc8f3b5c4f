//! `messages search --field` run as the interface binary (the lab interface indexes PID-3.1 and
//! PID-5.1 of IB_Lab_ORU): messages stored before the index existed are refused until `store
//! reindex` builds it, then found by MRN, by a name's start, with the type and time filters; a
//! field the interface does not index is refused, and `store verify` finds the indexes sound.

use std::path::Path;
use std::sync::Arc;

use messagefoundry::hl7::Message;
use messagefoundry::store::{Incoming, MessageInfo, Store};

/// A message of patient `mrn` named `family`, of type `kind`, control ID `control`.
fn message(kind: &str, control: &str, mrn: &str, family: &str) -> Vec<u8> {
    format!(
        "MSH|^~\\&|LAB|GENHOSP|EHR|GENHOSP|20240101||{kind}|{control}|P|2.5.1\r\
         PID|1||{mrn}^^^GENHOSP^MR||{family}^ALEX\r"
    )
    .into_bytes()
}

/// Stores the messages as a store written before the index was declared holds them: without
/// index values. Message `n` is received at µs `1_000_000 * n`.
async fn populate(db: &Path, messages: &[(&str, &str, &str, &str)]) {
    let store = Store::open(db).expect("the store opens");
    for (n, (kind, control, mrn, family)) in messages.iter().enumerate() {
        let raw = message(kind, control, mrn, family);
        let msg = Message::parse(raw.clone()).expect("test message parses");
        let at = 1_000_000 * (n as u64 + 1);
        store
            .receive(Incoming {
                inbound: Arc::from("IB_Lab_ORU"),
                info: MessageInfo::of("IB_Lab_ORU", at, &msg),
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
}

/// Runs the lab interface binary with `args`; returns whether it succeeded, its output and its
/// errors.
fn run(args: &[&str]) -> (bool, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_lab-serve"))
        .args(args)
        .output()
        .expect("the interface binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The control IDs `search` printed, in order.
fn found(db: &str, filters: &[&str]) -> Vec<String> {
    let mut args = vec!["messages", "--db", db, "search"];
    args.extend_from_slice(filters);
    let (ok, out, err) = run(&args);
    assert!(ok, "search {filters:?}: {err}");
    out.lines()
        .map(|line| {
            let columns: Vec<&str> = line.split_whitespace().collect();
            columns[columns.len() - 2].to_owned()
        })
        .collect()
}

#[tokio::test]
async fn search_by_field_uses_the_index_reindex_builds_and_refuses_a_field_not_indexed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("search.redb");
    populate(
        &path,
        &[
            ("ORU^R01", "C1", "MRN1", "SMITH"),
            ("ADT^A01", "C2", "MRN1", "SMITH"),
            ("ORU^R01", "C3", "MRN2", "SMITHSON"),
            ("ORU^R01", "C4", "MRN1", "SMITH"),
            ("ORU^R01", "C5", "MRN3", "JONES"),
        ],
    )
    .await;
    let db = path.to_str().expect("a UTF-8 path");

    // Declared, not built: refused rather than answered from part of the store.
    let (ok, _, err) = run(&["messages", "--db", db, "search", "--field", "PID-3.1=MRN1"]);
    assert!(!ok);
    assert!(
        err.contains("PID-3.1 is not indexed") && err.contains("it is declared"),
        "{err}"
    );

    let (ok, out, err) = run(&["store", "--db", db, "--quiet", "reindex"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("declared: PID-3.1 (IB_Lab_ORU), PID-5.1 (IB_Lab_ORU) (5 messages parsed)"),
        "{out}"
    );

    assert_eq!(found(db, &["--field", "PID-3.1=MRN1"]), ["C4", "C2", "C1"]);
    assert_eq!(
        found(db, &["--field", "PID-3.1=MRN1", "--type", "ORU"]),
        ["C4", "C1"]
    );
    assert_eq!(
        found(db, &["--field", "PID-5.1=SMITH*"]),
        ["C4", "C3", "C2", "C1"]
    );
    assert_eq!(
        found(
            db,
            &["--field", "PID-5.1=SMITH*", "--field", "PID-3.1=MRN2"]
        ),
        ["C3"]
    );
    // Received at 1 s, 2 s, … since the epoch: from 2 s, before 4 s.
    assert_eq!(
        found(
            db,
            &[
                "--field",
                "PID-3.1=MRN1",
                "--since",
                "1970-01-01T00:00:02Z",
                "--until",
                "1970-01-01T00:00:04Z"
            ]
        ),
        ["C2"]
    );
    assert_eq!(
        found(db, &["--field", "PID-3.1=MRN1", "--limit", "1"]),
        ["C4"]
    );

    let (ok, _, err) = run(&["messages", "--db", db, "search", "--field", "PID-8=U"]);
    assert!(!ok);
    assert!(
        err.contains(
            "PID-8 is not indexed, and searches do not read every message; declare it on the inbound"
        ) && err.contains("Indexed: MSH-9, MSH-10, PID-3.1 (IB_Lab_ORU), PID-5.1 (IB_Lab_ORU)"),
        "{err}"
    );
    let (ok, _, err) = run(&["messages", "--db", db, "search", "--field", "PID-3.1"]);
    assert!(!ok && err.contains("PATH=VALUE"), "{err}");

    let (ok, out, err) = run(&["store", "--quiet", "verify", db]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("index_declared"), "{out}");
}
