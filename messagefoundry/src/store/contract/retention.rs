//! Promises of restarts, pruning, and failures: what waits is found again, what is needed is
//! kept, a missing entry is named as such, and no error carries message content.

use super::{DAY, PATIENT, Subject, deduped, incoming, incoming_at, receive, route};
use crate::store::{MessageId, QueueKey, StoreError, now_micros};

/// Messages admitted but not routed before a restart are found after it (and so routed), per
/// inbound, oldest first, with their bytes; a limit takes the oldest.
pub fn pending_routes_survive_a_restart(s: &mut Subject) {
    let a: Vec<MessageId> = (0..4)
        .map(|n| receive(s, incoming(&format!("W{n}"))))
        .collect();
    let b = receive(s, incoming_at("IB2", "W-OTHER", now_micros()));
    route(s, a[1], &[]);
    s.restart();
    let pending = s.store().pending_routes_for("IB", 10).expect("read");
    assert_eq!(
        pending.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        vec![a[0], a[2], a[3]]
    );
    assert_eq!(pending[0].1, super::oru("W0").into_bytes());
    assert_eq!(
        s.store()
            .pending_routes_for("IB", 2)
            .expect("read")
            .into_iter()
            .map(|(id, _)| id)
            .collect::<Vec<_>>(),
        vec![a[0], a[2]]
    );
    let all = s.store().pending_routes().expect("read");
    assert_eq!(
        all,
        vec![
            (a[0], "IB".to_owned()),
            (a[2], "IB".to_owned()),
            (a[3], "IB".to_owned()),
            (b, "IB2".to_owned())
        ]
    );
    // Routed across restarts, out of order and inbound by inbound: what waits is found again
    // each time, and what was routed never is.
    route(s, a[3], &[]);
    route(s, a[0], &[]);
    s.restart();
    let all = s.store().pending_routes().expect("read");
    assert_eq!(all, vec![(a[2], "IB".to_owned()), (b, "IB2".to_owned())]);
    route(s, b, &[]);
    s.restart();
    let all = s.store().pending_routes().expect("read");
    assert_eq!(all, vec![(a[2], "IB".to_owned())]);
    route(s, a[2], &[]);
    let later = receive(s, incoming("W-LATER"));
    s.restart();
    let all = s.store().pending_routes().expect("read");
    assert_eq!(all, vec![(later, "IB".to_owned())]);
}

/// A prune deletes the messages received before the cut-off that nothing needs, with their
/// records, and keeps those waiting to be routed, queued or dead-lettered, and every newer
/// one; it forgets control IDs received before the cut-off.
pub fn prune_keeps_what_is_needed_and_removes_the_rest(s: &mut Subject) {
    let now = now_micros();
    let old = now - DAY;
    let at = |s: &Subject, control: &str, when: u64| receive(s, incoming_at("IB", control, when));
    let pending = at(s, "OLD-PENDING", old);
    let queued = at(s, "OLD-QUEUED", old);
    route(s, queued, &[("A", b"")]);
    let dead = at(s, "OLD-DEAD", old);
    let dead_key = route(s, dead, &[("A", b"")]).remove(0);
    s.wait(s.store().dead_letter(dead_key, 1, "AR".into()))
        .expect("dead-lettered");
    let delivered = at(s, "OLD-DELIVERED", old);
    let delivered_key = route(s, delivered, &[("B", b"")]).remove(0);
    s.wait(s.store().delivered(delivered_key, 1, "AA"))
        .expect("delivered");
    let filtered = s
        .wait(
            s.store()
                .receive(deduped(incoming_at("IB", "DUP", old), DAY)),
        )
        .expect("stored")
        .id;
    route(s, filtered, &[]);
    let new = at(s, "NEW", now);
    route(s, new, &[]);

    let empty_cut = s.wait(s.store().prune(old)).expect("pruned");
    assert_eq!(empty_cut, 0, "the cut-off is exclusive");
    let deleted = s.wait(s.store().prune(now)).expect("pruned");
    assert_eq!(deleted, 2, "the delivered and the filtered old messages");
    let stored = |s: &Subject, id| s.store().read_message(id).expect("read").is_some();
    for kept in [pending, queued, dead, new] {
        assert!(stored(s, kept), "{kept} kept");
    }
    for gone in [delivered, filtered] {
        assert!(!stored(s, gone), "{gone} pruned");
        assert_eq!(s.store().disposition(gone).expect("read"), None);
        assert!(s.store().destinations(gone).expect("read").is_empty());
        assert!(s.store().handler_results(gone).expect("read").is_empty());
    }
    assert_eq!(s.store().queue_len("A").expect("read"), 1);
    assert_eq!(s.store().dead_letters(None).expect("read").len(), 1);
    assert_eq!(
        s.store().pending_routes_for("IB", 10).expect("read").len(),
        1
    );
    // The control ID seen before the cut-off is forgotten: the same one is new again.
    let again = s
        .wait(
            s.store()
                .receive(deduped(incoming_at("IB", "DUP", now), DAY)),
        )
        .expect("stored");
    assert_eq!(again.duplicate_of, None);
    assert_eq!(
        s.wait(s.store().prune(now)).expect("pruned"),
        0,
        "nothing more"
    );
}

/// Operations on an entry that is not there answer [`StoreError::NotFound`], and reads of it
/// answer nothing; neither changes the store.
pub fn missing_entries_are_not_found(s: &mut Subject) {
    let id = receive(s, incoming("N1"));
    let key = route(s, id, &[("A", b"")]).remove(0);
    let nowhere = QueueKey {
        outbound: "A".into(),
        seq: key.seq + 1_000,
    };
    let other_outbound = QueueKey {
        outbound: "B".into(),
        seq: key.seq,
    };
    let missing = MessageId(id.0 + 1_000);
    for wrong in [&nowhere, &other_outbound] {
        let answers = [
            s.wait(s.store().delivered(wrong.clone(), 1, "AA")),
            s.wait(s.store().attempted(wrong.clone(), 1)),
            s.wait(s.store().dead_letter(wrong.clone(), 1, "AR".into())),
            s.wait(s.store().replay(wrong.clone())).map(|_| ()),
        ];
        for answer in answers {
            assert!(matches!(answer, Err(StoreError::NotFound)), "{answer:?}");
        }
    }
    assert!(
        matches!(
            s.wait(s.store().replay(key.clone())),
            Err(StoreError::NotFound)
        ),
        "a queued entry is not a dead letter"
    );
    assert!(matches!(
        s.wait(s.store().resend(missing, "A".into(), false)),
        Err(StoreError::NotFound)
    ));
    let text = super::oru("N-EDIT");
    let msg = messagefoundry_hl7::Message::parse(text.as_bytes()).expect("parses");
    let edit = crate::store::Edit {
        original: missing,
        raw: text.into_bytes(),
        info: crate::store::MessageInfo::of("IB", now_micros(), &msg),
        to: None,
        index: Vec::new(),
    };
    assert!(matches!(
        s.wait(s.store().store_edit(edit)),
        Err(StoreError::NotFound)
    ));
    s.wait(s.store().delivered(key.clone(), 1, "AA"))
        .expect("delivered");
    assert!(
        matches!(
            s.wait(s.store().delivered(key, 1, "AA")),
            Err(StoreError::NotFound)
        ),
        "delivered twice"
    );
    assert_eq!(s.store().read_message(missing).expect("read"), None);
    assert_eq!(s.store().disposition(missing).expect("read"), None);
    assert!(s.store().destinations(missing).expect("read").is_empty());
    assert_eq!(s.store().edits(missing).expect("read"), (None, vec![]));
    assert!(s.store().queue_head("NONE", 10).expect("read").is_empty());
    assert_eq!(s.store().queue_count("NONE").expect("read").depth, 0);
    assert!(
        s.store().latest(None, 10).expect("read").len() == 1,
        "nothing else stored"
    );
}

/// The errors a store gives name what failed, never the message: not its bytes, not its
/// control ID, not its patient.
pub fn errors_carry_no_message_content(s: &mut Subject) {
    let id = receive(s, incoming("SECRET-CONTROL"));
    let key = route(s, id, &[("A", b"")]).remove(0);
    let mut errors = vec![
        s.wait(s.store().replay(key.clone())).map(|_| ()),
        s.wait(s.store().resend(MessageId(id.0 + 9), "A".into(), true))
            .map(|_| ()),
    ];
    s.store().clone().shutdown();
    errors.push(
        s.wait(s.store().receive(incoming("SECRET-CONTROL")))
            .map(|_| ()),
    );
    errors.push(s.wait(s.store().delivered(key, 1, "AA")));
    errors.push(
        s.wait(s.store().receive_all(vec![incoming("SECRET-CONTROL")]))
            .map(|_| ()),
    );
    for error in errors {
        let error = error.expect_err("each of these fails");
        let text = format!("{error} {error:?}");
        for secret in [PATIENT, "SECRET-CONTROL", "MSH|"] {
            assert!(!text.contains(secret), "{text:?} carries {secret:?}");
        }
    }
}
