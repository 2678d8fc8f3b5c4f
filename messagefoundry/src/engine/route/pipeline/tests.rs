//! The pipeline's operations on a real store: a batch routed in arrival order, each
//! disposition recorded, sends queued in order, errors and panics kept to their message.

use std::sync::Arc;

use messagefoundry_hl7::{Message, Path};

use super::*;
use crate::interface::{
    Handle, HandlerDef, InboundDef, MllpConnect, MllpListen, Outbound, OutboundDef, Outcome, Route,
};
use crate::store::{Incoming, MessageInfo, now_micros};

mod awaiting;

static OB_A: OutboundDef = OutboundDef {
    name: "OB_A",
    transport: crate::interface::OutboundTransport::Mllp(MllpConnect::DEFAULT),
};
static OB_B: OutboundDef = OutboundDef {
    name: "OB_B",
    transport: crate::interface::OutboundTransport::Mllp(MllpConnect::DEFAULT),
};

/// Sends the message as received to OB_A and with MSH-5 changed to OB_B.
static TO_BOTH: HandlerDef = HandlerDef {
    name: "to_both",
    handle: Handle::Sync(|msg| {
        let mut changed = msg.clone();
        if changed.set(Path::parse_const("MSH-5"), "B").is_err() {
            return Outcome::error("cannot set MSH-5");
        }
        Outcome::send_all([(Outbound(&OB_A), msg), (Outbound(&OB_B), changed)])
    }),
    message: None,
};
static FAILS: HandlerDef = HandlerDef {
    name: "fails",
    handle: Handle::Sync(|_| Outcome::error("no such patient")),
    message: None,
};
static PANICS: HandlerDef = HandlerDef {
    name: "panics",
    handle: Handle::Sync(|_| panic!("boom")),
    message: None,
};

/// Routes by the first letter of MSH-10: F filtered, U unrouted, E to a handler that fails,
/// P to one that panics (then to `to_both`, which still runs), A, S and H to the `async`
/// handlers of [`awaiting`], anything else to `to_both`.
static ROUTER: RouterDef = RouterDef {
    name: "by_control_id",
    route: |msg| match control_id(msg).chars().next() {
        Some('F') => Route::filtered(),
        Some('U') => Route::unrouted(),
        Some('E') => Route::to(vec![&FAILS]),
        Some('P') => Route::to(vec![&PANICS, &TO_BOTH]),
        Some('A') => Route::to(vec![&awaiting::AWAITS]),
        Some('S') => Route::to(vec![&awaiting::OUTLASTS, &TO_BOTH]),
        Some('H') => Route::to(vec![&awaiting::HANGS]),
        _ => Route::to(vec![&TO_BOTH]),
    },
};
static IB: InboundDef = InboundDef {
    name: "IB",
    transport: crate::interface::InboundTransport::Mllp(MllpListen::DEFAULT),
    router: &ROUTER,
};

use crate::interface::RouterDef;

fn control_id(msg: &Message) -> String {
    msg.get(Path::parse_const("MSH-10")).er7().into_owned()
}

pub(super) fn oru(control_id: &str) -> String {
    format!("MSH|^~\\&|LIS|LAB|EHR|HOSP|20260101||ORU^R01|{control_id}|P|2.5.1\rPID|1||MRN\r")
}

/// A store, a pipeline for IB on it, and the wakes of its outbounds.
pub(super) struct Setup {
    pub(super) _dir: tempfile::TempDir,
    pub(super) store: Store,
    pub(super) pipeline: Pipeline,
}

pub(super) fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("p.redb")).unwrap();
    let outbound_wakes = ["OB_A", "OB_B"]
        .into_iter()
        .map(|name| (name.to_owned(), Arc::new(Notify::new())))
        .collect();
    let pipeline = Pipeline {
        inbound: Inbound(&IB),
        charset: crate::interface::CharsetPolicy::Declared,
        store: store.clone(),
        wake: Arc::new(Notify::new()),
        outbound_wakes: Arc::new(outbound_wakes),
        waiters: Arc::default(),
        shutdown: CancellationToken::new(),
        metrics: Arc::new(crate::metrics::InboundMetrics::new("IB", "by_control_id")),
    };
    Setup {
        _dir: dir,
        store,
        pipeline,
    }
}

/// Stores a frame for IB as intake does, waiting to be routed.
pub(super) async fn receive(store: &Store, raw: &str) -> MessageId {
    let info = match Message::parse(raw) {
        Ok(msg) => MessageInfo::of("IB", now_micros(), &msg),
        Err(e) => MessageInfo::broken("IB", now_micros(), &e),
    };
    let incoming = Incoming {
        inbound: Arc::from("IB"),
        raw: raw.as_bytes().to_vec().into(),
        info,
        refused: None,
        dedupe: None,
        index: Vec::new(),
    };
    store.receive(incoming).await.unwrap().id
}

pub(super) fn disposition(store: &Store, id: MessageId) -> Option<(Disposition, String)> {
    store
        .disposition(id)
        .unwrap()
        .map(|d| (d.disposition, d.detail))
}

/// The MSH-10 and MSH-5 of each message queued for an outbound, in queue order.
pub(super) fn queued(store: &Store, outbound: &str) -> Vec<(String, String)> {
    store
        .queue_head(outbound, 100)
        .unwrap()
        .into_iter()
        .map(|entry| {
            let msg = Message::parse(entry.payload).unwrap();
            let receiver = msg.get(Path::parse_const("MSH-5")).er7().into_owned();
            (control_id(&msg), receiver)
        })
        .collect()
}

fn wait_for(pipeline: &Pipeline, id: MessageId) -> oneshot::Receiver<RouteResult> {
    let (tx, rx) = oneshot::channel();
    pipeline.waiters.lock().unwrap().insert(id, tx);
    rx
}

fn woken(wake: &Notify) -> bool {
    futures_util::FutureExt::now_or_never(wake.notified()).is_some()
}

#[tokio::test]
async fn a_batch_is_routed_in_arrival_order_with_each_outcome_recorded() {
    let s = setup();
    let mut ids = Vec::new();
    for control_id in ["C1", "F1", "U1", "C2", "E1", "P1", "C3"] {
        ids.push(receive(&s.store, &oru(control_id)).await);
    }
    let failed = wait_for(&s.pipeline, ids[4]);
    let panicked = wait_for(&s.pipeline, ids[5]);
    let sent = wait_for(&s.pipeline, ids[0]);

    assert_eq!(s.pipeline.round().await.unwrap(), ids.len());

    let recorded: Vec<_> = ids.iter().map(|id| disposition(&s.store, *id)).collect();
    let expected = [
        Disposition::Processed,
        Disposition::Filtered,
        Disposition::Unrouted,
        Disposition::Processed,
        Disposition::Error,
        Disposition::Error,
        Disposition::Processed,
    ]
    .map(|d| Some((d, String::new())));
    assert_eq!(recorded[..5], expected[..5]);
    assert_eq!(recorded[6..], expected[6..]);
    // The message whose other handler sent is ERROR, and says it went out in part.
    assert_eq!(
        recorded[5],
        Some((
            Disposition::Error,
            "partly sent: panics failed; the other handlers' 2 message(s) were queued".to_owned()
        ))
    );
    // Each outbound's queue holds the sends in the inbound's arrival order; a handler that
    // ran after a panicking one still sent.
    let sent_ids = ["C1", "C2", "P1", "C3"];
    let a: Vec<_> = sent_ids.map(|c| (c.to_owned(), "EHR".to_owned())).into();
    let b: Vec<_> = sent_ids.map(|c| (c.to_owned(), "B".to_owned())).into();
    assert_eq!(queued(&s.store, "OB_A"), a);
    assert_eq!(queued(&s.store, "OB_B"), b);
    assert!(woken(&s.pipeline.outbound_wakes["OB_A"]));
    assert!(woken(&s.pipeline.outbound_wakes["OB_B"]));

    let result = failed.await.unwrap();
    assert_eq!(result.disposition, Disposition::Error);
    assert_eq!(result.reason.as_deref(), Some("no such patient"));
    let result = panicked.await.unwrap();
    assert_eq!(result.disposition, Disposition::Error);
    assert_eq!(result.reason.as_deref(), Some("handler panics panicked"));
    let result = sent.await.unwrap();
    assert_eq!(
        (result.disposition, result.reason),
        (Disposition::Processed, None)
    );
    assert!(s.pipeline.waiters.lock().unwrap().is_empty());

    // Counted for `/metrics`: each disposition, and each handler's results.
    let m = &s.pipeline.metrics;
    let routed = [
        Disposition::Processed,
        Disposition::Filtered,
        Disposition::Unrouted,
        Disposition::Error,
    ]
    .map(|d| m.routed_count(d));
    assert_eq!(routed, [3, 1, 1, 2]);
    assert_eq!(
        m.handler_results(),
        [
            (("fails", "ERROR"), 1),
            (("panics", "ERROR"), 1),
            (("to_both", "PROCESSED"), 4)
        ]
    );

    // Nothing is left to route, and nothing is routed twice.
    assert_eq!(s.pipeline.round().await.unwrap(), 0);
    assert_eq!(queued(&s.store, "OB_A").len(), sent_ids.len());
    stop(s.store).await;
}

#[tokio::test]
async fn a_filtered_or_unrouted_message_wakes_no_outbound() {
    let s = setup();
    receive(&s.store, &oru("F1")).await;
    receive(&s.store, &oru("U1")).await;
    assert_eq!(s.pipeline.round().await.unwrap(), 2);
    assert!(queued(&s.store, "OB_A").is_empty());
    assert!(!woken(&s.pipeline.outbound_wakes["OB_A"]));
    assert!(!woken(&s.pipeline.outbound_wakes["OB_B"]));
    stop(s.store).await;
}

#[tokio::test]
async fn a_stored_message_that_no_longer_parses_is_an_error_not_a_crash() {
    let s = setup();
    let broken = receive(&s.store, "not a message").await;
    let good = receive(&s.store, &oru("C1")).await;
    assert_eq!(s.pipeline.round().await.unwrap(), 2);
    let (recorded, detail) = disposition(&s.store, broken).unwrap();
    assert_eq!(recorded, Disposition::Error);
    assert!(
        detail.starts_with("the stored message no longer parses"),
        "{detail}"
    );
    assert_eq!(
        disposition(&s.store, good),
        Some((Disposition::Processed, String::new()))
    );
    stop(s.store).await;
}

/// A send of the message exactly as received is queued by reference (an empty payload), one
/// that changed it with its own bytes.
#[test]
fn a_send_of_the_message_as_received_is_queued_by_reference() {
    let raw = oru("C1");
    let msg = Message::parse(raw.as_str()).unwrap();
    let processed = crate::engine::route::standalone::process_here(&ROUTER, &msg);
    let routed = record(MessageId(7), &processed, raw.as_bytes());
    assert_eq!(routed.message, MessageId(7));
    assert_eq!(routed.disposition, Disposition::Processed);
    assert_eq!(routed.handlers.len(), 1);
    assert_eq!(routed.handlers[0].handler, "to_both");
    assert_eq!(routed.sends.len(), 2);
    assert_eq!(
        routed.sends[0],
        SendRecord {
            outbound: "OB_A".to_owned(),
            handler: "to_both".to_owned(),
            payload: Vec::new(),
            control_id: "C1".to_owned(),
        }
    );
    assert_eq!(routed.sends[1].outbound, "OB_B");
    assert_eq!(routed.sends[1].handler, "to_both");
    assert_eq!(routed.sends[1].control_id, "C1");
    assert_eq!(
        routed.sends[1].payload,
        raw.replace("|EHR|", "|B|").into_bytes()
    );
}

/// A handler that fails does not hold back another's sends: each copy is recorded with the
/// handler that made it, its payload where it differs, and its place in the queue.
#[tokio::test]
async fn a_partial_fan_out_records_each_destination_and_each_handler() {
    let s = setup();
    let id = receive(&s.store, &oru("P1")).await;
    assert_eq!(s.pipeline.round().await.unwrap(), 1);
    let handlers = s.store.handler_results(id).unwrap();
    let results: Vec<_> = handlers
        .iter()
        .map(|h| (h.handler.as_str(), h.disposition, h.reason.as_str()))
        .collect();
    assert_eq!(
        results,
        [
            ("panics", Disposition::Error, "handler panics panicked"),
            ("to_both", Disposition::Processed, ""),
        ]
    );
    let copies = s.store.destinations(id).unwrap();
    let to_both = crate::store::SendOrigin::Handler("to_both".into());
    assert_eq!(copies.len(), 2);
    assert_eq!(
        (
            copies[0].key.outbound.as_str(),
            &copies[0].origin,
            &copies[0].payload
        ),
        ("OB_A", &to_both, &None)
    );
    assert_eq!(
        (copies[1].key.outbound.as_str(), &copies[1].origin),
        ("OB_B", &to_both)
    );
    assert_eq!(
        copies[1].payload.as_deref(),
        Some(oru("P1").replace("|EHR|", "|B|").as_bytes())
    );
    for copy in &copies {
        assert_eq!(
            copy.state,
            crate::store::DestinationState::Queued {
                attempts: 0,
                ahead: 0
            }
        );
    }
    stop(s.store).await;
}

#[tokio::test]
async fn run_routes_what_was_stored_before_it_started_and_what_arrives_while_woken() {
    let Setup {
        _dir,
        store,
        pipeline,
    } = setup();
    let earlier = receive(&store, &oru("C1")).await;
    let wake = Arc::clone(&pipeline.wake);
    let shutdown = pipeline.shutdown.clone();
    let running = tokio::spawn(pipeline.run());
    settled(&store, earlier).await;
    let later = receive(&store, &oru("C2")).await;
    wake.notify_one();
    settled(&store, later).await;
    assert_eq!(queued(&store, "OB_A").len(), 2);
    shutdown.cancel();
    running.await.unwrap();
    stop(store).await;
}

#[tokio::test]
async fn run_stops_when_the_store_fails_and_the_message_stays_to_be_routed() {
    let s = setup();
    let waiting = receive(&s.store, &oru("C1")).await;
    stop(s.store.clone()).await;
    // No shutdown signal: the failed write alone ends it.
    tokio::time::timeout(std::time::Duration::from_secs(30), s.pipeline.run())
        .await
        .expect("the pipeline stops when its results cannot be recorded");
    assert_eq!(
        disposition(&s.store, waiting),
        Some((Disposition::Received, String::new()))
    );
}

/// Commits what the store holds and stops it (a blocking call).
pub(super) async fn stop(store: Store) {
    tokio::task::spawn_blocking(move || store.shutdown())
        .await
        .unwrap();
}

/// Waits, with a generous deadline, for a message to be routed.
async fn settled(store: &Store, id: MessageId) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while disposition(store, id).is_none_or(|(d, _)| d == Disposition::Received) {
        assert!(
            std::time::Instant::now() < deadline,
            "{id} was never routed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// Filters a message whose family name reads `Zoë`; leaves any other unrouted.
static BY_NAME: RouterDef = RouterDef {
    name: "by_name",
    route: |msg| {
        if &msg[Path::parse_const("PID-5")] == "Zoë" {
            Route::filtered()
        } else {
            Route::unrouted()
        }
    },
};
static IB_NAMES: InboundDef = InboundDef {
    name: "IB_NAMES",
    transport: crate::interface::InboundTransport::Mllp(MllpListen::DEFAULT),
    router: &BY_NAME,
};

#[tokio::test]
async fn the_router_reads_text_in_the_inbounds_character_set() {
    // Declared ISO-8859-1, sent as UTF-8: `ë` is two bytes.
    let raw = "MSH|^~\\&|ADT|H|EHR|H|20260101||ADT^A08|C1|P|2.4|||||NLD|8859/1\rPID|1||M1||Zoë\r";
    let route = |charset| route_one(Inbound(&IB_NAMES), charset, raw.as_bytes().to_vec());
    assert_eq!(
        route(CharsetPolicy::Declared).await.disposition,
        Disposition::Unrouted,
        "read as declared, the name is `ZoÃ«`"
    );
    assert_eq!(
        route(CharsetPolicy::Utf8).await.disposition,
        Disposition::Filtered
    );
}
