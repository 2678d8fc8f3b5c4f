//! Migration of a store written by the layout-1 code (`tests/fixtures/store-v1.redb`, written
//! by `scripts/store-v1-fixture.sh`) to layout 2: every body reads as it was written, an
//! interrupted migration goes on where it stopped without sealing anything twice, and a store
//! of a newer layout is refused.

#[path = "store_v1/content.rs"]
#[allow(
    dead_code,
    reason = "the fixture's writer runs on the layout-1 code only"
)]
mod content;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use messagefoundry::store::{
    KeySettings, MessageId, Store, StoreError, migrate_file, migrate_file_in_chunks,
    verify_with_keys,
};
use redb::ReadableDatabase;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/store-v1.redb");

/// A copy of the fixture in a folder of the test's own.
fn fixture_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("test step");
    let path = dir.path().join("store.redb");
    std::fs::copy(FIXTURE, &path).expect("test step");
    (dir, path)
}

fn layout(path: &Path) -> String {
    let db = redb::ReadOnlyDatabase::open(path).expect("test step");
    let txn = db.begin_read().expect("test step");
    let meta: redb::TableDefinition<&str, &str> = redb::TableDefinition::new("meta");
    let table = txn.open_table(meta).expect("test step");
    table
        .get("layout")
        .expect("test step")
        .expect("test step")
        .value()
        .to_owned()
}

/// Every body, payload and copy of the fixture reads as the layout-1 code wrote it.
fn assert_content(path: &Path) {
    let store = Store::open(path).expect("test step");
    for i in 0..content::MESSAGES {
        let (info, raw) = store
            .read_message(MessageId(i + 1))
            .expect("test step")
            .expect("test step");
        assert_eq!(raw, content::body(i), "message {}", i + 1);
        assert_eq!(info.inbound, "IB_Lab");
    }
    let broken = MessageId(content::MESSAGES + 1);
    assert_eq!(
        store
            .read_message(broken)
            .expect("test step")
            .expect("test step")
            .1,
        content::BROKEN
    );
    let edit = MessageId(content::MESSAGES + 2);
    assert_eq!(
        store
            .read_message(edit)
            .expect("test step")
            .expect("test step")
            .1,
        content::edited()
    );
    // OB_A: the second half of the routed messages as received, then the edit.
    let a = store.queue_head("OB_A", 1000).expect("test step");
    let routed = content::MESSAGES - 10;
    assert_eq!(a.len() as u64, routed - content::MESSAGES / 2 + 1);
    for entry in &a {
        let expected = if entry.message == edit {
            content::edited()
        } else {
            content::body(entry.message.0 - 1)
        };
        assert_eq!(entry.payload, expected, "OB_A {}", entry.key.seq);
        // The edit is of message 1 and keeps its control ID.
        let of = if entry.message == edit {
            1
        } else {
            entry.message.0 - 1
        };
        assert_eq!(
            entry.control_id,
            content::control_id(of),
            "OB_A {}",
            entry.key.seq
        );
    }
    // OB_B: every routed message transformed, but message 3 (dead-lettered).
    let b = store.queue_head("OB_B", 1000).expect("test step");
    assert_eq!(b.len() as u64, routed - 1);
    for entry in &b {
        assert_eq!(entry.payload, content::transformed(entry.message.0 - 1));
        assert_eq!(entry.control_id, content::control_id(entry.message.0 - 1));
    }
    let dead = store.dead_letters(Some("OB_B")).expect("test step");
    assert_eq!(dead.len(), 1);
    let copies = store.destinations(dead[0].message).expect("test step");
    assert_eq!(
        copies[1].payload.as_deref(),
        Some(&content::transformed(2)[..])
    );
    let pending = store.pending_routes_for("IB_Lab", 100).expect("test step");
    assert_eq!(pending.len(), 10);
    for (id, raw) in pending {
        assert_eq!(raw, content::body(id.0 - 1));
    }
    store.shutdown();
}

/// A dead letter of layout 1 gains its payload's control ID, and a replay queues it with it.
#[tokio::test]
async fn a_migrated_dead_letter_is_replayed_with_its_control_id() {
    let (_dir, path) = fixture_copy();
    let store = Store::open(&path).expect("test step");
    let dead = store.dead_letters(Some("OB_B")).expect("test step");
    let key = store.replay(dead[0].key.clone()).await.expect("test step");
    let head = store.queue_head("OB_B", 1000).expect("test step");
    let last = head.last().expect("test step");
    assert_eq!(last.key, key);
    assert_eq!(last.control_id, content::control_id(dead[0].message.0 - 1));
    drop(store);
}

#[test]
fn the_fixture_is_a_layout_1_store() {
    assert_eq!(layout(Path::new(FIXTURE)), "1");
}

#[test]
fn a_layout_1_store_opens_migrated_with_every_body_as_it_was() {
    let (_dir, path) = fixture_copy();
    assert_content(&path);
    assert_eq!(layout(&path), "2");
    let verified =
        verify_with_keys(&path, &KeySettings::default(), &mut |_, _| {}).expect("test step");
    assert!(verified.problems.is_empty(), "{:?}", verified.problems);
    assert_eq!(verified.layout, "2");
    // Opened again, nothing is migrated twice.
    assert_content(&path);
}

#[test]
fn an_interrupted_migration_goes_on_where_it_stopped_and_seals_nothing_twice() {
    let (_dir, path) = fixture_copy();
    // Stopped after its first chunk (the messages), then again after one more.
    for stop_after in [1, 2] {
        let chunks = AtomicUsize::new(0);
        let stopped = migrate_file(
            &path,
            &KeySettings::default(),
            &mut |_, _| {
                chunks.fetch_add(1, Ordering::Relaxed);
            },
            &|| chunks.load(Ordering::Relaxed) >= stop_after,
        );
        assert!(
            matches!(stopped, Err(StoreError::Interrupted(_))),
            "{stopped:?}"
        );
        // Half migrated, the file says so: the layout-1 code refuses any layout but "1".
        assert_eq!(layout(&path), "1-to-2");
    }
    let finished =
        migrate_file(&path, &KeySettings::default(), &mut |_, _| {}, &|| false).expect("test step");
    assert!(finished.migrated);
    assert_content(&path);
}

#[test]
fn a_migration_stopped_after_every_chunk_of_seven_rows_ends_with_every_body_sealed_once() {
    let (_dir, path) = fixture_copy();
    let mut runs = 0;
    loop {
        runs += 1;
        assert!(
            runs < 1000,
            "the migration does not move on from where it stopped"
        );
        let chunks = AtomicUsize::new(0);
        let result = migrate_file_in_chunks(
            &path,
            &KeySettings::default(),
            7,
            &mut |_, _| {
                chunks.fetch_add(1, Ordering::Relaxed);
            },
            &|| chunks.load(Ordering::Relaxed) >= 1,
        );
        match result {
            Err(StoreError::Interrupted(_)) => continue,
            Ok(done) => {
                assert!(done.migrated);
                break;
            }
            Err(e) => panic!("{e}"),
        }
    }
    // Some 250 body rows, seven at a time, each table's last chunk short.
    assert!(runs > 30, "{runs} runs");
    assert_content(&path);
}

#[test]
fn a_store_of_a_newer_layout_is_refused_naming_both_layouts() {
    let dir = tempfile::tempdir().expect("test step");
    let path = dir.path().join("new.redb");
    {
        let db = redb::Database::create(&path).expect("test step");
        let txn = db.begin_write().expect("test step");
        let meta: redb::TableDefinition<&str, &str> = redb::TableDefinition::new("meta");
        txn.open_table(meta)
            .expect("test step")
            .insert("layout", "3")
            .expect("test step");
        txn.commit().expect("test step");
    }
    let err = Store::open(&path).expect_err("refused");
    let text = err.to_string();
    assert!(matches!(err, StoreError::Layout { .. }), "{text}");
    assert!(
        text.contains("layout 3") && text.contains("layout 2"),
        "{text}"
    );
    assert_eq!(layout(&path), "3", "the file is left as it was");
}
