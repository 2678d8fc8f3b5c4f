//! Where each copy of a message went: recorded when it is queued, followed through delivery,
//! dead-lettering and replay; a resend queued by the operator; an edit stored beside its
//! original, routed again or queued for one outbound.

mod support;

use messagefoundry::interface::Disposition;
use messagefoundry::store::{
    Destination, DestinationState, Edit, MessageId, MessageInfo, SendOrigin, StateKind, Store,
    StoreError, now_micros,
};
use support::{incoming, open, oru_text, processed, receive, send, shutdown};

fn states(copies: &[Destination]) -> Vec<DestinationState> {
    copies.iter().map(|c| c.state.clone()).collect()
}

#[tokio::test]
async fn each_copy_is_followed_from_its_queue_to_delivery_or_the_dead_letters() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    let first = receive(&store, incoming("D1")).await;
    let second = receive(&store, incoming("D2")).await;
    let before = now_micros();
    let keys = store
        .record_route(processed(first, &[("OB_A", b""), ("OB_B", b"changed")]))
        .await
        .unwrap();
    let later = store
        .record_route(processed(second, &[("OB_A", b"")]))
        .await
        .unwrap();

    let copies = store.destinations(first).unwrap();
    assert_eq!(copies.len(), 2);
    assert_eq!(copies[0].key, keys[0]);
    assert_eq!(copies[0].origin, SendOrigin::Handler("to_ob".into()));
    assert!(copies[0].queued_at_micros >= before);
    // The message as received is not repeated; a changed copy is kept as sent.
    assert_eq!(copies[0].payload, None);
    assert_eq!(copies[1].payload.as_deref(), Some(&b"changed"[..]));
    let waiting = DestinationState::Queued {
        attempts: 0,
        ahead: 0,
    };
    assert_eq!(states(&copies), [waiting.clone(), waiting.clone()]);
    assert_eq!(
        store.destinations(second).unwrap()[0].state,
        DestinationState::Queued {
            attempts: 0,
            ahead: 1
        }
    );

    store.attempted(keys[1].clone(), 2).await.unwrap();
    store.delivered(keys[0].clone(), 1, "CA").await.unwrap();
    let copies = store.destinations(first).unwrap();
    let DestinationState::Delivered {
        at_micros,
        attempts,
        ack,
    } = &copies[0].state
    else {
        panic!("not delivered: {:?}", copies[0].state);
    };
    assert!(*at_micros >= copies[0].queued_at_micros);
    assert_eq!((*attempts, ack.as_str()), (1, "CA"));
    assert_eq!(
        copies[1].state,
        DestinationState::Queued {
            attempts: 2,
            ahead: 0
        }
    );
    // What a search reads: each copy's outbound and kind of state.
    assert_eq!(
        store.destination_kinds(first).unwrap(),
        [
            ("OB_A".to_owned(), Some(StateKind::Delivered)),
            ("OB_B".to_owned(), Some(StateKind::Queued))
        ]
    );
    // The copy behind the delivered one moved up.
    assert_eq!(
        store.destinations(second).unwrap()[0].state,
        DestinationState::Queued {
            attempts: 0,
            ahead: 0
        }
    );

    store
        .dead_letter(keys[1].clone(), 3, "AR (rejected): no".into())
        .await
        .unwrap();
    let copies = store.destinations(first).unwrap();
    assert!(
        matches!(&copies[1].state, DestinationState::DeadLettered { attempts: 3, reason, .. } if reason == "AR (rejected): no"),
        "{:?}",
        copies[1].state
    );
    // A replay moves the copy to the end of its queue: its row follows it there.
    let replayed = store.replay(keys[1].clone()).await.unwrap();
    let copies = store.destinations(first).unwrap();
    assert_eq!(copies[1].key, replayed);
    assert_eq!(copies[1].state, waiting);
    assert_eq!(copies[1].payload.as_deref(), Some(&b"changed"[..]));
    assert_eq!(later.len(), 1);
    shutdown(store).await;
}

#[tokio::test]
async fn a_resend_queues_the_last_copy_for_the_outbound_or_the_message_as_received() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    let id = receive(&store, incoming("R1")).await;
    store
        .record_route(processed(id, &[("OB_A", b"for A"), ("OB_B", b"")]))
        .await
        .unwrap();
    let again = store.resend(id, "OB_A".into(), false).await.unwrap();
    let raw = store.resend(id, "OB_A".into(), true).await.unwrap();
    // Nothing was ever queued for OB_C: the message as received.
    let fresh = store.resend(id, "OB_C".into(), false).await.unwrap();
    let head = store.queue_head("OB_A", 10).unwrap();
    assert_eq!(head.len(), 3);
    assert_eq!(head[1].key, again);
    assert_eq!(head[1].payload, b"for A");
    assert_eq!(head[2].key, raw);
    assert_eq!(head[2].payload, oru_text("R1").as_bytes());
    assert_eq!(
        store.queue_head("OB_C", 1).unwrap()[0].payload,
        oru_text("R1").as_bytes()
    );

    let copies = store.destinations(id).unwrap();
    let operator: Vec<_> = copies
        .iter()
        .filter(|c| c.origin == SendOrigin::Operator)
        .map(|c| (c.key.clone(), c.payload.clone()))
        .collect();
    assert_eq!(
        operator,
        [(again, Some(b"for A".to_vec())), (raw, None), (fresh, None)]
    );
    assert!(matches!(
        store.resend(MessageId(99), "OB_A".into(), false).await,
        Err(StoreError::NotFound)
    ));
    shutdown(store).await;
}

fn edit_of(original: MessageId, text: &str, to: Option<&str>) -> Edit {
    let msg = messagefoundry::hl7::Message::parse(text).expect("test message parses");
    Edit {
        original,
        raw: text.as_bytes().to_vec(),
        info: MessageInfo::of("IB", now_micros(), &msg),
        to: to.map(str::to_owned),
        index: Vec::new(),
    }
}

#[tokio::test]
async fn an_edit_is_a_message_of_its_own_beside_an_original_kept_as_received() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    let original = receive(&store, incoming("E1")).await;
    store
        .record_route(processed(original, &[("OB_A", b"")]))
        .await
        .unwrap();
    let fixed = oru_text("E1").replace("E1-MRN", "E1-FIXED");

    let routed = store
        .store_edit(edit_of(original, &fixed, None))
        .await
        .unwrap();
    assert_eq!(routed.queued, None);
    assert!(routed.edit > original);
    // It waits to be routed through the original's inbound, like a message received.
    assert_eq!(
        store.pending_routes().unwrap(),
        [(routed.edit, "IB".to_owned())]
    );
    assert_eq!(
        store.read_message(routed.edit).unwrap().unwrap().1,
        fixed.as_bytes()
    );
    assert_eq!(
        store.read_message(original).unwrap().unwrap().1,
        oru_text("E1").as_bytes()
    );

    let sent = store
        .store_edit(edit_of(original, &fixed, Some("OB_B")))
        .await
        .unwrap();
    let key = sent.queued.clone().expect("queued for OB_B");
    assert_eq!(key.outbound, "OB_B");
    assert_eq!(
        store.queue_head("OB_B", 1).unwrap()[0].payload,
        fixed.as_bytes()
    );
    let disposition = store.disposition(sent.edit).unwrap().unwrap();
    assert_eq!(disposition.disposition, Disposition::Processed);
    assert_eq!(
        disposition.detail,
        format!("edit of {original} sent to OB_B by the operator")
    );
    let copies = store.destinations(sent.edit).unwrap();
    assert_eq!(copies.len(), 1);
    assert_eq!(
        (&copies[0].key, &copies[0].origin, &copies[0].payload),
        (&key, &SendOrigin::Operator, &None)
    );

    assert_eq!(
        store.edits(original).unwrap(),
        (None, vec![routed.edit, sent.edit])
    );
    assert_eq!(store.edits(sent.edit).unwrap(), (Some(original), vec![]));
    assert!(matches!(
        store.store_edit(edit_of(MessageId(99), &fixed, None)).await,
        Err(StoreError::NotFound)
    ));
    shutdown(store).await;
}

/// Pruning a message drops its copies' rows and its edit link with it; another message's stay.
#[tokio::test]
async fn prune_drops_the_rows_of_deleted_messages_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    let old = receive(&store, incoming("P1")).await;
    let keys = store
        .record_route(processed(old, &[("OB_A", b"x")]))
        .await
        .unwrap();
    store.delivered(keys[0].clone(), 1, "AA").await.unwrap();
    let edit = store
        .store_edit(edit_of(
            old,
            &oru_text("P1").replace("P1-MRN", "P1-X"),
            Some("OB_A"),
        ))
        .await
        .unwrap();
    let cut = now_micros() + 1;
    assert_eq!(
        store.prune(cut).await.unwrap(),
        1,
        "the queued edit is kept"
    );
    assert!(store.destinations(old).unwrap().is_empty());
    assert_eq!(store.destinations(edit.edit).unwrap().len(), 1);
    shutdown(store).await;
    // Reopened, the tables are all there.
    let store = Store::open(dir.path().join("s.redb")).unwrap();
    assert_eq!(store.edits(edit.edit).unwrap(), (Some(old), vec![]));
    assert!(store.handler_results(old).unwrap().is_empty());
    shutdown(store).await;
}

/// Handler results read back in route order.
#[tokio::test]
async fn handler_results_read_back_in_route_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), "s.redb");
    let id = receive(&store, incoming("H1")).await;
    let mut record = processed(id, &[]);
    record.disposition = Disposition::Error;
    record.handlers = vec![
        messagefoundry::store::HandlerRecord {
            handler: "first".into(),
            disposition: Disposition::Processed,
            reason: String::new(),
        },
        messagefoundry::store::HandlerRecord {
            handler: "second".into(),
            disposition: Disposition::Error,
            reason: "no account".into(),
        },
    ];
    record.sends = vec![send("OB_A", b"")];
    store.record_route(record.clone()).await.unwrap();
    assert_eq!(store.handler_results(id).unwrap(), record.handlers);
    shutdown(store).await;
}
