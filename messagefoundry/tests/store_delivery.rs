//! The end of a queued message: delivered, tried again, dead-lettered, replayed; and a key the
//! store does not hold is refused without harm.

mod support;

use messagefoundry::store::{QueueKey, Store, StoreError, now_micros};
use support::{incoming, open, processed, receive};

/// Stores a message and queues `payloads` for `OB`, in order; returns their keys.
async fn queued(store: &Store, control: &str, payloads: &[&[u8]]) -> Vec<QueueKey> {
    let id = receive(store, incoming(control)).await;
    let sends: Vec<(&str, &[u8])> = payloads.iter().map(|p| ("OB", *p)).collect();
    store
        .record_route(processed(id, &sends))
        .await
        .expect("routed")
}

fn head_seqs(store: &Store) -> Vec<u64> {
    store
        .queue_head("OB", 100)
        .expect("queue read")
        .iter()
        .map(|e| e.key.seq)
        .collect()
}

#[tokio::test]
async fn delivering_the_head_brings_the_next_one_up() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    let keys = queued(&store, "D1", &[b"one", b"two", b"three"]).await;
    store.delivered(keys[0].clone(), 1, "AA").await.unwrap();
    assert_eq!(head_seqs(&store), [keys[1].seq, keys[2].seq]);
    assert_eq!(store.queue_head("OB", 1).unwrap()[0].payload, b"two");
    // Delivered is gone from the queue for good: not there to deliver, retry or dead-letter.
    let gone = keys[0].clone();
    assert!(matches!(
        store.delivered(gone.clone(), 1, "AA").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.attempted(gone.clone(), 2).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.dead_letter(gone, 2, "late".into()).await,
        Err(StoreError::NotFound)
    ));
    assert!(store.dead_letters(None).unwrap().is_empty());
    assert_eq!(store.queue_len("OB").unwrap(), 2);
}

#[tokio::test]
async fn a_retry_keeps_the_message_at_the_head_with_its_count() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    let keys = queued(&store, "T1", &[b"one", b"two"]).await;
    for attempts in 1..=3 {
        store.attempted(keys[0].clone(), attempts).await.unwrap();
        let head = store.queue_head("OB", 2).unwrap();
        assert_eq!(head[0].key, keys[0]);
        assert_eq!(head[0].payload, b"one");
        assert_eq!(head[0].attempts, attempts);
        assert_eq!(head[1].attempts, 0);
    }
    store.delivered(keys[0].clone(), 4, "AA").await.unwrap();
    assert_eq!(head_seqs(&store), [keys[1].seq]);
}

#[tokio::test]
async fn a_dead_letter_keeps_its_bytes_count_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    let before = now_micros();
    let a = queued(&store, "A1", &[b"to a"]).await;
    let id_b = receive(&store, incoming("B1")).await;
    let b = store
        .record_route(processed(id_b, &[("OB_OTHER", b"to other")]))
        .await
        .unwrap();
    store
        .dead_letter(a[0].clone(), 5, "AE (error) after 5 attempts".into())
        .await
        .unwrap();
    store
        .dead_letter(b[0].clone(), 1, "AR (rejected)".into())
        .await
        .unwrap();
    assert_eq!(store.queue_len("OB").unwrap(), 0);
    assert_eq!(store.queue_len("OB_OTHER").unwrap(), 0);

    let all = store.dead_letters(None).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(
        (all[0].key.clone(), all[1].key.clone()),
        (a[0].clone(), b[0].clone())
    );
    let dead = &all[0];
    assert_eq!(dead.attempts, 5);
    assert_eq!(dead.reason, "AE (error) after 5 attempts");
    assert!(dead.at_micros >= before && dead.at_micros <= now_micros());
    let only = store.dead_letters(Some("OB_OTHER")).unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].message, id_b);
    assert!(store.dead_letters(Some("OB_NONE")).unwrap().is_empty());
    // The list leaves the bytes out; replay shows they were kept.
    store.replay(only[0].key.clone()).await.unwrap();
    assert_eq!(
        store.queue_head("OB_OTHER", 1).unwrap()[0].payload,
        b"to other"
    );
}

#[tokio::test]
async fn a_replay_goes_to_the_end_of_its_queue_with_no_attempts() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    let first = queued(&store, "P1", &[b"first"]).await;
    store
        .dead_letter(first[0].clone(), 3, "AR".into())
        .await
        .unwrap();
    let later = queued(&store, "P2", &[b"later"]).await;
    let replayed = store.replay(first[0].clone()).await.unwrap();
    assert_eq!(replayed.outbound, "OB");
    assert!(replayed.seq > later[0].seq);
    let head = store.queue_head("OB", 10).unwrap();
    assert_eq!(
        head.iter()
            .map(|e| e.payload.as_slice())
            .collect::<Vec<_>>(),
        [&b"later"[..], b"first"]
    );
    assert_eq!(head[1].key, replayed);
    assert_eq!(head[1].attempts, 0);
    assert!(store.dead_letters(None).unwrap().is_empty());
    // Once replayed it is no longer a dead letter; a queued entry cannot be replayed.
    assert!(matches!(
        store.replay(first[0].clone()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.replay(later[0].clone()).await,
        Err(StoreError::NotFound)
    ));
    let wrong = QueueKey {
        outbound: "OB_OTHER".into(),
        seq: replayed.seq,
    };
    assert!(matches!(
        store.replay(wrong.clone()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.delivered(wrong, 1, "AA").await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.queue_len("OB").unwrap(), 2);
}

#[tokio::test]
async fn a_refused_request_does_not_undo_the_others_of_its_commit() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    let keys = queued(&store, "G1", &[b"one", b"two"]).await;
    let missing = QueueKey {
        outbound: "OB".into(),
        seq: 999,
    };
    // Sent together, so they may share one transaction.
    let (good, bad) = tokio::join!(
        store.delivered(keys[0].clone(), 1, "AA"),
        store.delivered(missing, 1, "AA")
    );
    good.unwrap();
    assert!(matches!(bad, Err(StoreError::NotFound)));
    assert_eq!(head_seqs(&store), [keys[1].seq]);
}
