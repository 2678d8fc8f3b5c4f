//! The indexes as the store keeps them: written with each message, searched without reading
//! what does not match, pruned with the message, built over messages stored before they were
//! declared, dropped when no longer declared, and checked by verify.

use std::sync::Arc;

use messagefoundry_hl7::{Message, Path};
use redb::{ReadableDatabase, ReadableTableMetadata};

use super::search::{FieldMatch, IndexQuery, SearchRefused};
use super::{INDEX, INDEX_DECLARED, INDEX_TIME, IndexTables, build, problems};
use crate::interface::index::{IndexDef, values_of};
use crate::store::tables::{self, MESSAGE_INFO, MESSAGES};
use crate::store::{Incoming, MessageId, MessageInfo, Store};

const INBOUND: &str = "IB_Indexed";

/// The codec of an unencrypted store, for verify's check of the bodies.
fn plain() -> crate::store::envelope::Codec {
    crate::store::envelope::Codec::new(0, None)
}

#[linkme::distributed_slice(crate::__private::INDEXES)]
static DECLARED: IndexDef = IndexDef {
    inbound: INBOUND,
    names: &["PID-3.1", "PID-5.1"],
    paths: &[Path::parse_const("PID-3.1"), Path::parse_const("PID-5.1")],
};

/// An ADT (or, for odd `n` with `oru`, an ORU) of patient `mrn` named `name`, received at µs
/// `n`, control ID `C<n>`.
fn text(n: u64, kind: &str, mrn: &str, name: &str) -> String {
    format!("MSH|^~\\&|LAB|H|EHR|H|20240101||{kind}|C{n}|P|2.5.1\rPID|1||{mrn}^^^H||{name}^JO\r")
}

fn incoming(inbound: &str, n: u64, kind: &str, mrn: &str, name: &str) -> Incoming {
    let raw = text(n, kind, mrn, name);
    let msg = Message::parse(raw.as_bytes()).expect("test message");
    Incoming {
        inbound: Arc::from(inbound),
        raw: raw.into_bytes().into(),
        info: MessageInfo::of(inbound, n, &msg),
        refused: None,
        dedupe: None,
        index: values_of(inbound, &msg),
    }
}

fn field(text: &str) -> FieldMatch {
    FieldMatch::parse(text).expect("field filter")
}

/// The ids `query` finds, newest first, and how many rows it read.
fn found(store: &Store, query: &IndexQuery) -> (Vec<u64>, u64) {
    let mut ids = Vec::new();
    let examined = store
        .search_index(query, &mut |id, _| {
            ids.push(id.0);
            Ok(true)
        })
        .unwrap_or_else(|e| panic!("search failed: {e}"));
    (ids, examined.rows)
}

/// A store holding, for patients A1…A3 on the indexed inbound and one on another:
/// 1 ADT A1 SMITH, 2 ORU A2 SMITHSON, 3 ORU A1 SMITH, 4 ADT A3 JONES, 5 ORU (IB_Other) A1.
async fn fixture() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path().join("i.redb")).expect("store");
    build::sync(&store, &[IndexDef { ..DECLARED }], &mut |_, _| {}).expect("built");
    let rows = [
        (INBOUND, 1, "ADT^A01", "A1", "SMITH"),
        (INBOUND, 2, "ORU^R01", "A2", "SMITHSON"),
        (INBOUND, 3, "ORU^R01", "A1", "SMITH"),
        (INBOUND, 4, "ADT^A08", "A3", "JONES"),
        ("IB_Other", 5, "ORU^R01", "A1", "SMITH"),
    ];
    for (inbound, n, kind, mrn, name) in rows {
        store
            .receive(incoming(inbound, n, kind, mrn, name))
            .await
            .expect("stored");
    }
    (dir, store)
}

#[tokio::test]
async fn a_field_search_reads_only_the_rows_of_its_value_newest_first() {
    let (_dir, store) = fixture().await;
    let by_mrn = IndexQuery {
        fields: vec![field("PID-3.1=A1")],
        ..IndexQuery::default()
    };
    // Message 5's inbound does not index PID-3: it is not found by its MRN.
    assert_eq!(found(&store, &by_mrn), (vec![3, 1], 2));
    let oru = IndexQuery {
        message_type: Some("ORU".into()),
        ..by_mrn.clone()
    };
    assert_eq!(found(&store, &oru), (vec![3], 2));
    let names = IndexQuery {
        fields: vec![field("PID-5.1=SMITH*")],
        ..IndexQuery::default()
    };
    assert_eq!(found(&store, &names).0, vec![3, 2, 1]);
    let exact_name = IndexQuery {
        fields: vec![field("PID-5.1=SMITH")],
        ..IndexQuery::default()
    };
    assert_eq!(found(&store, &exact_name), (vec![3, 1], 2));
    let by_control_id = IndexQuery {
        control_id: Some("C4".into()),
        ..IndexQuery::default()
    };
    assert_eq!(found(&store, &by_control_id), (vec![4], 1));
}

#[tokio::test]
async fn type_time_and_inbound_combine_with_the_index_that_drives() {
    let (_dir, store) = fixture().await;
    // Every ORU, newest first across the values that start with ORU.
    let oru = IndexQuery {
        message_type: Some("ORU".into()),
        ..IndexQuery::default()
    };
    assert_eq!(found(&store, &oru), (vec![5, 3, 2], 3));
    let adt = IndexQuery {
        message_type: Some("ADT".into()),
        ..IndexQuery::default()
    };
    assert_eq!(found(&store, &adt), (vec![4, 1], 2));
    // The time range drives: messages received at 2 and 3 are the only rows read.
    let window = IndexQuery {
        since: Some(2),
        until: Some(4),
        ..IndexQuery::default()
    };
    assert_eq!(found(&store, &window), (vec![3, 2], 2));
    let oru_in_window = IndexQuery {
        message_type: Some("ORU^R01".into()),
        since: Some(3),
        ..IndexQuery::default()
    };
    assert_eq!(found(&store, &oru_in_window), (vec![5, 3], 3));
    let other = IndexQuery {
        inbound: Some("IB_Other".into()),
        ..oru
    };
    assert_eq!(found(&store, &other).0, vec![5]);
}

#[tokio::test]
async fn a_field_no_inbound_indexes_is_refused_with_those_that_are() {
    let (_dir, store) = fixture().await;
    let refused = |query: IndexQuery| match store.search_index(&query, &mut |_, _| Ok(true)) {
        Err(SearchRefused::Refused(why)) => why,
        other => panic!("not refused: {other:?}"),
    };
    let why = refused(IndexQuery {
        fields: vec![field("PID-8=F")],
        ..IndexQuery::default()
    });
    assert!(why.starts_with("PID-8 is not indexed"), "{why}");
    assert!(
        why.contains("Indexed: MSH-9, MSH-10, PID-3.1 (IB_Indexed), PID-5.1 (IB_Indexed)"),
        "{why}"
    );
    let why = refused(IndexQuery {
        fields: vec![field("PID-3.1=A1")],
        inbound: Some("IB_Other".into()),
        ..IndexQuery::default()
    });
    assert!(
        why.starts_with("PID-3.1 is not indexed on IB_Other"),
        "{why}"
    );
    // The value asked for is patient data: it is not in the refusal.
    assert!(!why.contains("A1"), "{why}");
}

#[tokio::test]
async fn pruning_removes_the_rows_and_verify_finds_a_row_gone_missing() {
    let (_dir, store) = fixture().await;
    let read = store.db().begin_read().expect("read");
    assert_eq!(
        problems(&read, &plain()).expect("checked"),
        Vec::<String>::new()
    );
    drop(read);
    for id in 1..=5 {
        store
            .record_route(crate::store::RouteRecord {
                message: MessageId(id),
                disposition: crate::interface::Disposition::Processed,
                detail: String::new(),
                handlers: Vec::new(),
                sends: Vec::new(),
            })
            .await
            .expect("routed");
    }
    // Routed, nothing queued: every message received before µs 3 goes.
    store.prune(3).await.expect("pruned");
    let by_mrn = IndexQuery {
        fields: vec![field("PID-3.1=A1")],
        ..IndexQuery::default()
    };
    assert_eq!(found(&store, &by_mrn), (vec![3], 1));
    let read = store.db().begin_read().expect("read");
    assert_eq!(
        problems(&read, &plain()).expect("checked"),
        Vec::<String>::new()
    );
    assert_eq!(read.open_table(INDEX_TIME).expect("t").len().expect("n"), 3);
    drop(read);

    let txn = store.db().begin_write().expect("write");
    txn.open_table(INDEX)
        .expect("index")
        .remove(("PID-3.1", "A1", 3))
        .expect("removed");
    txn.commit().expect("committed");
    let read = store.db().begin_read().expect("read");
    assert_eq!(
        problems(&read, &plain()).expect("checked"),
        vec![
            "1 declared values missing from the index (`store reindex` rebuilds the indexes)"
                .to_owned()
        ]
    );
    drop(read);
    super::rebuild(&store, &[IndexDef { ..DECLARED }], &mut |_, _| {}).expect("rebuilt");
    let read = store.db().begin_read().expect("read");
    assert_eq!(
        problems(&read, &plain()).expect("checked"),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn an_index_declared_later_is_built_over_stored_messages_and_dropped_when_undeclared() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path().join("late.redb")).expect("store");
    for n in 1..=3 {
        let mut one = incoming(INBOUND, n, "ADT^A01", &format!("M{n}"), "DOE");
        // Stored while nothing was declared.
        one.index = Vec::new();
        store.receive(one).await.expect("stored");
    }
    let by_mrn = IndexQuery {
        fields: vec![field("PID-3.1=M2")],
        ..IndexQuery::default()
    };
    assert!(matches!(
        store.search_index(&by_mrn, &mut |_, _| Ok(true)),
        Err(SearchRefused::Refused(_))
    ));
    let built = build::sync(&store, &[IndexDef { ..DECLARED }], &mut |_, _| {}).expect("built");
    assert_eq!(built.parsed, 3);
    assert_eq!(found(&store, &by_mrn), (vec![2], 1));
    let read = store.db().begin_read().expect("read");
    assert_eq!(
        problems(&read, &plain()).expect("checked"),
        Vec::<String>::new()
    );
    drop(read);

    let dropped = build::sync(&store, &[], &mut |_, _| {}).expect("dropped");
    assert_eq!(dropped.dropped.len(), 2);
    let read = store.db().begin_read().expect("read");
    assert_eq!(
        read.open_table(INDEX_DECLARED)
            .expect("d")
            .len()
            .expect("n"),
        0
    );
    assert_eq!(
        problems(&read, &plain()).expect("checked"),
        Vec::<String>::new()
    );
}

/// Stores `count` messages straight into the tables, in transactions of 50 000, every
/// thousandth one of patient `MRN-HIT`, with their declared values when `declared`; returns
/// how long the writes took. With the values, searches for that patient and checks that only
/// the matching rows were read.
fn many(count: u64, declared: bool) -> std::time::Duration {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path().join("many.redb")).expect("store");
    build::sync(&store, &[IndexDef { ..DECLARED }], &mut |_, _| {}).expect("built");
    let started = std::time::Instant::now();
    let mut n = 1;
    while n <= count {
        let mut txn = store.db().begin_write().expect("write");
        txn.set_durability(redb::Durability::None)
            .expect("durability");
        {
            let mut messages = txn.open_table(MESSAGES).expect("messages");
            let mut infos = txn.open_table(MESSAGE_INFO).expect("infos");
            let mut index = IndexTables::open(&txn).expect("index");
            for n in n..(n + 50_000).min(count + 1) {
                let mrn = if n % 1000 == 0 {
                    "MRN-HIT".to_owned()
                } else {
                    format!("MRN-{n}")
                };
                let raw = text(n, "ORU^R01", &mrn, "DOE");
                let msg = Message::parse(raw.as_bytes()).expect("test message");
                let info = MessageInfo::of(INBOUND, n, &msg);
                let id = MessageId(n);
                tables::insert_message(&mut messages, &mut infos, id, raw.as_bytes(), &info)
                    .expect("message");
                let values = if declared {
                    values_of(INBOUND, &msg)
                } else {
                    Vec::new()
                };
                index
                    .insert(id, n, &info.message_type, &info.control_id, &values)
                    .expect("indexed");
            }
        }
        txn.commit().expect("committed");
        n += 50_000;
    }
    let wrote = started.elapsed();
    if !declared {
        return wrote;
    }
    let query = IndexQuery {
        fields: vec![field("PID-3.1=MRN-HIT")],
        message_type: Some("ORU".into()),
        ..IndexQuery::default()
    };
    let started = std::time::Instant::now();
    let (ids, examined) = found(&store, &query);
    let took = started.elapsed();
    let hits = count / 1000;
    assert_eq!(ids.len() as u64, hits);
    assert_eq!(ids.first(), Some(&(hits * 1000)));
    // Only the matching rows were read, not the other messages.
    assert_eq!(examined, hits);
    println!("{count} messages: {hits} found, {examined} rows read, in {took:?}");
    wrote
}

#[test]
fn twenty_thousand_messages_searched_by_field_read_only_the_matches() {
    many(20_000, true);
}

/// The million, and what writing two declared fields costs beside the rest of a message:
/// `cargo test --release -p messagefoundry --lib million -- --ignored --nocapture`.
#[test]
#[ignore = "a million messages: run in release, by hand, to measure"]
fn a_million_messages_searched_by_field_read_only_the_matches() {
    let without = many(1_000_000, false);
    let with = many(1_000_000, true);
    println!(
        "writing 1 000 000 messages: {without:?} without declared fields, {with:?} with two ({:.2}x)",
        with.as_secs_f64() / without.as_secs_f64()
    );
}
