//! `async` handlers in the pipeline: awaited in arrival order, a timeout recorded as an ERROR
//! that holds back nothing else, and a shutdown while one awaits leaving its message to be
//! routed at the next start.

use std::time::Duration;

use tokio::sync::Notify;

use super::*;

/// Awaits a timer, then sends the message to OB_A.
pub(super) static AWAITS: HandlerDef = HandlerDef {
    name: "awaits",
    handle: Handle::Async {
        call: |msg| {
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(1)).await;
                Outcome::send(Outbound(&OB_A), msg)
            })
        },
        timeout: Duration::from_secs(30),
    },
    message: None,
};

/// Awaits far past its timeout.
pub(super) static OUTLASTS: HandlerDef = HandlerDef {
    name: "outlasts",
    handle: Handle::Async {
        call: |_| Box::pin(std::future::pending()),
        timeout: Duration::from_millis(20),
    },
    message: None,
};

/// Says it has started, then awaits what never comes, within a timeout no test reaches.
pub(super) static HANGS: HandlerDef = HandlerDef {
    name: "hangs",
    handle: Handle::Async {
        call: |_| {
            Box::pin(async {
                HANGING.notify_one();
                std::future::pending().await
            })
        },
        timeout: Duration::from_secs(3600),
    },
    message: None,
};

/// Told when `hangs` has begun to await.
static HANGING: Notify = Notify::const_new();

#[tokio::test]
async fn async_handlers_are_awaited_in_arrival_order_and_a_timeout_is_an_error() {
    let s = setup();
    let mut ids = Vec::new();
    for control_id in ["A1", "S1", "C1", "A2"] {
        ids.push(receive(&s.store, &oru(control_id)).await);
    }
    let mut routed = 0;
    while routed < ids.len() {
        routed += s.pipeline.round().await.unwrap();
    }
    assert_eq!(
        disposition(&s.store, ids[0]),
        Some((Disposition::Processed, String::new()))
    );
    let (outcome, _) = disposition(&s.store, ids[1]).unwrap();
    assert_eq!(outcome, Disposition::Error);
    let handlers = s.store.handler_results(ids[1]).unwrap();
    assert_eq!(handlers[0].handler, "outlasts");
    assert_eq!(
        handlers[0].reason,
        "handler outlasts did not finish within its timeout of 20ms"
    );
    // The handler after the one that timed out ran, and the next messages went on.
    assert_eq!(handlers[1].disposition, Disposition::Processed);
    let order: Vec<String> = queued(&s.store, "OB_A")
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    assert_eq!(order, ["A1", "S1", "C1", "A2"]);
    stop(s.store).await;
}

#[tokio::test]
async fn a_shutdown_while_a_handler_awaits_leaves_its_message_to_be_routed_again() {
    let Setup {
        _dir,
        store,
        pipeline,
    } = setup();
    let before = receive(&store, &oru("C1")).await;
    let hanging = receive(&store, &oru("H1")).await;
    let shutdown = pipeline.shutdown.clone();
    let round = tokio::spawn(async move { pipeline.round().await });
    HANGING.notified().await;
    shutdown.cancel();
    // The round ends without waiting for the handler (an hour): the message routed before
    // the hanging one is recorded, the hanging one is not.
    let ended = tokio::time::timeout(Duration::from_secs(30), round).await;
    assert_eq!(ended.expect("the round ended").unwrap().unwrap(), 1);
    assert_eq!(
        disposition(&store, before),
        Some((Disposition::Processed, String::new()))
    );
    assert_eq!(
        disposition(&store, hanging),
        Some((Disposition::Received, String::new()))
    );
    let pending = store.pending_routes_for("IB", 10).unwrap();
    assert_eq!(
        pending.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        [hanging]
    );
    stop(store).await;
}
