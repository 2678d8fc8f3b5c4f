//! Recording routes: dispositions, the order sends take in their outbounds' queues, and what
//! each outbound's queue head shows.

mod support;

use messagefoundry::interface::Disposition;
use messagefoundry::store::{HandlerRecord, MessageId, RouteRecord, Store, StoreError};
use support::{incoming, incoming_at, open, oru_text, processed, receive};

/// Stores `n` messages on `IB` and returns their ids.
async fn stored(store: &Store, n: usize) -> Vec<MessageId> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(receive(store, incoming(&format!("R{i}"))).await);
    }
    ids
}

fn payloads(store: &Store, outbound: &str) -> Vec<Vec<u8>> {
    store
        .queue_head(outbound, 100)
        .expect("queue read")
        .into_iter()
        .map(|e| e.payload)
        .collect()
}

#[tokio::test]
async fn a_batch_of_routes_queues_its_sends_in_the_order_of_its_records() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    let ids = stored(&store, 3).await;
    // Records given newest message first: the queue follows the records, not the ids.
    let keys = store
        .record_routes(vec![
            processed(ids[2], &[("OB_A", b"c1"), ("OB_B", b"c2")]),
            processed(ids[0], &[("OB_A", b"a1")]),
            processed(ids[1], &[("OB_B", b"b1"), ("OB_A", b"b2")]),
        ])
        .await
        .unwrap();
    assert_eq!(keys.len(), 3);
    assert_eq!(keys.iter().map(Vec::len).collect::<Vec<_>>(), [2, 1, 2]);
    let seqs: Vec<u64> = keys.iter().flatten().map(|k| k.seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    let outbounds: Vec<&str> = keys.iter().flatten().map(|k| k.outbound.as_str()).collect();
    assert_eq!(outbounds, ["OB_A", "OB_B", "OB_A", "OB_B", "OB_A"]);

    assert_eq!(payloads(&store, "OB_A"), [&b"c1"[..], b"a1", b"b2"]);
    assert_eq!(payloads(&store, "OB_B"), [&b"c2"[..], b"b1"]);
    assert_eq!(store.queue_len("OB_A").unwrap(), 3);
    assert_eq!(store.queue_len("OB_B").unwrap(), 2);

    // The head names each entry's message, and its key, and starts at no attempts.
    let head = store.queue_head("OB_A", 2).unwrap();
    assert_eq!(head.len(), 2);
    assert_eq!(
        head.iter().map(|e| e.message).collect::<Vec<_>>(),
        [ids[2], ids[0]]
    );
    assert_eq!(head[0].key, keys[0][0]);
    assert_eq!(head[1].key, keys[1][0]);
    assert!(head.iter().all(|e| e.attempts == 0));
    for id in ids {
        assert_eq!(
            store.disposition(id).unwrap().unwrap().disposition,
            Disposition::Processed
        );
    }
    assert!(store.pending_routes().unwrap().is_empty());
}

#[tokio::test]
async fn later_routes_queue_behind_earlier_ones() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    let ids = stored(&store, 4).await;
    for (n, &id) in ids.iter().enumerate() {
        let payload = format!("m{n}");
        store
            .record_route(processed(id, &[("OB", payload.as_bytes())]))
            .await
            .unwrap();
    }
    assert_eq!(payloads(&store, "OB"), [&b"m0"[..], b"m1", b"m2", b"m3"]);
}

#[tokio::test]
async fn queues_are_per_outbound_and_names_do_not_overlap() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    let ids = stored(&store, 1).await;
    // Names that are prefixes of each other, or sort between each other's entries.
    store
        .record_route(processed(
            ids[0],
            &[("OB", b"1"), ("OB_EHR", b"2"), ("OA", b"3"), ("OB", b"4")],
        ))
        .await
        .unwrap();
    assert_eq!(payloads(&store, "OB"), [&b"1"[..], b"4"]);
    assert_eq!(payloads(&store, "OB_EHR"), [&b"2"[..]]);
    assert_eq!(payloads(&store, "OA"), [&b"3"[..]]);
    assert!(payloads(&store, "O").is_empty());
    assert_eq!(store.queue_len("OB_EHR_ORU").unwrap(), 0);
    assert!(store.queue_head("OB", 0).unwrap().is_empty());
}

#[tokio::test]
async fn an_empty_payload_sends_the_message_as_received() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    let ids = stored(&store, 1).await;
    store
        .record_route(processed(ids[0], &[("OB", b"")]))
        .await
        .unwrap();
    let head = store.queue_head("OB", 1).unwrap();
    assert_eq!(head[0].payload, oru_text("R0").as_bytes());
}

#[tokio::test]
async fn each_disposition_is_recorded_with_its_detail_and_ends_the_wait_for_a_route() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    let ids = stored(&store, 4).await;
    let outcomes = [
        (Disposition::Unrouted, ""),
        (Disposition::Filtered, "filtered by the router"),
        (Disposition::Error, "handler to_ehr panicked"),
        (Disposition::Processed, ""),
    ];
    let records = ids
        .iter()
        .zip(outcomes)
        .map(|(&message, (disposition, detail))| RouteRecord {
            message,
            disposition,
            detail: detail.to_owned(),
            handlers: vec![HandlerRecord {
                handler: "to_ehr".into(),
                disposition,
                reason: detail.to_owned(),
            }],
            sends: Vec::new(),
        })
        .collect();
    let keys = store.record_routes(records).await.unwrap();
    assert!(keys.iter().all(Vec::is_empty));
    for (&id, (disposition, detail)) in ids.iter().zip(outcomes) {
        let d = store.disposition(id).unwrap().unwrap();
        assert_eq!((d.disposition, d.detail.as_str()), (disposition, detail));
    }
    assert!(store.pending_routes().unwrap().is_empty());
    assert!(store.disposition(MessageId(99)).unwrap().is_none());
}

#[tokio::test]
async fn the_pipeline_of_an_inbound_reads_only_its_own_waiting_messages_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    let now = messagefoundry::store::now_micros();
    let mut lab = Vec::new();
    let mut adt = Vec::new();
    for n in 0..6 {
        let text = oru_text(&format!("P{n}"));
        if n % 2 == 0 {
            lab.push((
                receive(&store, incoming_at("IB_LAB", &text, now)).await,
                text,
            ));
        } else {
            adt.push(receive(&store, incoming_at("IB_ADT", &text, now)).await);
        }
    }
    let waiting = store.pending_routes_for("IB_LAB", 10).unwrap();
    assert_eq!(
        waiting,
        lab.iter()
            .map(|(id, text)| (*id, text.clone().into_bytes()))
            .collect::<Vec<_>>()
    );
    assert_eq!(store.pending_routes_for("IB_LAB", 2).unwrap(), waiting[..2]);
    assert!(store.pending_routes_for("IB_NONE", 10).unwrap().is_empty());
    let all = store.pending_routes().unwrap();
    assert_eq!(all.len(), 6);
    assert!(all.windows(2).all(|w| w[0].0 < w[1].0));

    // Routing one takes it out of the waiting list, and only it.
    store.record_route(processed(lab[0].0, &[])).await.unwrap();
    let waiting = store.pending_routes_for("IB_LAB", 10).unwrap();
    assert_eq!(
        waiting.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        [lab[1].0, lab[2].0]
    );
    assert_eq!(
        store
            .pending_routes_for("IB_ADT", 10)
            .unwrap()
            .iter()
            .map(|(id, _)| *id)
            .collect::<Vec<_>>(),
        adt
    );
}

#[tokio::test]
async fn a_stopped_store_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    let ids = stored(&store, 1).await;
    let other = store.clone();
    support::shutdown(store).await;
    assert!(matches!(
        other.record_route(processed(ids[0], &[])).await,
        Err(StoreError::Stopped)
    ));
    assert!(matches!(
        other.receive(incoming("late")).await,
        Err(StoreError::Stopped)
    ));
}
