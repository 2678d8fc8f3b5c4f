//! The store's life of a message: pending route, routing record with sends, FIFO queue,
//! retries, delivery, dead letters, replay, duplicates and pruning; and recovery after reopen.

use std::sync::Arc;

use messagefoundry::hl7::Message;
use messagefoundry::interface::Disposition;
use messagefoundry::store::{
    Dedupe, HandlerRecord, Incoming, MessageInfo, RouteRecord, SendRecord, Store, StoreError,
    now_micros,
};

/// A send of `payload` to `OB` by the handler `to_ehr`.
fn send(payload: &[u8]) -> SendRecord {
    SendRecord {
        outbound: "OB".to_owned(),
        handler: "to_ehr".to_owned(),
        payload: payload.to_vec(),
        control_id: String::new(),
    }
}

fn incoming(control: &str, dedupe: bool) -> Incoming {
    let text = format!("MSH|^~\\&|LAB|H|EHR|H|20240101||ORU^R01|{control}|P|2.5.1\r");
    let msg = Message::parse(text.as_bytes()).expect("test message parses");
    Incoming {
        inbound: Arc::from("IB"),
        raw: text.into_bytes().into(),
        info: MessageInfo::of("IB", now_micros(), &msg),
        refused: None,
        dedupe: dedupe.then(|| Dedupe {
            sending_application: "LAB".into(),
            control_id: control.into(),
            window_micros: 60_000_000,
        }),
        index: Vec::new(),
    }
}

#[tokio::test]
async fn route_queue_deliver_dead_letter_replay() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.redb");
    let store = Store::open(&path).unwrap();
    let a = store.receive(incoming("A", false)).await.unwrap().id;
    let b = store.receive(incoming("B", false)).await.unwrap().id;
    let pending = store.pending_routes().unwrap();
    assert_eq!(pending, vec![(a, "IB".to_owned()), (b, "IB".to_owned())]);
    assert_eq!(
        store.disposition(a).unwrap().unwrap().disposition,
        Disposition::Received
    );

    let keys = store
        .record_route(RouteRecord {
            message: a,
            disposition: Disposition::Processed,
            detail: String::new(),
            handlers: vec![HandlerRecord {
                handler: "to_ehr".into(),
                disposition: Disposition::Processed,
                reason: String::new(),
            }],
            sends: vec![send(b"one"), send(b"two")],
        })
        .await
        .unwrap();
    assert_eq!(keys.len(), 2);
    assert!(keys[0].seq < keys[1].seq);
    assert_eq!(store.pending_routes().unwrap(), vec![(b, "IB".to_owned())]);
    assert_eq!(
        store.disposition(a).unwrap().unwrap().disposition,
        Disposition::Processed
    );

    let head = store.queue_head("OB", 10).unwrap();
    assert_eq!(
        head.iter()
            .map(|e| e.payload.as_slice())
            .collect::<Vec<_>>(),
        vec![&b"one"[..], b"two"]
    );
    store.attempted(keys[0].clone(), 1).await.unwrap();
    assert_eq!(store.queue_head("OB", 1).unwrap()[0].attempts, 1);
    store.delivered(keys[0].clone(), 2, "AA").await.unwrap();
    assert!(matches!(
        store.delivered(keys[0].clone(), 2, "AA").await,
        Err(StoreError::NotFound)
    ));
    store
        .dead_letter(keys[1].clone(), 1, "AR: rejected".into())
        .await
        .unwrap();
    assert_eq!(store.queue_len("OB").unwrap(), 0);
    let dead = store.dead_letters(Some("OB")).unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].reason, "AR: rejected");

    let replayed = store.replay(dead[0].key.clone()).await.unwrap();
    assert!(replayed.seq > keys[1].seq);
    assert!(store.dead_letters(None).unwrap().is_empty());
    tokio::task::spawn_blocking(move || store.shutdown())
        .await
        .unwrap();

    // Reopened: the queue and the pending route are where they were, and sequence numbers go on.
    let store = Store::open(&path).unwrap();
    assert_eq!(store.pending_routes().unwrap(), vec![(b, "IB".to_owned())]);
    let head = store.queue_head("OB", 10).unwrap();
    assert_eq!(head.len(), 1);
    assert_eq!(head[0].payload, b"two");
    let more = store
        .record_route(RouteRecord {
            message: b,
            disposition: Disposition::Processed,
            detail: String::new(),
            handlers: vec![],
            sends: vec![send(b"three")],
        })
        .await
        .unwrap();
    assert!(more[0].seq > replayed.seq);
}

#[tokio::test]
async fn duplicates_and_pruning() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("s.redb")).unwrap();
    let first = store.receive(incoming("X1", true)).await.unwrap();
    assert_eq!(first.duplicate_of, None);
    let again = store.receive(incoming("X1", true)).await.unwrap();
    assert_eq!(again.duplicate_of, Some(first.id));
    assert_eq!(store.pending_routes().unwrap().len(), 1);
    let d = store.disposition(again.id).unwrap().unwrap();
    assert_eq!(d.disposition, Disposition::Filtered);
    assert!(d.detail.starts_with("duplicate of"));

    // The first is still waiting to be routed, so pruning everything keeps it.
    let pruned = store.prune(now_micros() + 1).await.unwrap();
    assert_eq!(pruned, 1);
    assert!(store.read_message(first.id).unwrap().is_some());
    assert!(store.read_message(again.id).unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pruning_a_large_store_works_in_chunks_and_keeps_what_is_needed() {
    use messagefoundry::store::{MessageId, PRUNE_CHUNK};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("p.redb")).unwrap();
    let total = 2 * PRUNE_CHUNK + 100;
    // Received concurrently, so they share group commits.
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..total {
        let store = store.clone();
        tasks.spawn(async move { store.receive(incoming(&format!("P{n}"), false)).await });
    }
    let mut ids: Vec<MessageId> = tasks
        .join_all()
        .await
        .into_iter()
        .map(|r| r.unwrap().id)
        .collect();
    ids.sort();
    // Every 1000th stays waiting to be routed, every 1000th + 1 is queued; the rest are done.
    let mut kept = Vec::new();
    let mut routes = tokio::task::JoinSet::new();
    for (n, &id) in ids.iter().enumerate() {
        if n % 1000 == 0 {
            kept.push(id);
            continue;
        }
        let sends = if n % 1000 == 1 {
            kept.push(id);
            vec![send(b"")]
        } else {
            Vec::new()
        };
        let store = store.clone();
        routes.spawn(async move {
            store
                .record_route(RouteRecord {
                    message: id,
                    disposition: Disposition::Processed,
                    detail: String::new(),
                    handlers: Vec::new(),
                    sends,
                })
                .await
        });
    }
    for routed in routes.join_all().await {
        routed.unwrap();
    }
    let cut = now_micros() + 1;
    std::thread::sleep(std::time::Duration::from_millis(2));
    let late = store.receive(incoming("LATE", false)).await.unwrap().id;
    let commits = store.commit_count().await.unwrap();

    let pruned = store.prune(cut).await.unwrap();
    assert_eq!(pruned, (total - kept.len()) as u64);
    // More than one transaction did it.
    assert!(store.commit_count().await.unwrap() >= commits + 3);
    for &id in &kept {
        assert!(store.read_message(id).unwrap().is_some(), "{id} was needed");
    }
    assert!(store.read_message(late).unwrap().is_some());
    let gone = ids.iter().filter(|id| !kept.contains(id)).count();
    assert_eq!(gone as u64, pruned);
    assert!(store.read_message(ids[2]).unwrap().is_none());
    assert_eq!(store.queue_len("OB").unwrap(), kept.len() as u64 / 2);
    // Nothing is left to prune.
    assert_eq!(store.prune(cut).await.unwrap(), 0);
}
