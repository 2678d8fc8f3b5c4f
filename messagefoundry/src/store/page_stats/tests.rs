use super::*;
use crate::store::Store;
use crate::store::test_messages::receive_routed;

#[tokio::test(flavor = "multi_thread")]
async fn each_table_reports_its_rows_and_the_bytes_of_its_pages() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stats.redb");
    let store = Store::open(&path).unwrap();
    for n in 0..300 {
        receive_routed(&store, n, 2000, &["OUT"]).await;
    }
    tokio::task::block_in_place(|| store.shutdown());
    let stats = page_stats(&path).unwrap();
    let table = |name: &str| stats.tables.iter().find(|t| t.name == name).unwrap();
    let messages = table("messages");
    assert_eq!(messages.rows, 300);
    assert_eq!(table("queue").rows, 300);
    assert!(
        messages.leaf_pages > 1 && messages.branch_pages >= 1,
        "{messages:?}"
    );
    // Each stored body holds at least its 8-byte key and a compressed body of some bytes.
    assert!(messages.stored_bytes > 300 * 20, "{messages:?}");
    assert!(
        messages.fill() > 0.0 && messages.fill() < 1.0,
        "{messages:?}"
    );
    let tables: u64 = stats.tables.iter().map(TablePages::page_bytes).sum();
    assert!(tables > 0 && tables <= stats.file_bytes);
    assert_eq!(stats.other_bytes(), stats.file_bytes - tables);
}

#[test]
fn a_file_that_is_not_a_store_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not.redb");
    std::fs::write(&path, b"not a store").unwrap();
    assert!(page_stats(&path).is_err());
    assert!(page_stats(&dir.path().join("missing.redb")).is_err());
}
