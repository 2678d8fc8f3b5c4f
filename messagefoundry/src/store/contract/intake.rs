//! Promises of intake: ids, durability, duplicates, batches, files, and reading back.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{DAY, Subject, deduped, incoming, incoming_at, oru, receive, route};
use crate::interface::Disposition;
use crate::store::{FilePart, MessageId, StoredDisposition};

/// Message ids grow with every message stored (received, in a batch, in a file, an edit), and
/// none is handed out again: not after a restart, not after the newest messages were pruned.
pub fn ids_only_grow_and_are_never_reused(s: &mut Subject) {
    let store = s.store().clone();
    let mut ids = vec![receive(s, incoming("A1")), receive(s, incoming("A2"))];
    let batch = s
        .wait(store.receive_all(vec![incoming("B1"), incoming("B2")]))
        .expect("batch stored");
    ids.extend(batch.iter().map(|r| r.id));
    let part = FilePart {
        inbound: Arc::from("IB"),
        file: "f.hl7".into(),
        digest: [7; 32],
        upto: 1,
        messages: vec![incoming("F1")],
    };
    ids.extend(
        s.wait(store.receive_file_part(part))
            .expect("file part")
            .iter()
            .map(|r| r.id),
    );
    ids.push(receive(s, incoming("A3")));
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ids in the order stored: {ids:?}"
    );

    drop(store);
    s.restart();
    let after_restart = receive(s, incoming("A4"));
    assert!(
        after_restart > ids[ids.len() - 1],
        "{after_restart} after {ids:?}"
    );

    // Old messages, all finished, are pruned, the newest among them too; a restart must still
    // not hand the newest id out again.
    let old = s.store().clone();
    let newest_old = receive(
        s,
        incoming_at("IB", "OLD", super::super::now_micros() - DAY),
    );
    s.wait(old.record_routes(vec![super::routed(newest_old, &[])]))
        .expect("routed");
    for id in ids.iter().copied().chain([after_restart]) {
        s.wait(old.record_routes(vec![super::routed(id, &[])]))
            .expect("routed");
    }
    let pruned = s
        .wait(old.prune(super::super::now_micros() + 1))
        .expect("pruned");
    assert!(pruned > 0);
    drop(old);
    s.restart();
    let next = receive(s, incoming("A5"));
    assert!(
        next > newest_old,
        "{next} handed out after {newest_old} was pruned and the store restarted"
    );
}

/// A receive's answer means it is stored: readable at once, exactly as received, waiting to be
/// routed, and still there when the store is dropped and opened again.
pub fn a_receive_is_durable_before_its_answer(s: &mut Subject) {
    let sent = incoming("D1");
    let raw = sent.raw.to_vec();
    let received = s.wait(s.store().receive(sent)).expect("stored");
    assert_eq!(received.duplicate_of, None);
    let check = |s: &Subject| {
        let (info, bytes) = s
            .store()
            .read_message(received.id)
            .expect("read")
            .expect("the message is stored");
        assert_eq!(bytes, raw);
        assert_eq!(info.control_id, "D1");
        assert_eq!(
            s.store().disposition(received.id).expect("read"),
            Some(StoredDisposition {
                disposition: Disposition::Received,
                detail: String::new()
            })
        );
    };
    check(s);
    s.drop_and_reopen();
    check(s);
    let pending = s.store().pending_routes_for("IB", 10).expect("read");
    assert_eq!(pending, vec![(received.id, raw)]);
}

/// MSH-3 + MSH-10 seen on the same inbound within the window make a message a duplicate of
/// the first: stored, FILTERED "duplicate of #N", never routed. Outside the window, on another
/// inbound or from another sender it is not one.
pub fn duplicates_are_found_within_the_window_only(s: &mut Subject) {
    let now = super::super::now_micros();
    let window = 60_000_000;
    let store = s.store().clone();
    let first = s
        .wait(store.receive(deduped(incoming_at("IB", "C1", now), window)))
        .expect("stored");
    assert_eq!(first.duplicate_of, None);
    let again = s
        .wait(store.receive(deduped(incoming_at("IB", "C1", now + 1_000), window)))
        .expect("stored");
    assert_eq!(again.duplicate_of, Some(first.id));
    assert!(
        again.id > first.id,
        "a duplicate is stored with an id of its own"
    );
    assert_eq!(
        store.disposition(again.id).expect("read"),
        Some(StoredDisposition {
            disposition: Disposition::Filtered,
            detail: format!("duplicate of {}", first.id),
        })
    );
    let pending: Vec<MessageId> = store
        .pending_routes_for("IB", 10)
        .expect("read")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(pending, vec![first.id], "a duplicate is not routed");

    let other_inbound = s
        .wait(store.receive(deduped(incoming_at("IB2", "C1", now + 2_000), window)))
        .expect("stored");
    assert_eq!(other_inbound.duplicate_of, None, "another inbound");
    let mut other_sender = deduped(incoming_at("IB", "C1", now + 3_000), window);
    if let Some(d) = other_sender.dedupe.as_mut() {
        d.sending_application = "RAD".into();
    }
    let other_sender = s.wait(store.receive(other_sender)).expect("stored");
    assert_eq!(other_sender.duplicate_of, None, "another sender");
    let later = s
        .wait(store.receive(deduped(incoming_at("IB", "C1", now + window + 1), window)))
        .expect("stored");
    assert_eq!(later.duplicate_of, None, "outside the window");
    let undeduped = s
        .wait(store.receive(incoming_at("IB", "C1", now + 4_000)))
        .expect("stored");
    assert_eq!(undeduped.duplicate_of, None, "no detection asked");
}

/// A batch is stored in one step: in order, each answer in order, and a reader never sees a
/// part of it. A batch sent to a stopped store is refused, and nothing of it is stored.
pub fn a_batch_is_stored_whole_and_in_order(s: &mut Subject) {
    let store = s.store().clone();
    const N: usize = 200;
    let batch: Vec<_> = (0..N).map(|n| incoming(&format!("B{n}"))).collect();
    let watching = Arc::new(AtomicBool::new(true));
    let reader = {
        let store = store.clone();
        let watching = Arc::clone(&watching);
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            while watching.load(Ordering::Relaxed) {
                seen.push(store.latest(None, N + 1).expect("read").len());
            }
            seen.push(store.latest(None, N + 1).expect("read").len());
            seen
        })
    };
    let answers = s.wait(store.receive_all(batch)).expect("batch stored");
    watching.store(false, Ordering::Relaxed);
    let seen = reader.join().expect("reader");
    assert!(
        seen.iter().all(|&n| n == 0 || n == N),
        "a reader saw part of a batch: {:?}",
        seen.iter()
            .filter(|&&n| n != 0 && n != N)
            .collect::<Vec<_>>()
    );
    assert_eq!(answers.len(), N);
    for (n, answer) in answers.iter().enumerate() {
        let (info, _) = store
            .read_message(answer.id)
            .expect("read")
            .expect("stored");
        assert_eq!(
            info.control_id,
            format!("B{n}"),
            "answers in the batch's order"
        );
    }
    assert!(answers.windows(2).all(|w| w[0].id < w[1].id));
    let pending: Vec<MessageId> = store
        .pending_routes_for("IB", N + 1)
        .expect("read")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(pending, answers.iter().map(|a| a.id).collect::<Vec<_>>());

    drop(store);
    s.store().clone().shutdown();
    let refused = s.wait(s.store().receive_all(vec![incoming("X1"), incoming("X2")]));
    assert!(refused.is_err(), "a stopped store refuses a batch");
    s.restart();
    assert_eq!(s.store().latest(None, N + 10).expect("read").len(), N);
}

/// A file part's messages and the file's progress are stored together; progress counts only
/// for the same digest, survives a restart, and is forgotten when the file is finished.
pub fn file_progress_is_kept_with_its_messages(s: &mut Subject) {
    let store = s.store().clone();
    let part = |upto: u64, controls: &[&str]| FilePart {
        inbound: Arc::from("IB"),
        file: "batch.hl7".into(),
        digest: [1; 32],
        upto,
        messages: controls.iter().map(|c| incoming(c)).collect(),
    };
    assert_eq!(
        store
            .file_progress("IB", "batch.hl7", &[1; 32])
            .expect("read"),
        0
    );
    let first = s
        .wait(store.receive_file_part(part(2, &["F1", "F2"])))
        .expect("part");
    assert_eq!(first.len(), 2);
    assert_eq!(
        store
            .file_progress("IB", "batch.hl7", &[1; 32])
            .expect("read"),
        2
    );
    assert_eq!(
        store
            .file_progress("IB", "batch.hl7", &[2; 32])
            .expect("read"),
        0,
        "another content under the same name starts again"
    );
    drop(store);
    s.restart();
    let store = s.store().clone();
    assert_eq!(
        store
            .file_progress("IB", "batch.hl7", &[1; 32])
            .expect("read"),
        2
    );
    s.wait(store.receive_file_part(part(3, &["F3"])))
        .expect("part");
    assert_eq!(
        store
            .file_progress("IB", "batch.hl7", &[1; 32])
            .expect("read"),
        3
    );
    assert_eq!(
        store.files_begun("IB").expect("read"),
        vec!["batch.hl7".to_owned()]
    );
    assert!(store.files_begun("IB2").expect("read").is_empty());
    let pending = store.pending_routes_for("IB", 10).expect("read");
    assert_eq!(pending.len(), 3, "the file's messages wait to be routed");
    s.wait(store.file_finished("IB", "batch.hl7"))
        .expect("finished");
    assert_eq!(
        store
            .file_progress("IB", "batch.hl7", &[1; 32])
            .expect("read"),
        0
    );
    assert!(store.files_begun("IB").expect("read").is_empty());
}

/// Reads give back what was stored: a message's bytes and summary, the newest first in pages
/// without gaps or repeats, a routing's disposition and handler results in route order.
pub fn reads_give_back_what_was_stored(s: &mut Subject) {
    let store = s.store().clone();
    let ids: Vec<MessageId> = (0..7)
        .map(|n| receive(s, incoming(&format!("R{n}"))))
        .collect();
    let mut paged = Vec::new();
    let mut before = None;
    loop {
        let page = store.latest(before, 3).expect("read");
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 3);
        before = page.last().map(|(id, _)| *id);
        paged.extend(page);
    }
    let newest_first: Vec<MessageId> = ids.iter().rev().copied().collect();
    assert_eq!(
        paged.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        newest_first
    );
    for (id, info) in &paged {
        let (read, bytes) = store.read_message(*id).expect("read").expect("stored");
        assert_eq!(&read, info);
        assert_eq!(bytes, oru(&info.control_id).into_bytes());
    }

    let record = crate::store::RouteRecord {
        message: ids[0],
        disposition: Disposition::Error,
        detail: "a handler failed".into(),
        handlers: vec![
            crate::store::HandlerRecord {
                handler: "second".into(),
                disposition: Disposition::Processed,
                reason: String::new(),
            },
            crate::store::HandlerRecord {
                handler: "first".into(),
                disposition: Disposition::Error,
                reason: "no OBX".into(),
            },
        ],
        sends: Vec::new(),
    };
    let handlers = record.handlers.clone();
    s.wait(store.record_routes(vec![record])).expect("routed");
    assert_eq!(store.handler_results(ids[0]).expect("read"), handlers);
    assert_eq!(
        store.disposition(ids[0]).expect("read"),
        Some(StoredDisposition {
            disposition: Disposition::Error,
            detail: "a handler failed".into()
        })
    );
    assert!(route(s, ids[1], &[]).is_empty());
    assert_eq!(
        store
            .disposition(ids[1])
            .expect("read")
            .map(|d| d.disposition),
        Some(Disposition::Processed)
    );
}
