//! The record format, the reading back of a journal, the writer's use of it and the recovery
//! of messages a store's durable commits lack.

use std::sync::Arc;

use super::record::{self, HEADER, Names};
use super::replay::scan;
use super::{Journal, path_of};
use crate::store::request::Request;
use crate::store::test_messages::{message, receive_routed, receive_waiting};
use crate::store::{Dedupe, Incoming, MessageId, Store};

/// The journal id of the store the records are written for.
const ID: record::StoreId = [7; 16];

/// Message `n`, with every optional part filled when `full`.
fn incoming(n: u64, full: bool) -> Incoming {
    let (raw, info) = message(n, 10);
    Incoming {
        inbound: Arc::from("IB"),
        raw: raw.into(),
        info,
        refused: full.then(|| "no MSH-10".to_owned()),
        dedupe: full.then(|| Dedupe {
            sending_application: "LAB".into(),
            control_id: format!("C{n}"),
            window_micros: 60_000_000,
        }),
        index: if full {
            vec![("PID-3.1", "digest-of-mrn".to_owned())]
        } else {
            Vec::new()
        },
    }
}

/// The record of messages `first..first + count`.
fn record_of(first: u64, count: u64) -> Vec<u8> {
    record_sized(first, count, 10)
}

/// The record of messages `first..first + count` with an OBX of `body` bytes each.
fn record_sized(first: u64, count: u64, body: usize) -> Vec<u8> {
    let messages: Vec<Incoming> = (first..first + count)
        .map(|n| {
            let mut one = incoming(n, false);
            one.raw = message(n, body).0.into();
            one
        })
        .collect();
    let refs: Vec<&Incoming> = messages.iter().collect();
    let mut out = Vec::new();
    record::encode(&ID, first, &refs, &mut out);
    out
}

/// The first ids of the records `scan` finds in `bytes` for a store whose next id is `next`.
fn firsts(bytes: &[u8], next: u64) -> Vec<u64> {
    scan(bytes, &ID, next)
        .expect("read")
        .records
        .iter()
        .map(|r| r.header.first)
        .collect()
}

#[test]
fn a_record_reads_back_as_the_messages_written() {
    let written = [incoming(7, true), incoming(8, false)];
    let mut bytes = Vec::new();
    record::encode(&ID, 7, &[&written[0], &written[1]], &mut bytes);
    let scanned = scan(bytes.as_slice(), &ID, 7).expect("read");
    assert_eq!(scanned.records.len(), 1);
    let found = &scanned.records[0];
    assert_eq!((found.header.first, found.header.count), (7, 2));
    let read = record::messages(&found.body, 2, &Names::default()).expect("messages");
    for (read, written) in read.iter().zip(&written) {
        assert_eq!(read.inbound, written.inbound);
        assert_eq!(read.raw, written.raw);
        assert_eq!(read.info, written.info);
        assert_eq!(read.refused, written.refused);
        assert_eq!(read.index, written.index);
        assert_eq!(
            read.dedupe
                .as_ref()
                .map(|d| (&d.control_id, d.window_micros)),
            written
                .dedupe
                .as_ref()
                .map(|d| (&d.control_id, d.window_micros))
        );
    }
}

#[test]
fn the_records_of_another_store_are_not_read() {
    let bytes = [record_of(1, 2), record_of(3, 1)].concat();
    let other = scan(bytes.as_slice(), &[8; 16], 1).expect("read");
    assert!(other.records.is_empty() && other.foreign.is_none());
}

#[test]
fn records_that_continue_the_store_are_found_in_order() {
    let bytes = [record_of(1, 2), record_of(3, 1), record_of(4, 3)].concat();
    assert_eq!(firsts(&bytes, 1), [1, 3, 4]);
}

#[test]
fn records_already_in_the_store_are_passed_over() {
    let bytes = [record_of(1, 2), record_of(3, 1), record_of(4, 3)].concat();
    assert_eq!(firsts(&bytes, 4), [4]);
    assert!(firsts(&bytes, 7).is_empty());
}

#[test]
fn a_torn_last_record_ends_the_journal() {
    let whole = [record_of(1, 1), record_of(2, 1)].concat();
    for cut in [
        whole.len() - 1,
        whole.len() - 30,
        record_of(1, 1).len() + HEADER - 1,
    ] {
        assert_eq!(firsts(&whole[..cut], 1), [1], "cut at {cut}");
    }
    // A record torn inside a zero-filled file: its end reads as zeros.
    let mut zeroed = [whole.clone(), vec![0; 4096]].concat();
    let second = record_of(1, 1).len();
    zeroed[second + HEADER + 5..whole.len()].fill(0);
    assert_eq!(firsts(&zeroed, 1), [1]);
    assert_eq!(firsts(&[whole, vec![0; 4096]].concat(), 1), [1, 2]);
}

#[test]
fn a_record_whose_checksum_fails_ends_the_journal() {
    let mut bytes = [record_of(1, 1), record_of(2, 1), record_of(3, 1)].concat();
    let second = record_of(1, 1).len();
    bytes[second + HEADER + 3] ^= 1;
    assert_eq!(firsts(&bytes, 1), [1]);
}

#[test]
fn older_records_after_a_rewind_are_not_replayed() {
    // Before the rewind: records 1, 2 and 3..4; the store then synced through 4, and the
    // writer wrote record 5 from the start again, as long as record 1.
    let old = [record_of(1, 1), record_of(2, 1), record_of(3, 2)].concat();
    let mut bytes = old.clone();
    let new = record_of(5, 1);
    assert_eq!(new.len(), record_of(1, 1).len());
    bytes[..new.len()].copy_from_slice(&new);
    assert_eq!(firsts(&bytes, 5), [5]);
    // Written shorter than the record it overwrites, what is left of that one after it does
    // not read as a record.
    let mut longer = [record_sized(1, 1, 300), record_of(2, 1)].concat();
    let shorter = record_of(5, 1);
    longer[..shorter.len()].copy_from_slice(&shorter);
    assert_eq!(firsts(&longer, 5), [5]);
    // Torn, the new record is not read, nor anything after it.
    let mut torn = longer.clone();
    torn[shorter.len() - 1] ^= 0xff;
    assert!(firsts(&torn, 5).is_empty());
    // A journal that does not continue the store is not replayed at all.
    let scanned = scan(bytes.as_slice(), &ID, 3).expect("read");
    assert!(scanned.records.is_empty());
    assert_eq!(scanned.foreign, Some(5));
}

fn receive(n: u64) -> Request {
    Request::Receive {
        incoming: Box::new(incoming(n, false)),
        reply: tokio::sync::oneshot::channel().0,
    }
}

#[test]
fn only_groups_of_received_messages_and_routing_results_are_journaled() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("s.redb");
    let db = redb::Database::create(&store).expect("store");
    let mut journal = Journal::open(&db, &store).expect("journal");
    let routed = || Request::Routed {
        records: Vec::new(),
        reply: tokio::sync::oneshot::channel().0,
    };
    assert!(journal.prepare(1, &[receive(1), routed(), receive(2)]));
    assert!(!journal.prepare(1, &[routed()]), "no message to journal");
    let sync = Request::Sync {
        reply: tokio::sync::oneshot::channel().0,
    };
    assert!(!journal.prepare(1, &[receive(1), sync]));
    assert!(!journal.prepare(1, &[receive(1), Request::Stop]));
}

#[test]
fn a_record_that_does_not_fit_waits_for_a_sync_and_the_journal_starts_again_larger() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("s.redb");
    let db = redb::Database::create(&store).expect("store");
    let mut journal = Journal::open(&db, &store).expect("journal");
    let size = || std::fs::metadata(path_of(&store)).expect("journal").len();
    assert_eq!(size(), super::file::INITIAL_BYTES);
    let mut next = 1;
    while journal.prepare(next, &[receive(next)]) {
        journal.append().expect("append");
        next += 1;
    }
    assert!(next > 100, "only {next} records fit");
    let bytes = std::fs::read(path_of(&store)).expect("journal");
    let id = super::read_id(&db).expect("read").expect("an id");
    let firsts = |bytes: &[u8], next| -> Vec<u64> {
        let scanned = scan(bytes, &id, next).expect("read");
        scanned.records.iter().map(|r| r.header.first).collect()
    };
    assert_eq!(firsts(&bytes, 1).len() as u64, next - 1);
    // The store synced the group that did not fit: the next record goes at the start.
    journal.synced().expect("synced");
    assert_eq!(size(), 2 * super::file::INITIAL_BYTES);
    assert!(journal.prepare(next + 1, &[receive(next + 1)]));
    journal.append().expect("append");
    let bytes = std::fs::read(path_of(&store)).expect("journal");
    assert_eq!(firsts(&bytes, next + 1), [next + 1]);
    assert!(
        firsts(&bytes, 1).is_empty(),
        "the new record does not follow 1"
    );
}

/// The messages waiting to be routed.
fn waiting(store: &Store) -> Vec<MessageId> {
    let pending = store.pending_routes().expect("pending");
    pending.into_iter().map(|(id, _)| id).collect()
}

/// Copies the store file and its journal, while the store runs, as a crash would leave them.
fn crash_copy(from: &std::path::Path, to: &std::path::Path) {
    std::fs::copy(from, to).expect("copy the store");
    std::fs::copy(path_of(from), path_of(to)).expect("copy the journal");
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_acknowledged_but_not_synced_to_the_store_are_stored_at_open() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("s.redb");
    let store = Store::open(&path).expect("store");
    // The first is routed too, in a commit not synced either: lost with the crash, it leaves
    // its message waiting to be routed again.
    let mut ids = vec![receive_routed(&store, 1, 100, &["OUT"]).await];
    for n in 2..=5 {
        ids.push(receive_waiting(&store, n, 100).await);
    }
    let copy = dir.path().join("copy.redb");
    crash_copy(&path, &copy);
    tokio::task::block_in_place(|| store.shutdown());

    // Without the journal, the copy lacks what was acknowledged.
    let bare = dir.path().join("bare.redb");
    std::fs::copy(&copy, &bare).expect("copy");
    let db = redb::Database::open(&bare).expect("open");
    assert_eq!(
        super::durable_next(&db).expect("next"),
        1,
        "nothing was synced"
    );
    drop(db);

    let store = Store::open(&copy).expect("copy opens");
    let waiting = waiting(&store);
    assert_eq!(waiting, ids, "the same ids, waiting to be routed");
    for (n, id) in (1..=5).zip(&ids) {
        let (info, raw) = store.read_message(*id).expect("read").expect("stored");
        assert_eq!(raw, message(n, 100).0);
        assert_eq!(info.control_id, format!("C{n}"));
    }
    // Stored with a sync, the journal's records are passed over from now on.
    assert_eq!(receive_waiting(&store, 6, 100).await, MessageId(6));
    tokio::task::block_in_place(|| store.shutdown());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_duplicate_found_before_the_crash_is_found_again_at_replay() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("s.redb");
    let store = Store::open(&path).expect("store");
    let with_dedupe = |n: u64| {
        let mut one = incoming(n, false);
        one.dedupe = Some(Dedupe {
            sending_application: "LAB".into(),
            control_id: "SAME".into(),
            window_micros: 60_000_000,
        });
        one
    };
    let first = store.receive(with_dedupe(1)).await.expect("first");
    let again = store.receive(with_dedupe(2)).await.expect("again");
    assert_eq!(again.duplicate_of, Some(first.id));
    let copy = dir.path().join("copy.redb");
    crash_copy(&path, &copy);
    tokio::task::block_in_place(|| store.shutdown());
    let store = Store::open(&copy).expect("copy opens");
    let disposition = store
        .disposition(again.id)
        .expect("read")
        .expect("recorded");
    assert_eq!(disposition.detail, format!("duplicate of {}", first.id));
    let waiting = waiting(&store);
    assert_eq!(waiting, [first.id]);
    tokio::task::block_in_place(|| store.shutdown());
}

/// A store that received `count` messages, and a copy of it (`copy.redb`) as a crash leaves it.
async fn received_then_copied(count: u64) -> (tempfile::TempDir, Store, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("s.redb");
    let store = Store::open(&path).expect("store");
    for n in 1..=count {
        receive_waiting(&store, n, 100).await;
    }
    let copy = dir.path().join("copy.redb");
    crash_copy(&path, &copy);
    (dir, store, copy)
}

#[tokio::test(flavor = "multi_thread")]
async fn backups_hold_what_the_journal_holds() {
    let (dir, store, copy) = received_then_copied(3).await;
    // A backup through the running store reads its commits, synced or not.
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let online = dir.path().join("online.redb");
    tokio::task::block_in_place(|| store.backup(&online, &cancel, &mut |_, _| {})).expect("backup");
    tokio::task::block_in_place(|| store.shutdown());
    let verified = crate::store::verify(&online, &mut |_, _| {}).expect("verify");
    assert_eq!(verified.messages, 3);

    // A file left by a crash is not opened read-only (redb repairs it first).
    assert!(crate::store::verify(&copy, &mut |_, _| {}).is_err());
    let backup = dir.path().join("backup.redb");
    crate::store::backup_file(&copy, &backup, &cancel, &mut |_, _| {}).expect("backup");
    let verified = crate::store::verify(&backup, &mut |_, _| {}).expect("verify");
    assert_eq!(verified.messages, 3);
    assert!(verified.problems.is_empty(), "{:?}", verified.problems);
    // The store itself now holds them too.
    let verified = crate::store::verify(&copy, &mut |_, _| {}).expect("verify");
    assert_eq!(verified.messages, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_store_in_the_place_of_a_deleted_one_ignores_the_old_journal() {
    let (_dir, store, copy) = received_then_copied(3).await;
    tokio::task::block_in_place(|| store.shutdown());
    std::fs::remove_file(&copy).expect("delete the store");
    let store = Store::open(&copy).expect("a new store");
    assert!(store.latest(None, 10).expect("read").is_empty());
    assert!(waiting(&store).is_empty());
    tokio::task::block_in_place(|| store.shutdown());
}
