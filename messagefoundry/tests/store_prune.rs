//! Pruning deletes what is old and finished, and keeps whatever is still needed, however old.

mod support;

use messagefoundry::interface::Disposition;
use messagefoundry::store::{MessageId, RouteRecord, Store, now_micros};
use support::{DAY_MICROS, deduped, incoming_at, open, oru_text, processed, receive};

/// Stores a message received at `at`.
async fn at(store: &Store, control: &str, at: u64) -> MessageId {
    receive(store, incoming_at("IB", &oru_text(control), at)).await
}

fn kept(store: &Store, id: MessageId) -> bool {
    store.read_message(id).expect("store read").is_some()
}

#[tokio::test]
async fn only_old_finished_messages_go() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    let now = now_micros();
    let old = now - 10 * DAY_MICROS;
    let cut = now - DAY_MICROS;

    // Ids grow with time, as in a running engine: the old ones first.
    let processed_old = at(&store, "PROCESSED", old).await;
    let unrouted_old = at(&store, "UNROUTED", old).await;
    let error_old = {
        let mut refused = incoming_at("IB", &oru_text("ERROR"), old);
        refused.refused = Some("header incomplete: MSH-9 is empty".into());
        receive(&store, refused).await
    };
    let delivered_old = at(&store, "DELIVERED", old).await;
    let waiting_old = at(&store, "WAITING", old).await;
    let queued_old = at(&store, "QUEUED", old).await;
    let retried_old = at(&store, "RETRIED", old).await;
    let dead_old = at(&store, "DEAD", old).await;
    let processed_new = at(&store, "NEW", now).await;

    store
        .record_route(processed(processed_old, &[]))
        .await
        .unwrap();
    store
        .record_route(RouteRecord {
            disposition: Disposition::Unrouted,
            ..processed(unrouted_old, &[])
        })
        .await
        .unwrap();
    let delivered = store
        .record_route(processed(delivered_old, &[("OB", b"d")]))
        .await
        .unwrap();
    store
        .delivered(delivered[0].clone(), 1, "AA")
        .await
        .unwrap();
    store
        .record_route(processed(queued_old, &[("OB", b"q")]))
        .await
        .unwrap();
    let retried = store
        .record_route(processed(retried_old, &[("OB_2", b"r")]))
        .await
        .unwrap();
    store.attempted(retried[0].clone(), 3).await.unwrap();
    let dead = store
        .record_route(processed(dead_old, &[("OB_3", b"x")]))
        .await
        .unwrap();
    store
        .dead_letter(dead[0].clone(), 1, "AR".into())
        .await
        .unwrap();
    store
        .record_route(processed(processed_new, &[]))
        .await
        .unwrap();

    assert_eq!(store.prune(cut).await.unwrap(), 4);
    for id in [processed_old, unrouted_old, error_old, delivered_old] {
        assert!(!kept(&store, id), "{id} is old and finished");
        assert!(store.disposition(id).unwrap().is_none(), "{id}");
    }
    for id in [
        waiting_old,
        queued_old,
        retried_old,
        dead_old,
        processed_new,
    ] {
        assert!(kept(&store, id), "{id} is still needed or new");
    }
    assert_eq!(
        store.disposition(waiting_old).unwrap().unwrap().disposition,
        Disposition::Received
    );
    assert_eq!(
        store.pending_routes().unwrap(),
        vec![(waiting_old, "IB".to_owned())]
    );
    assert_eq!(store.queue_head("OB", 10).unwrap()[0].payload, b"q");
    assert_eq!(store.queue_head("OB_2", 10).unwrap()[0].attempts, 3);
    assert_eq!(store.dead_letters(None).unwrap()[0].message, dead_old);

    // Nothing more until something finishes; then it goes too.
    assert_eq!(store.prune(cut).await.unwrap(), 0);
    let queued = store.queue_head("OB", 1).unwrap();
    store
        .delivered(queued[0].key.clone(), 1, "AA")
        .await
        .unwrap();
    store.replay(dead[0].clone()).await.unwrap();
    assert_eq!(store.prune(cut).await.unwrap(), 1);
    assert!(!kept(&store, queued_old));
    // The replayed one is queued again, so it stays.
    assert!(kept(&store, dead_old));
    assert_eq!(store.queue_head("OB_3", 1).unwrap()[0].payload, b"x");
}

#[tokio::test]
async fn the_cut_off_is_exclusive_and_a_prune_of_an_empty_store_is_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    assert_eq!(store.prune(u64::MAX).await.unwrap(), 0);
    let at_cut = at(&store, "CUT", 5_000).await;
    store.record_route(processed(at_cut, &[])).await.unwrap();
    assert_eq!(store.prune(5_000).await.unwrap(), 0);
    assert!(kept(&store, at_cut));
    assert_eq!(store.prune(5_001).await.unwrap(), 1);
    assert!(!kept(&store, at_cut));
}

#[tokio::test]
async fn pruning_forgets_control_ids_received_before_the_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    let now = now_micros();
    let old = now - 10 * DAY_MICROS;
    // A window longer than the message's age: only pruning can make it forgotten.
    let window = 20 * DAY_MICROS;
    let first = receive(
        &store,
        deduped(incoming_at("IB", &oru_text("DUP"), old), window),
    )
    .await;
    store.record_route(processed(first, &[])).await.unwrap();
    assert_eq!(store.prune(now - DAY_MICROS).await.unwrap(), 1);
    let again = store
        .receive(deduped(incoming_at("IB", &oru_text("DUP"), now), window))
        .await
        .unwrap();
    assert_eq!(again.duplicate_of, None);
}
