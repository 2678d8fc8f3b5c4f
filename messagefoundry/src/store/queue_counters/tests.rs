//! The queue counters equal a scan of the queue after every kind of change, over random
//! sequences of operations, across restarts, and when a store without them is opened.

use proptest::prelude::*;
use redb::ReadableDatabase;

use super::{QUEUE_COUNTERS, scan, stored};
use crate::store::tables::{MESSAGE_INFO, META, QUEUE};
use crate::store::test_messages::{message, receive_routed};
use crate::store::{Edit, MessageId, QueueKey, Store};

const OUTBOUNDS: [&str; 3] = ["OB_A", "OB_B", "OB_C"];

/// One change to the store.
#[derive(Debug, Clone)]
enum Op {
    /// Receive a message and route it, sending one copy to each outbound listed.
    Receive(Vec<usize>),
    /// Deliver the entry at this place in the outbound's queue (modulo its depth).
    Deliver(usize, usize),
    /// Dead-letter the entry at this place in the outbound's queue.
    DeadLetter(usize, usize),
    /// Record an attempt on the outbound's head (it stays queued).
    Attempt(usize),
    /// Replay the dead letter at this place in the list.
    Replay(usize),
    /// Resend the message at this place among those stored to an outbound.
    Resend(usize, usize),
    /// Store an edit of a message, queued for an outbound.
    EditTo(usize, usize),
    /// Prune every finished message.
    Prune,
    /// Stop the store and open it again.
    Restart,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => proptest::collection::vec(0..OUTBOUNDS.len(), 0..4).prop_map(Op::Receive),
        3 => (0..OUTBOUNDS.len(), 0..4usize).prop_map(|(o, n)| Op::Deliver(o, n)),
        1 => (0..OUTBOUNDS.len(), 0..4usize).prop_map(|(o, n)| Op::DeadLetter(o, n)),
        1 => (0..OUTBOUNDS.len()).prop_map(Op::Attempt),
        1 => (0..8usize).prop_map(Op::Replay),
        1 => (0..64usize, 0..OUTBOUNDS.len()).prop_map(|(m, o)| Op::Resend(m, o)),
        1 => (0..64usize, 0..OUTBOUNDS.len()).prop_map(|(m, o)| Op::EditTo(m, o)),
        1 => Just(Op::Prune),
        1 => Just(Op::Restart),
    ]
}

/// The counters as stored, and as a scan of the queue finds them.
fn both(store: &Store) -> (String, String) {
    let txn = store.db().begin_read().expect("read");
    let counters = txn.open_table(QUEUE_COUNTERS).expect("counters");
    let queue = txn.open_table(QUEUE).expect("queue");
    let infos = txn.open_table(MESSAGE_INFO).expect("infos");
    let kept = stored(&counters).expect("stored");
    let counted = scan(&queue, &infos).expect("scan");
    (format!("{kept:?}"), format!("{counted:?}"))
}

fn entries(store: &Store, outbound: &str) -> Vec<QueueKey> {
    store
        .queue_head(outbound, usize::MAX)
        .expect("queue")
        .into_iter()
        .map(|e| e.key)
        .collect()
}

async fn apply(store: &mut Store, op: &Op, received: &mut Vec<MessageId>) {
    match op {
        Op::Receive(to) => {
            let names: Vec<&str> = to.iter().map(|&o| OUTBOUNDS[o]).collect();
            let n = received.len() as u64;
            received.push(receive_routed(store, n, 0, &names).await);
        }
        Op::Deliver(o, n) | Op::DeadLetter(o, n) => {
            let queued = entries(store, OUTBOUNDS[*o]);
            if queued.is_empty() {
                return;
            }
            let key = queued[n % queued.len()].clone();
            if matches!(op, Op::Deliver(..)) {
                store.delivered(key, 1, "AA").await.expect("delivered");
            } else {
                store.dead_letter(key, 1, "AR".into()).await.expect("dead");
            }
        }
        Op::Attempt(o) => {
            if let Some(key) = entries(store, OUTBOUNDS[*o]).into_iter().next() {
                store.attempted(key, 2).await.expect("attempted");
            }
        }
        Op::Replay(n) => {
            let dead = store.dead_letters(None).expect("dead letters");
            if !dead.is_empty() {
                let key = dead[n % dead.len()].key.clone();
                store.replay(key).await.expect("replayed");
            }
        }
        Op::Resend(m, o) | Op::EditTo(m, o) => {
            if received.is_empty() {
                return;
            }
            let id = received[m % received.len()];
            let outbound = OUTBOUNDS[*o].to_owned();
            // A pruned message is refused (NotFound); that changes nothing either.
            if matches!(op, Op::Resend(..)) {
                let _ = store.resend(id, outbound, false).await;
            } else {
                let (raw, info) = message(10_000 + *m as u64, 0);
                let _ = store
                    .store_edit(Edit {
                        original: id,
                        raw,
                        info,
                        to: Some(outbound),
                        index: Vec::new(),
                    })
                    .await;
            }
        }
        Op::Prune => {
            store.prune(u64::MAX).await.expect("pruned");
        }
        // Done by the caller, which owns the handle.
        Op::Restart => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn counters_equal_a_scan_after_every_change(ops in proptest::collection::vec(op(), 1..40)) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("q.redb");
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
        runtime.block_on(async {
            let mut store = Store::open(&path).expect("store");
            let mut received = Vec::new();
            for (step, op) in ops.iter().enumerate() {
                if matches!(op, Op::Restart) {
                    close(store);
                    store = Store::open(&path).expect("reopened");
                }
                apply(&mut store, op, &mut received).await;
                let (kept, counted) = both(&store);
                prop_assert_eq!(kept, counted, "after step {} ({:?})", step, op);
                for outbound in OUTBOUNDS {
                    let count = store.queue_count(outbound).expect("count");
                    prop_assert_eq!(count.depth, store.queue_len(outbound).expect("scan"));
                }
            }
            close(store);
            Ok(())
        })?;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_store_without_counters_gets_them_built_from_a_scan_at_open() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("old.redb");
    let store = Store::open(&path).expect("store");
    let mut received = Vec::new();
    let mut handle = store.clone();
    for to in [vec![0, 1], vec![0], vec![2, 0]] {
        apply(&mut handle, &Op::Receive(to), &mut received).await;
    }
    drop(handle);
    // As a store written before the counters existed: no mark, no rows.
    {
        let txn = store.db().begin_write().expect("write");
        txn.open_table(META)
            .expect("meta")
            .remove("queue_counters")
            .expect("unmarked");
        txn.delete_table(QUEUE_COUNTERS).expect("dropped");
        txn.commit().expect("commit");
    }
    close(store);

    let store = Store::open(&path).expect("reopened");
    let (kept, counted) = both(&store);
    assert_eq!(kept, counted);
    assert_eq!(store.queue_count("OB_A").expect("count").depth, 3);
    let head = store.queue_count("OB_C").expect("count");
    assert_eq!(head.depth, 1);
    assert_eq!(head.head_received_at_micros, Some(1_002));
    close(store);
}

/// Stops a store from inside the runtime (its shutdown blocks).
fn close(store: Store) {
    tokio::task::block_in_place(|| store.shutdown());
}
