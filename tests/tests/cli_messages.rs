//! `messages search` and `show` on a stopped engine's store, run as the interface binary: each
//! filter alone and together, a limit, a match older than the first page the search reads, and
//! one message shown with its summary, outcome and segments.

use std::path::Path;
use std::sync::Arc;

use messagefoundry::hl7::Message;
use messagefoundry::interface::Disposition;
use messagefoundry::store::{Incoming, MessageId, MessageInfo, RouteRecord, Store, now_micros};
use messagefoundry_tests::{adt, oru};

/// Messages after the first: more than `search` reads in one page (1 000).
const LATER: usize = 1_100;

fn incoming(inbound: &str, bytes: Vec<u8>) -> Incoming {
    let msg = Message::parse(bytes.clone()).expect("test message parses");
    Incoming {
        inbound: Arc::from(inbound),
        info: MessageInfo::of(inbound, now_micros(), &msg),
        raw: bytes.into(),
        refused: None,
        dedupe: None,
        index: Vec::new(),
    }
}

/// One stored message: its id, control ID, and whether it was routed UNROUTED.
struct Stored {
    id: MessageId,
    control: String,
    unrouted: bool,
}

/// Stores the first message (`FIRST`, an ORU on IB_Lab_ORU, PROCESSED), then `LATER` more at
/// once (so they share commits): ORUs `O<n>` on IB_Lab_ORU for even n, every tenth of them
/// routed UNROUTED, and ADTs `A<n>` on IB_ADT for odd n, left RECEIVED. Returns the later ones,
/// newest first.
async fn populate(db: &Path) -> (MessageId, Vec<Stored>) {
    let store = Store::open(db).expect("the store opens");
    let first = store
        .receive(incoming("IB_Lab_ORU", oru("FIRST", "F")))
        .await
        .expect("stored")
        .id;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..LATER {
        let store = store.clone();
        tasks.spawn(async move {
            let (control, incoming) = if n % 2 == 0 {
                let control = format!("O{n}");
                let message = incoming("IB_Lab_ORU", oru(&control, "F"));
                (control, message)
            } else {
                let control = format!("A{n}");
                (control.clone(), incoming("IB_ADT", adt(&control)))
            };
            let id = store.receive(incoming).await.expect("stored").id;
            Stored {
                id,
                control,
                unrouted: n % 20 == 0,
            }
        });
    }
    let mut later = tasks.join_all().await;
    later.sort_by_key(|s| std::cmp::Reverse(s.id));
    let record = |message, disposition| RouteRecord {
        message,
        disposition,
        detail: String::new(),
        handlers: Vec::new(),
        sends: Vec::new(),
    };
    let mut records = vec![record(first, Disposition::Processed)];
    records.extend(
        later
            .iter()
            .filter(|s| s.unrouted)
            .map(|s| record(s.id, Disposition::Unrouted)),
    );
    store.record_routes(records).await.expect("routed");
    tokio::task::spawn_blocking(move || store.shutdown())
        .await
        .expect("the store stops");
    (first, later)
}

/// The control IDs of the later messages that match, newest first, at most `limit`.
fn newest(later: &[Stored], limit: usize, wanted: impl Fn(&Stored) -> bool) -> Vec<String> {
    later
        .iter()
        .filter(|s| wanted(s))
        .take(limit)
        .map(|s| s.control.clone())
        .collect()
}

/// Runs `messages --db <db> <args>`; returns whether it succeeded and what it printed.
fn messages(db: &Path, args: &[&str]) -> (bool, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_lab-serve"))
        .arg("messages")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("the interface binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The control IDs of the lines `search` printed, in order.
fn found(db: &Path, args: &[&str]) -> Vec<String> {
    let mut full = vec!["search"];
    full.extend_from_slice(args);
    let (ok, out, err) = messages(db, &full);
    assert!(ok, "search {args:?}: {err}");
    out.lines()
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            // id, time, inbound, type, control ID, disposition
            assert_eq!(words.len(), 6, "{line}");
            words[4].to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_filters_and_show() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.redb");
    let (first, later) = populate(&db).await;
    let db = db.as_path();

    // A match older than the first page the search reads.
    assert_eq!(found(db, &["--control-id", "FIRST"]), ["FIRST"]);
    assert!(found(db, &["--control-id", "FIRS"]).is_empty());

    // The newest first, `limit` of them.
    let is_adt = |s: &Stored| s.control.starts_with('A');
    assert_eq!(found(db, &["--limit", "3"]), newest(&later, 3, |_| true));
    assert_eq!(
        found(db, &["--type", "ADT", "--limit", "2"]),
        newest(&later, 2, is_adt)
    );
    assert_eq!(
        found(db, &["--type", "ORU^R01", "--limit", "2"]),
        newest(&later, 2, |s| !is_adt(s))
    );
    assert_eq!(
        found(db, &["--type", "ADT", "--limit", "2000"]),
        newest(&later, LATER, is_adt)
    );
    assert!(found(db, &["--type", "SIU"]).is_empty());
    assert_eq!(
        found(db, &["--inbound", "IB_ADT", "--limit", "2000"]),
        newest(&later, LATER, is_adt)
    );
    assert!(found(db, &["--inbound", "IB_Lab"]).is_empty());

    // Dispositions, in any case.
    let unrouted = newest(&later, LATER, |s| s.unrouted);
    assert_eq!(unrouted.len(), LATER / 20);
    assert_eq!(
        found(db, &["--disposition", "unrouted", "--limit", "2000"]),
        unrouted
    );
    assert_eq!(found(db, &["--disposition", "PROCESSED"]), ["FIRST"]);
    assert_eq!(
        found(db, &["--disposition", "Received", "--limit", "2000"]),
        newest(&later, LATER, |s| !s.unrouted)
    );

    // Filters together: all must hold.
    assert_eq!(
        found(
            db,
            &[
                "--type",
                "ORU",
                "--inbound",
                "IB_Lab_ORU",
                "--disposition",
                "received",
                "--limit",
                "1"
            ]
        ),
        newest(&later, 1, |s| !is_adt(s) && !s.unrouted)
    );
    assert!(found(db, &["--type", "ADT", "--disposition", "UNROUTED"]).is_empty());
    assert!(found(db, &["--control-id", "A1", "--inbound", "IB_Lab_ORU"]).is_empty());
    assert_eq!(
        found(db, &["--control-id", "A1", "--inbound", "IB_ADT"]),
        ["A1"]
    );

    // One message: its summary, its outcome, and its segments one per line.
    for id in [first.to_string(), first.0.to_string()] {
        let (ok, shown, err) = messages(db, &["show", &id]);
        assert!(ok, "{err}");
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines[0], format!("message   {first}"));
        assert!(lines[1].ends_with(" on IB_Lab_ORU"), "{shown}");
        assert_eq!(
            lines[2],
            "header    ORU^R01^ORU_R01 FIRST from LIS/LAB (HL7 2.5.1)"
        );
        assert_eq!(lines[3], "outcome   PROCESSED ");
        let expected = String::from_utf8(oru("FIRST", "F")).unwrap();
        assert_eq!(
            lines[5..],
            expected.split_terminator('\r').collect::<Vec<_>>()[..]
        );
    }
    let a1 = later
        .iter()
        .find(|s| s.control == "A1")
        .expect("A1 was stored");
    let (ok, shown, _) = messages(db, &["show", &a1.id.to_string()]);
    assert!(ok);
    assert!(
        shown.contains("header    ADT^A01^ADT_A01 A1 from ADT/HOSP"),
        "{shown}"
    );
    assert!(shown.contains("outcome   RECEIVED"), "{shown}");

    let missing = MessageId(later[0].id.0 + 1).to_string();
    let (ok, _, err) = messages(db, &["show", &missing]);
    assert!(!ok);
    assert!(
        err.contains(&format!("no message {missing} in the store")),
        "{err}"
    );
    let (ok, _, err) = messages(db, &["show", "seven"]);
    assert!(!ok);
    assert!(err.contains("\"seven\" is not a message id"), "{err}");
}
