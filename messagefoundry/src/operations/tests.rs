//! The operations on a store of three messages: an ORU processed and sent, whose send was
//! dead-lettered; an ADT waiting to be routed; an ORU filtered by its handler.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::interface::Disposition;
use crate::store::{
    DestinationState, HandlerRecord, Incoming, MessageInfo, RouteRecord, SendOrigin, SendRecord,
    StateKind, now_micros,
};

/// A store holding the three messages, and what the tests look them up by.
pub(crate) struct Fixture {
    _dir: tempfile::TempDir,
    pub store: Store,
    pub sent: MessageId,
    pub waiting: MessageId,
    pub filtered: MessageId,
    pub dead: QueueKey,
}

impl Fixture {
    pub(crate) fn scope(&self) -> Scope {
        Scope::Stopped {
            store: self.store.clone(),
            inbounds: vec!["IB_Lab"],
            outbounds: vec!["OB_EHR"],
        }
    }
}

fn incoming(text: &str) -> Incoming {
    let msg = messagefoundry_hl7::Message::parse(text).expect("test message");
    Incoming {
        inbound: Arc::from("IB_Lab"),
        raw: text.as_bytes().to_vec().into(),
        info: MessageInfo::of("IB_Lab", now_micros(), &msg),
        refused: None,
        dedupe: None,
        index: Vec::new(),
    }
}

fn routed(message: MessageId, disposition: Disposition, sends: usize) -> RouteRecord {
    RouteRecord {
        message,
        disposition,
        detail: String::new(),
        handlers: vec![HandlerRecord {
            handler: "to_ehr".into(),
            disposition,
            reason: String::new(),
        }],
        sends: vec![
            SendRecord {
                outbound: "OB_EHR".into(),
                handler: "to_ehr".into(),
                payload: Vec::new(),
                control_id: String::new(),
            };
            sends
        ],
    }
}

pub(crate) const ORU: &str =
    "MSH|^~\\&|LIS|LAB|EHR|HOSP|20240101||ORU^R01|C1|P|2.5.1\rPID|1||MRN1\r";
const ADT: &str = "MSH|^~\\&|ADT|HOSP|EHR|HOSP|20240101||ADT^A01|C2|P|2.5.1\rPID|1||MRN2\r";
const CORRECTED: &str = "MSH|^~\\&|LIS|LAB|EHR|HOSP|20240101||ORU^R01|C3|P|2.5.1\rPID|1||MRN3\r";

pub(crate) async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("m.redb")).unwrap();
    let sent = store.receive(incoming(ORU)).await.unwrap().id;
    let waiting = store.receive(incoming(ADT)).await.unwrap().id;
    let filtered = store.receive(incoming(CORRECTED)).await.unwrap().id;
    let keys = store
        .record_route(routed(sent, Disposition::Processed, 1))
        .await
        .unwrap();
    store
        .record_route(routed(filtered, Disposition::Filtered, 0))
        .await
        .unwrap();
    store
        .dead_letter(keys[0].clone(), 1, "AR (rejected): unknown patient".into())
        .await
        .unwrap();
    Fixture {
        _dir: dir,
        store,
        sent,
        waiting,
        filtered,
        dead: keys[0].clone(),
    }
}

fn ids(messages: &[MessageSummary]) -> Vec<MessageId> {
    messages.iter().map(|m| m.id).collect()
}

#[tokio::test]
async fn list_is_newest_first_with_dispositions_and_pages_back() {
    let f = fixture().await;
    let all = list(&f.scope(), None, 10).await.unwrap();
    assert_eq!(ids(&all), [f.filtered, f.waiting, f.sent]);
    let dispositions: Vec<_> = all.iter().map(|m| m.disposition).collect();
    assert_eq!(
        dispositions,
        [
            Some(Disposition::Filtered),
            Some(Disposition::Received),
            Some(Disposition::Processed)
        ]
    );
    assert_eq!(all[1].info.control_id, "C2");
    let page = list(&f.scope(), Some(f.filtered), 1).await.unwrap();
    assert_eq!(ids(&page), [f.waiting]);
}

#[tokio::test]
async fn search_matches_every_filter_given_up_to_its_limit() {
    let f = fixture().await;
    let scope = f.scope();
    let found = |filter: Search| {
        let scope = scope.clone();
        async move { ids(&search(&scope, filter).await.unwrap()) }
    };
    let oru = Search {
        message_type: Some("ORU".into()),
        limit: 10,
        ..Search::default()
    };
    assert_eq!(found(oru.clone()).await, [f.filtered, f.sent]);
    let processed = Search {
        disposition: Some(Disposition::Processed),
        ..oru.clone()
    };
    assert_eq!(found(processed).await, [f.sent]);
    assert_eq!(
        found(Search {
            limit: 1,
            ..oru.clone()
        })
        .await,
        [f.filtered]
    );
    let by_id = Search {
        control_id: Some("C2".into()),
        limit: 10,
        ..Search::default()
    };
    assert_eq!(found(by_id.clone()).await, [f.waiting]);
    let wrong_disposition = Search {
        disposition: Some(Disposition::Error),
        ..by_id
    };
    assert!(found(wrong_disposition).await.is_empty());
    let other_inbound = Search {
        inbound: Some("IB_Other".into()),
        ..oru
    };
    assert!(found(other_inbound).await.is_empty());
}

#[tokio::test]
async fn show_gives_the_bytes_and_the_disposition_or_says_there_is_no_such_message() {
    let f = fixture().await;
    let shown = show(&f.scope(), f.sent).await.unwrap();
    assert_eq!(shown.raw, ORU.as_bytes());
    assert_eq!(shown.info.message_type, "ORU^R01");
    assert_eq!(
        shown.disposition.map(|d| d.disposition),
        Some(Disposition::Processed)
    );
    let missing = MessageId(99);
    match show(&f.scope(), missing).await {
        Err(OperationError::NoMessage(id)) => assert_eq!(id, missing),
        other => panic!("expected no message, got {other:?}"),
    }
}

#[tokio::test]
async fn queues_dead_letters_and_replay() {
    let f = fixture().await;
    let scope = f.scope();
    let state = QueueState {
        outbound: "OB_EHR".into(),
        queued: 0,
        dead_letters: 1,
        sender: None,
    };
    assert_eq!(queues(&scope).await.unwrap(), std::slice::from_ref(&state));
    let dead = dead_letters(&scope, None).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].key, f.dead);
    assert_eq!(dead[0].message, f.sent);
    assert_eq!(dead[0].reason, "AR (rejected): unknown patient");
    assert!(
        dead_letters(&scope, Some("OB_Other".into()))
            .await
            .unwrap()
            .is_empty()
    );

    let queued = replay(&scope, f.dead.clone()).await.unwrap();
    assert_eq!(queued.outbound, "OB_EHR");
    assert!(queued.seq > f.dead.seq, "replayed at the end of the queue");
    let after = QueueState {
        queued: 1,
        dead_letters: 0,
        ..state
    };
    assert_eq!(queues(&scope).await.unwrap(), [after]);
    assert!(matches!(
        replay(&scope, f.dead.clone()).await,
        Err(OperationError::Store(StoreError::NotFound))
    ));
}

#[tokio::test]
async fn prune_deletes_finished_messages_only() {
    let f = fixture().await;
    let scope = f.scope();
    assert_eq!(prune(&scope, Duration::from_secs(3600)).await.unwrap(), 0);
    // Everything was received before now: only the filtered message is finished; the one
    // waiting to be routed and the dead-lettered one are kept.
    assert_eq!(prune(&scope, Duration::ZERO).await.unwrap(), 1);
    assert!(f.store.read_message(f.filtered).unwrap().is_none());
    assert!(f.store.read_message(f.waiting).unwrap().is_some());
    assert!(f.store.read_message(f.sent).unwrap().is_some());
}

/// The control socket sends requests and responses as JSON: each comes back the same.
#[tokio::test]
async fn requests_and_responses_survive_json() {
    let f = fixture().await;
    let scope = f.scope();
    let requests = [
        Request::List {
            before: None,
            limit: 10,
        },
        Request::Search(Search {
            disposition: Some(Disposition::Processed),
            limit: 5,
            ..Search::default()
        }),
        Request::Show(f.sent),
        Request::Queues,
        Request::DeadLetters(None),
        Request::Replay(f.dead.clone()),
        Request::Prune(Duration::from_secs(86_400)),
        Request::Resend {
            id: f.sent,
            outbound: "OB_EHR".into(),
            as_received: false,
        },
        Request::Edit {
            id: f.sent,
            message: ORU.replace("MRN1", "MRN9").into_bytes(),
            to: Some("OB_EHR".into()),
        },
    ];
    for request in requests {
        let text = serde_json::to_string(&request).unwrap();
        let read: Request = serde_json::from_str(&text).unwrap();
        assert_eq!(read, request);
        let response = execute(&scope, &read).await.unwrap();
        let text = serde_json::to_string(&response).unwrap();
        assert_eq!(
            serde_json::from_str::<Response>(&text).unwrap(),
            response,
            "{text}"
        );
    }
}

#[tokio::test]
async fn show_gives_each_handler_and_each_copy_with_its_state() {
    let f = fixture().await;
    let shown = show(&f.scope(), f.sent).await.unwrap();
    assert_eq!(shown.handlers.len(), 1);
    assert_eq!(shown.handlers[0].handler, "to_ehr");
    assert_eq!(shown.destinations.len(), 1);
    let copy = &shown.destinations[0].copy;
    assert_eq!(copy.key, f.dead);
    assert_eq!(copy.origin, SendOrigin::Handler("to_ehr".into()));
    assert!(
        matches!(&copy.state, DestinationState::DeadLettered { reason, .. } if reason == "AR (rejected): unknown patient")
    );
    // With serve stopped there is no sender to report on.
    assert_eq!(shown.destinations[0].sender, None);
    let waiting = show(&f.scope(), f.waiting).await.unwrap();
    assert!(waiting.handlers.is_empty() && waiting.destinations.is_empty());
}

#[tokio::test]
async fn search_finds_messages_by_the_state_of_a_copy() {
    let f = fixture().await;
    let scope = f.scope();
    let found = |outbound: Option<&str>, state: Option<StateKind>| {
        let scope = scope.clone();
        let filter = Search {
            outbound: outbound.map(str::to_owned),
            state,
            limit: 10,
            ..Search::default()
        };
        async move { ids(&search(&scope, filter).await.unwrap()) }
    };
    assert_eq!(found(Some("OB_EHR"), None).await, [f.sent]);
    assert_eq!(found(Some("OB_EHR"), Some(StateKind::Dead)).await, [f.sent]);
    assert_eq!(found(None, Some(StateKind::Dead)).await, [f.sent]);
    assert!(
        found(Some("OB_EHR"), Some(StateKind::Queued))
            .await
            .is_empty()
    );
    assert!(found(Some("OB_Other"), None).await.is_empty());
    replay(&scope, f.dead.clone()).await.unwrap();
    assert_eq!(
        found(Some("OB_EHR"), Some(StateKind::Queued)).await,
        [f.sent]
    );
    assert!(found(None, Some(StateKind::Dead)).await.is_empty());
    f.store
        .delivered(queues_head(&f.store), 1, "AA")
        .await
        .unwrap();
    assert_eq!(found(None, Some(StateKind::Delivered)).await, [f.sent]);
}

fn queues_head(store: &Store) -> QueueKey {
    store.queue_head("OB_EHR", 1).unwrap()[0].key.clone()
}

#[tokio::test]
async fn resend_queues_again_for_a_declared_outbound_only() {
    let f = fixture().await;
    let scope = f.scope();
    match resend(&scope, f.sent, "OB_Nowhere".into(), false).await {
        Err(e @ OperationError::NoConnection { .. }) => assert_eq!(
            e.to_string(),
            "the interface has no outbound named OB_Nowhere; its outbounds are: OB_EHR"
        ),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(matches!(
        resend(&scope, MessageId(99), "OB_EHR".into(), false).await,
        Err(OperationError::NoMessage(_))
    ));
    let queued = resend(&scope, f.sent, "OB_EHR".into(), false)
        .await
        .unwrap();
    assert_eq!(f.store.queue_head("OB_EHR", 5).unwrap()[0].key, queued);
    let copies = show(&scope, f.sent).await.unwrap().destinations;
    assert_eq!(copies.len(), 2);
    assert_eq!(copies[1].copy.origin, SendOrigin::Operator);
}

#[tokio::test]
async fn a_message_that_did_not_parse_is_not_resent_as_it_is() {
    let f = fixture().await;
    let error = messagefoundry_hl7::Message::parse("not HL7").unwrap_err();
    let broken = f
        .store
        .receive(Incoming {
            inbound: Arc::from("IB_Lab"),
            raw: b"not HL7".to_vec().into(),
            info: MessageInfo::broken("IB_Lab", now_micros(), &error),
            refused: Some("it did not parse".into()),
            dedupe: None,
            index: Vec::new(),
        })
        .await
        .unwrap()
        .id;
    assert!(matches!(
        resend(&f.scope(), broken, "OB_EHR".into(), true).await,
        Err(OperationError::Broken(id)) if id == broken
    ));
    // An edit of it is the way to send it.
    let edited = edit(
        &f.scope(),
        broken,
        ORU.replace("C1", "C9").into(),
        Some("OB_EHR".into()),
    )
    .await
    .unwrap();
    assert!(edited.queued.is_some());
}

#[tokio::test]
async fn an_edit_must_change_the_message_and_be_one_the_engine_can_send() {
    let f = fixture().await;
    let scope = f.scope();
    // The same message, with an editor's line endings: no change.
    let same = ORU.replace('\r', "\n").into_bytes();
    assert!(matches!(
        edit(&scope, f.sent, same, None).await,
        Err(OperationError::Unchanged(_))
    ));
    match edit(&scope, f.sent, b"PID|1||MRN1\n".to_vec(), None).await {
        Err(OperationError::Invalid(reason)) => {
            assert!(reason.starts_with("it does not parse: "), "{reason}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let no_control_id = ORU.replace("|C1|", "||");
    match edit(&scope, f.sent, no_control_id.into(), None).await {
        Err(OperationError::Invalid(reason)) => assert_eq!(
            reason,
            "header incomplete: MSH-10 (message control ID) is empty"
        ),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(matches!(
        edit(
            &scope,
            f.sent,
            ORU.replace("MRN1", "MRN9").into(),
            Some("OB_X".into())
        )
        .await,
        Err(OperationError::NoConnection { .. })
    ));
    // Nothing refused was stored.
    assert_eq!(list(&scope, None, 10).await.unwrap().len(), 3);

    let fixed = ORU.replace("MRN1", "MRN9").replace('\r', "\r\n");
    let edited = edit(&scope, f.sent, fixed.into_bytes(), None)
        .await
        .unwrap();
    assert_eq!(edited.queued, None);
    let shown = show(&scope, edited.edit).await.unwrap();
    // Stored with HL7's segment ends, beside the original, waiting to be routed.
    assert_eq!(shown.raw, ORU.replace("MRN1", "MRN9").as_bytes());
    assert_eq!(shown.edit_of, Some(f.sent));
    assert_eq!(
        shown.disposition.map(|d| d.disposition),
        Some(Disposition::Received)
    );
    let original = show(&scope, f.sent).await.unwrap();
    assert_eq!(original.raw, ORU.as_bytes());
    assert_eq!(original.edits, [edited.edit]);
}

#[tokio::test]
async fn an_edit_routed_again_needs_its_inbound_declared() {
    let f = fixture().await;
    let scope = Scope::Stopped {
        store: f.store.clone(),
        inbounds: vec!["IB_Renamed"],
        outbounds: vec!["OB_EHR"],
    };
    let fixed: Vec<u8> = ORU.replace("MRN1", "MRN9").into();
    match edit(&scope, f.sent, fixed.clone(), None).await {
        Err(e @ OperationError::NoConnection { .. }) => assert_eq!(
            e.to_string(),
            "the interface has no inbound named IB_Lab; its inbounds are: IB_Renamed"
        ),
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Sent to one outbound, it needs no inbound.
    assert!(
        edit(&scope, f.sent, fixed, Some("OB_EHR".into()))
            .await
            .is_ok()
    );
}
