//! Promises of the outbound queues: routing, FIFO, delivery, dead letters, replay, resend,
//! edits, and the counters kept beside them.

use super::{Subject, head_keys, incoming, oru, receive, route, routed};
use crate::interface::Disposition;
use crate::store::{
    DestinationState, Edit, MessageId, MessageInfo, ParseState, QueueKey, SendOrigin, StateKind,
};

/// Recording routes queues each send at the end of its outbound's queue in the order of the
/// records and of their sends, and the messages stop waiting to be routed; an empty payload
/// is the message as received.
pub fn routes_queue_copies_in_record_order_per_outbound(s: &mut Subject) {
    let ids: Vec<MessageId> = (0..3)
        .map(|n| receive(s, incoming(&format!("Q{n}"))))
        .collect();
    let records = vec![
        routed(ids[0], &[("A", b"a0"), ("B", b"b0")]),
        routed(ids[1], &[("B", b""), ("A", b"a1")]),
        routed(ids[2], &[("A", b"a2")]),
    ];
    let keys = s.wait(s.store().record_routes(records)).expect("routed");
    assert_eq!(keys.len(), 3);
    assert_eq!(
        keys.iter().map(|k| k.len()).collect::<Vec<_>>(),
        vec![2, 2, 1],
        "each record's keys, in its sends' order"
    );
    assert_eq!(keys[0][0].outbound, "A");
    assert_eq!(keys[1][0].outbound, "B");
    let a = s.store().queue_head("A", 10).expect("read");
    assert_eq!(
        a.iter().map(|e| e.payload.as_slice()).collect::<Vec<_>>(),
        vec![b"a0".as_slice(), b"a1", b"a2"]
    );
    assert_eq!(
        a.iter().map(|e| e.key.clone()).collect::<Vec<_>>(),
        vec![keys[0][0].clone(), keys[1][1].clone(), keys[2][0].clone()]
    );
    assert!(a.windows(2).all(|w| w[0].key.seq < w[1].key.seq));
    let b = s.store().queue_head("B", 10).expect("read");
    assert_eq!(b.len(), 2);
    assert_eq!(b[0].payload, b"b0");
    assert_eq!(
        b[1].payload,
        oru("Q1").into_bytes(),
        "an empty payload is as received"
    );
    assert_eq!(b[1].message, ids[1]);
    assert!(b.iter().all(|e| e.attempts == 0));
    assert!(
        s.store()
            .pending_routes_for("IB", 10)
            .expect("read")
            .is_empty(),
        "routed messages no longer wait"
    );
    let copies = s.store().destinations(ids[1]).expect("read");
    assert_eq!(
        copies.iter().map(|c| c.key.clone()).collect::<Vec<_>>(),
        keys[1]
    );
    assert_eq!(copies[0].origin, SendOrigin::Handler("to_ob".into()));
    assert_eq!(copies[0].payload, None);
    assert_eq!(copies[1].payload, Some(b"a1".to_vec()));
}

/// The head of a queue is its oldest entry; delivering it brings up the next; a limit takes
/// the first entries only; reading on after a sequence takes the entries above it only;
/// queues of other outbounds are apart; the order survives a restart.
pub fn queue_head_is_first_in_first_out(s: &mut Subject) {
    let mut keys = Vec::new();
    for n in 0..5 {
        let id = receive(s, incoming(&format!("H{n}")));
        keys.push(route(s, id, &[("A", b"")]).remove(0));
        route_other(s, n);
    }
    assert_eq!(head_keys(s, "A"), keys);
    assert_eq!(
        s.store()
            .queue_head("A", 2)
            .expect("read")
            .into_iter()
            .map(|e| e.key)
            .collect::<Vec<_>>(),
        keys[..2]
    );
    let after = |s: &Subject, seq: Option<u64>, limit: usize| {
        s.store()
            .queue_head_after("A", seq, limit)
            .expect("read")
            .into_iter()
            .map(|e| e.key)
            .collect::<Vec<_>>()
    };
    assert_eq!(after(s, Some(keys[2].seq), 10), keys[3..]);
    assert_eq!(after(s, Some(keys[0].seq), 2), keys[1..3]);
    assert_eq!(after(s, None, 10), keys);
    assert!(after(s, Some(keys[4].seq), 10).is_empty());
    assert!(after(s, Some(u64::MAX), 10).is_empty());
    s.wait(s.store().delivered(keys[0].clone(), 1, "AA"))
        .expect("delivered");
    assert_eq!(head_keys(s, "A"), keys[1..]);
    s.restart();
    assert_eq!(head_keys(s, "A"), keys[1..]);
    let later = receive(s, incoming("H5"));
    let key = route(s, later, &[("A", b"")]).remove(0);
    assert!(
        key.seq > keys[4].seq,
        "a queue sequence is not reused after a restart"
    );
    assert_eq!(head_keys(s, "A").last(), Some(&key));
    assert_eq!(head_keys(s, "OTHER").len(), 5);
}

/// Routes one message to `OTHER`, between the entries of the queue under test.
fn route_other(s: &Subject, n: usize) {
    let id = receive(s, incoming(&format!("O{n}")));
    route(s, id, &[("OTHER", b"other")]);
}

/// `delivered` moves the entry to the history with its ack; `attempted` keeps it at its place
/// with its count; `dead_letter` moves it, with its bytes, count and reason, to the dead
/// letters. Each is then gone from the queue.
pub fn delivered_attempted_and_dead_letter_move_the_entry(s: &mut Subject) {
    let one = receive(s, incoming("M1"));
    let two = receive(s, incoming("M2"));
    let first = route(s, one, &[("A", b"")]).remove(0);
    let second = route(s, two, &[("A", b"edited"), ("B", b"")]);
    s.wait(s.store().attempted(first.clone(), 2))
        .expect("attempted");
    let head = s.store().queue_head("A", 1).expect("read");
    assert_eq!((head[0].key.clone(), head[0].attempts), (first.clone(), 2));
    s.wait(s.store().delivered(first.clone(), 3, "CA"))
        .expect("delivered");
    match &s.store().destinations(one).expect("read")[..] {
        [copy] => match &copy.state {
            DestinationState::Delivered { attempts, ack, .. } => {
                assert_eq!((*attempts, ack.as_str()), (3, "CA"));
            }
            other => panic!("delivered copy reads {other:?}"),
        },
        other => panic!("one copy expected, read {other:?}"),
    }
    s.wait(
        s.store()
            .dead_letter(second[0].clone(), 4, "AR: rejected".into()),
    )
    .expect("dead-lettered");
    assert!(head_keys(s, "A").is_empty());
    assert_eq!(
        head_keys(s, "B"),
        vec![second[1].clone()],
        "B's copy stays queued"
    );
    let dead = s.store().dead_letters(Some("A")).expect("read");
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (
            dead[0].key.clone(),
            dead[0].message,
            dead[0].attempts,
            dead[0].reason.as_str()
        ),
        (second[0].clone(), two, 4, "AR: rejected")
    );
    assert!(s.store().dead_letters(Some("B")).expect("read").is_empty());
    assert_eq!(s.store().dead_letters(None).expect("read").len(), 1);
    let kinds = s.store().destination_kinds(two).expect("read");
    assert_eq!(
        kinds,
        vec![
            ("A".to_owned(), Some(StateKind::Dead)),
            ("B".to_owned(), Some(StateKind::Queued))
        ]
    );
}

/// Several entries delivered together (a batch file) leave the queue together, each with its
/// attempt count and the one acknowledgment code, and stay delivered after a restart; entries
/// no longer queued (a batch recorded again after a crash) are passed over, not an error.
pub fn delivered_all_moves_every_entry_together(s: &mut Subject) {
    let ids: Vec<_> = ["D1", "D2", "D3"]
        .into_iter()
        .map(|c| receive(s, incoming(c)))
        .collect();
    let keys: Vec<_> = ids
        .iter()
        .map(|&id| route(s, id, &[("A", b"")]).remove(0))
        .collect();
    let batch = vec![(keys[0].clone(), 1), (keys[1].clone(), 2)];
    s.wait(s.store().delivered_all(batch.clone(), "AA"))
        .expect("delivered");
    assert_eq!(head_keys(s, "A"), vec![keys[2].clone()]);
    s.wait(s.store().delivered_all(batch, "AA"))
        .expect("a batch recorded again is passed over");
    s.drop_and_reopen();
    assert_eq!(head_keys(s, "A"), vec![keys[2].clone()]);
    for (id, want) in [(ids[0], 1), (ids[1], 2)] {
        match &s.store().destinations(id).expect("read")[..] {
            [copy] => match &copy.state {
                DestinationState::Delivered { attempts, ack, .. } => {
                    assert_eq!((*attempts, ack.as_str()), (want, "AA"));
                }
                other => panic!("delivered copy reads {other:?}"),
            },
            other => panic!("one copy expected, read {other:?}"),
        }
    }
}

/// A replayed dead letter goes to the end of its queue, with its bytes and no attempts, under
/// a new key; it is no longer a dead letter, and its message's copy follows it.
pub fn a_replay_goes_to_the_end_with_no_attempts(s: &mut Subject) {
    let one = receive(s, incoming("P1"));
    let dead = route(s, one, &[("A", b"copy")]).remove(0);
    s.wait(s.store().dead_letter(dead.clone(), 5, "AR".into()))
        .expect("dead-lettered");
    let two = receive(s, incoming("P2"));
    let queued = route(s, two, &[("A", b"")]).remove(0);
    let replayed = s.wait(s.store().replay(dead.clone())).expect("replayed");
    assert_eq!(replayed.outbound, "A");
    assert!(replayed.seq > queued.seq, "at the end of the queue");
    let head = s.store().queue_head("A", 10).expect("read");
    assert_eq!(
        head.iter().map(|e| e.key.clone()).collect::<Vec<_>>(),
        vec![queued, replayed.clone()]
    );
    assert_eq!(
        (head[1].payload.as_slice(), head[1].attempts),
        (b"copy".as_slice(), 0)
    );
    assert!(s.store().dead_letters(None).expect("read").is_empty());
    let copies = s.store().destinations(one).expect("read");
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0].key, replayed);
    assert!(matches!(
        copies[0].state,
        DestinationState::Queued {
            attempts: 0,
            ahead: 1
        }
    ));
}

/// A resend queues, at the end of the outbound's queue, the last copy queued for it, or the
/// message as received (when asked, or when none was), as the operator's copy.
pub fn a_resend_queues_the_last_copy_or_the_original(s: &mut Subject) {
    let id = receive(s, incoming("S1"));
    let first = route(s, id, &[("A", b"first"), ("A", b"last")]);
    let again = s
        .wait(s.store().resend(id, "A".into(), false))
        .expect("resent");
    assert!(again.seq > first[1].seq);
    let as_received = s
        .wait(s.store().resend(id, "A".into(), true))
        .expect("resent");
    let never = s
        .wait(s.store().resend(id, "B".into(), false))
        .expect("resent");
    let head = s.store().queue_head("A", 10).expect("read");
    assert_eq!(head.len(), 4);
    assert_eq!(head[2].key, again);
    assert_eq!(head[2].payload, b"last");
    assert_eq!(head[3].key, as_received);
    assert_eq!(head[3].payload, oru("S1").into_bytes());
    let b = s.store().queue_head("B", 10).expect("read");
    assert_eq!(
        (b[0].key.clone(), b[0].payload.clone()),
        (never, oru("S1").into_bytes())
    );
    let copies = s.store().destinations(id).expect("read");
    assert_eq!(copies.len(), 5);
    assert_eq!(copies[2].origin, SendOrigin::Operator);
    assert_eq!(copies[0].origin, SendOrigin::Handler("to_ob".into()));
}

/// An edit is a message of its own beside its original, which is unchanged: routed again
/// through the original's inbound, or queued for one outbound as PROCESSED; the two are
/// linked both ways.
pub fn an_edit_is_a_message_of_its_own(s: &mut Subject) {
    let original = receive(s, incoming("E1"));
    route(s, original, &[]);
    let text = oru("E1-EDITED");
    let msg = messagefoundry_hl7::Message::parse(text.as_bytes()).expect("parses");
    let edit = |to: Option<&str>| Edit {
        original,
        raw: text.clone().into_bytes(),
        info: MessageInfo::of("IB", super::super::now_micros(), &msg),
        to: to.map(str::to_owned),
        index: Vec::new(),
    };
    let rerouted = s.wait(s.store().store_edit(edit(None))).expect("edit");
    assert!(rerouted.edit > original);
    assert_eq!(rerouted.queued, None);
    let pending = s.store().pending_routes_for("IB", 10).expect("read");
    assert_eq!(pending, vec![(rerouted.edit, text.clone().into_bytes())]);
    let sent = s.wait(s.store().store_edit(edit(Some("A")))).expect("edit");
    let key = sent.queued.clone().expect("queued for A");
    assert_eq!(head_keys(s, "A"), vec![key]);
    assert_eq!(
        s.store().queue_head("A", 1).expect("read")[0].payload,
        text.clone().into_bytes()
    );
    assert_eq!(
        s.store()
            .disposition(sent.edit)
            .expect("read")
            .map(|d| d.disposition),
        Some(Disposition::Processed)
    );
    let (info, bytes) = s
        .store()
        .read_message(original)
        .expect("read")
        .expect("kept");
    assert_eq!(
        bytes,
        oru("E1").into_bytes(),
        "the original is never changed"
    );
    assert_eq!(info.parse_state, ParseState::Parsed);
    assert_eq!(
        s.store().edits(original).expect("read"),
        (None, vec![rerouted.edit, sent.edit])
    );
    assert_eq!(
        s.store().edits(sent.edit).expect("read"),
        (Some(original), vec![])
    );
}

/// The queue counters (depth, and when the head was received) equal a scan of the queue
/// after every kind of change, and after a restart.
pub fn queue_counters_equal_a_scan_after_each_change(s: &mut Subject) {
    let check = |s: &Subject, when: &str| {
        for outbound in ["A", "B"] {
            let count = s.store().queue_count(outbound).expect("read");
            let len = s.store().queue_len(outbound).expect("read");
            assert_eq!(count.depth, len, "{outbound} depth after {when}");
            let head = s.store().queue_head(outbound, 1).expect("read");
            let received = head.first().map(|e| {
                s.store()
                    .read_message(e.message)
                    .expect("read")
                    .expect("queued message stored")
                    .0
                    .received_at_micros
            });
            assert_eq!(
                count.head_received_at_micros, received,
                "{outbound} head after {when}"
            );
        }
    };
    check(s, "nothing");
    let now = super::super::now_micros();
    let ids: Vec<MessageId> = (0..4)
        .map(|n| receive(s, super::incoming_at("IB", &format!("K{n}"), now + n)))
        .collect();
    let keys: Vec<Vec<QueueKey>> = s
        .wait(
            s.store().record_routes(
                ids.iter()
                    .map(|&id| routed(id, &[("A", b""), ("B", b"")]))
                    .collect(),
            ),
        )
        .expect("routed");
    check(s, "routing");
    s.wait(s.store().attempted(keys[0][0].clone(), 1))
        .expect("attempted");
    check(s, "an attempt");
    s.wait(s.store().delivered(keys[0][0].clone(), 1, "AA"))
        .expect("delivered");
    check(s, "a delivery");
    s.wait(s.store().dead_letter(keys[1][0].clone(), 1, "AR".into()))
        .expect("dead-lettered");
    check(s, "a dead letter");
    s.wait(s.store().replay(keys[1][0].clone()))
        .expect("replayed");
    check(s, "a replay");
    s.wait(s.store().resend(ids[0], "B".into(), true))
        .expect("resent");
    check(s, "a resend");
    let text = oru("K-EDIT");
    let msg = messagefoundry_hl7::Message::parse(text.as_bytes()).expect("parses");
    s.wait(s.store().store_edit(Edit {
        original: ids[2],
        raw: text.clone().into_bytes(),
        info: MessageInfo::of("IB", now + 10, &msg),
        to: Some("A".into()),
        index: Vec::new(),
    }))
    .expect("edit");
    check(s, "an edit");
    for key in keys.iter().flatten().filter(|k| k.outbound == "B") {
        s.wait(s.store().delivered(key.clone(), 1, "AA"))
            .expect("delivered");
    }
    check(s, "B's copies delivered");
    s.restart();
    check(s, "a restart");
}
