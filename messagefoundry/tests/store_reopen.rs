//! A store dropped without a shutdown and opened again has everything it had: messages,
//! routing state, queues with their attempt counts, dead letters, and counters that go on.

mod support;

use messagefoundry::interface::Disposition;
use messagefoundry::store::{MessageId, Store, StoreError};
use support::{incoming, open, processed, receive};

/// Opens the store again once the dropped handle's writer has let go of the file; the writer
/// thread ends on its own after the last handle is dropped.
fn reopen(path: &std::path::Path) -> Store {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match Store::open(path) {
            Ok(store) => return store,
            Err(StoreError::Open { .. }) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) => panic!("the store does not open again: {e}"),
        }
    }
}

#[tokio::test]
async fn everything_is_there_after_a_drop_and_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.redb");
    let store = open(dir.path(), "s.redb");
    let waiting = receive(&store, incoming("W")).await;
    let routed = receive(&store, incoming("R")).await;
    let unrouted = receive(&store, incoming("U")).await;
    let keys = store
        .record_route(processed(
            routed,
            &[("OB", b"a"), ("OB", b"b"), ("OB", b"c")],
        ))
        .await
        .unwrap();
    store
        .record_route(messagefoundry::store::RouteRecord {
            disposition: Disposition::Unrouted,
            detail: "not a result".into(),
            ..processed(unrouted, &[])
        })
        .await
        .unwrap();
    store.delivered(keys[0].clone(), 1, "AA").await.unwrap();
    store.attempted(keys[1].clone(), 4).await.unwrap();
    store
        .dead_letter(keys[2].clone(), 2, "AR (rejected)".into())
        .await
        .unwrap();
    let summary = store.read_message(routed).unwrap().unwrap();
    drop(store);

    let store = tokio::task::spawn_blocking(move || reopen(&path))
        .await
        .unwrap();
    assert_eq!(store.read_message(routed).unwrap().unwrap(), summary);
    assert_eq!(
        store.pending_routes().unwrap(),
        vec![(waiting, "IB".to_owned())]
    );
    assert_eq!(
        store.disposition(waiting).unwrap().unwrap().disposition,
        Disposition::Received
    );
    assert_eq!(
        store.disposition(routed).unwrap().unwrap().disposition,
        Disposition::Processed
    );
    let d = store.disposition(unrouted).unwrap().unwrap();
    assert_eq!(
        (d.disposition, d.detail.as_str()),
        (Disposition::Unrouted, "not a result")
    );
    let head = store.queue_head("OB", 10).unwrap();
    assert_eq!(head.len(), 1);
    assert_eq!(
        (head[0].key.clone(), head[0].attempts),
        (keys[1].clone(), 4)
    );
    assert_eq!(head[0].payload, b"b");
    let dead = store.dead_letters(None).unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (dead[0].key.clone(), dead[0].attempts),
        (keys[2].clone(), 2)
    );
    assert_eq!(dead[0].reason, "AR (rejected)");

    // Ids and sequence numbers go on from where they were, never reused.
    let next = receive(&store, incoming("N")).await;
    assert_eq!(next, MessageId(unrouted.0 + 1));
    let replayed = store.replay(keys[2].clone()).await.unwrap();
    assert_eq!(replayed.seq, keys[2].seq + 1);
    let more = store
        .record_route(processed(waiting, &[("OB", b"d")]))
        .await
        .unwrap();
    assert_eq!(more[0].seq, replayed.seq + 1);
    support::shutdown(store).await;
}

#[tokio::test]
async fn a_store_that_is_open_cannot_be_opened_twice() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    assert!(matches!(
        Store::open(dir.path().join("s.redb")),
        Err(StoreError::Open { .. })
    ));
    support::shutdown(store).await;
}
