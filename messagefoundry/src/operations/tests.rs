//! The operations on a store of three messages: an ORU processed and sent, whose send was
//! dead-lettered; an ADT waiting to be routed; an ORU filtered by its handler.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::interface::Disposition;
use crate::store::{HandlerRecord, Incoming, MessageInfo, RouteRecord, now_micros};

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
        sends: vec![("OB_EHR".into(), Vec::new()); sends],
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
