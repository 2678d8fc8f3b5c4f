//! Backup, verify and compact on stores made here.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::store::queue_counters::QUEUE_COUNTERS;
use crate::store::test_messages::{receive_routed, receive_waiting};
use crate::store::{FileError, Store, backup_file, compact, partial_path, verify};

/// Stores `n` messages of about `size` bytes at once, routes them, and queues each to OB.
async fn fill(store: &Store, n: usize, size: usize) {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let store = store.clone();
        tasks.spawn(async move { receive_routed(&store, i as u64, size, &["OB"]).await });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("task");
    }
}

/// Delivers every queued entry, so a prune can delete the messages.
async fn deliver_all(store: &Store) {
    for entry in store.queue_head("OB", usize::MAX).expect("queue") {
        store
            .delivered(entry.key, 1, "AA")
            .await
            .expect("delivered");
    }
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).expect("size").len()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_taken_while_the_store_is_open_holds_everything_and_verifies() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path().join("s.redb")).expect("store");
    fill(&store, 300, 200).await;
    let to = dir.path().join("b.redb");
    let cancel = AtomicBool::new(false);
    let report = store.backup(&to, &cancel, &mut |_, _| {}).expect("backup");
    assert_eq!(report.messages, 300);
    assert!(!partial_path(&to).exists());
    close(store);

    let verified = verify(&to, &mut |_, _| {}).expect("verified");
    assert_eq!(verified.problems, Vec::<String>::new());
    assert_eq!((verified.messages, verified.queued), (300, 300));
    assert!(verified.counters_kept);
    let copy = Store::open(&to).expect("the copy opens");
    assert_eq!(copy.queue_count("OB").expect("count").depth, 300);
    let first = copy
        .queue_head("OB", 1)
        .expect("head")
        .pop()
        .expect("an entry");
    let (_, raw) = copy
        .read_message(first.message)
        .expect("read")
        .expect("stored");
    assert_eq!(raw, first.payload);
    close(copy);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_backup_leaves_the_earlier_backup_as_it_was() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("s.redb");
    let store = Store::open(&db).expect("store");
    fill(&store, 10, 50).await;
    let to = dir.path().join("b.redb");
    let cancel = AtomicBool::new(false);
    store
        .backup(&to, &cancel, &mut |_, _| {})
        .expect("first backup");
    let earlier = std::fs::read(&to).expect("read");
    // More rows than one chunk, so the copy is stopped halfway.
    fill(&store, 1_500, 50).await;
    close(store);

    let mut chunks = 0;
    let stopped = backup_file(&db, &to, &cancel, &mut |done, total| {
        chunks += 1;
        assert!(done < total, "stopped after the last chunk");
        cancel.store(true, Ordering::Relaxed);
    });
    assert!(
        matches!(stopped, Err(FileError::Interrupted(_))),
        "{stopped:?}"
    );
    assert_eq!(chunks, 1);
    assert_eq!(std::fs::read(&to).expect("read"), earlier);
    assert!(!partial_path(&to).exists(), "the partial copy is removed");
    assert_eq!(verify(&to, &mut |_, _| {}).expect("verified").messages, 10);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_onto_the_store_itself_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("s.redb");
    let store = Store::open(&db).expect("store");
    let refused = store.backup(&db, &AtomicBool::new(false), &mut |_, _| {});
    assert!(matches!(refused, Err(FileError::Refused(_))), "{refused:?}");
    close(store);
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_reports_counters_that_differ_from_the_queue() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("s.redb");
    let store = Store::open(&db).expect("store");
    fill(&store, 5, 10).await;
    {
        let txn = store.db().begin_write().expect("write");
        txn.open_table(QUEUE_COUNTERS)
            .expect("counters")
            .insert("OB", (4, 1_000))
            .expect("tampered");
        txn.commit().expect("commit");
    }
    close(store);
    let verified = verify(&db, &mut |_, _| {}).expect("verified");
    assert_eq!(verified.problems.len(), 1, "{:?}", verified.problems);
    assert!(verified.problems[0].contains("queue counter of OB: 4 queued"));
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_reports_a_watermark_past_a_message_waiting_to_be_routed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("s.redb");
    let store = Store::open(&db).expect("store");
    fill(&store, 3, 10).await;
    // A fourth message, stored and left waiting to be routed.
    receive_waiting(&store, 3, 10).await;
    close(store);
    assert_eq!(
        verify(&db, &mut |_, _| {}).expect("verified").problems,
        Vec::<String>::new()
    );
    {
        let db = redb::Database::open(&db).expect("open");
        let txn = db.begin_write().expect("write");
        txn.open_table(crate::store::tables::META)
            .expect("meta")
            .insert(crate::store::unrouted::ROUTED_THROUGH, "4")
            .expect("tampered");
        txn.commit().expect("commit");
    }
    let verified = verify(&db, &mut |_, _| {}).expect("verified");
    assert_eq!(verified.problems.len(), 1, "{:?}", verified.problems);
    assert!(verified.problems[0].contains("1 messages at or below the routed watermark"));
}

#[test]
fn verify_and_compact_refuse_a_store_held_by_another_handle() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("s.redb");
    let store = Store::open(&db).expect("store");
    assert!(matches!(compact(&db), Err(FileError::InUse(..))));
    assert!(matches!(
        backup_file(
            &db,
            &dir.path().join("b"),
            &AtomicBool::new(false),
            &mut |_, _| {}
        ),
        Err(FileError::InUse(..))
    ));
    close(store);
}

#[tokio::test(flavor = "multi_thread")]
async fn pruned_space_is_reused_and_compaction_gives_it_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("s.redb");
    let store = Store::open(&db).expect("store");
    fill(&store, 1_000, 2_000).await;
    deliver_all(&store).await;
    let full = size(&db);
    // The same five times again, each written into the pages the prune before it freed. redb
    // grows a file by doubling it, so one refill may still double it, depending on how the
    // commits fell; without reuse the six fills would need at least three times the file.
    for _ in 0..5 {
        assert_eq!(store.prune(u64::MAX).await.expect("pruned"), 1_000);
        fill(&store, 1_000, 2_000).await;
        deliver_all(&store).await;
    }
    let refilled = size(&db);
    assert!(
        refilled <= 2 * full,
        "the file grew from {full} to {refilled} bytes: pruned space was not reused"
    );
    store.prune(u64::MAX).await.expect("pruned");
    close(store);

    // redb may already have cut the free end off the file at the last commit, so compaction is
    // judged against the full file: what is left is a fraction of it, and never more than before.
    let compacted = compact(&db).expect("compacted");
    assert!(
        compacted.after <= compacted.before && compacted.after < full / 4,
        "{} bytes before, {} after, {full} when full",
        compacted.before,
        compacted.after
    );
    assert_eq!(compacted.after, size(&db));
    assert_eq!(
        verify(&db, &mut |_, _| {}).expect("verified").problems,
        Vec::<String>::new()
    );
}

/// Stops a store from inside the runtime (its shutdown blocks).
fn close(store: Store) {
    tokio::task::block_in_place(|| store.shutdown());
}
