//! Promises of the search indexes and of key rotation: a declared index finds exactly the
//! messages holding a value, after a restart too and none once pruned; an index declared
//! later is built over the messages already stored; type and time filter; on an encrypted
//! store a whole value is found and a value's start refused; and after `rotate_key` every body,
//! and the index, read under the new key alone.

use std::sync::Arc;

use messagefoundry_hl7::{Message, Path};

use super::{DAY, Subject, receive, route};
use crate::interface::index::{IndexDef, values};
use crate::store::index::{self, FieldMatch, IndexQuery, SearchRefused};
use crate::store::{Incoming, KeySettings, KeySource, MessageId, MessageInfo, now_micros};

/// The inbound whose PID-3.1 the promises index.
const INBOUND: &str = "IB_CONTRACT_INDEX";

/// PID-3.1 of [`INBOUND`], as `inbound!(…, index = ["PID-3.1"])` declares it.
static DECLARED: [IndexDef; 1] = [IndexDef {
    inbound: INBOUND,
    names: &["PID-3.1"],
    paths: &[Path::parse_const("PID-3.1")],
}];

/// A message of type `kind` for patient `mrn`, received on [`INBOUND`] at `at`, with its
/// declared values when `indexed` (as the engine gives them at intake).
fn patient(kind: &str, control: &str, mrn: &str, at: u64, indexed: bool) -> Incoming {
    let text = format!(
        "MSH|^~\\&|LAB|GENLAB|EHR|GENHOSP|20240101||{kind}|{control}|P|2.5.1\r\
         PID|1||{mrn}^^^GENHOSP^MR||{}\r",
        super::PATIENT
    );
    let msg = Message::parse(text.as_bytes()).expect("test message parses");
    Incoming {
        inbound: Arc::from(INBOUND),
        info: MessageInfo::of(INBOUND, at, &msg),
        index: if indexed {
            values(&DECLARED[0], &msg)
        } else {
            Vec::new()
        },
        raw: text.into_bytes().into(),
        refused: None,
        dedupe: None,
    }
}

/// The ids a search finds, newest first.
fn found(s: &Subject, query: &IndexQuery) -> Vec<MessageId> {
    let mut ids = Vec::new();
    s.store()
        .search_index(query, &mut |id, _| {
            ids.push(id);
            Ok(true)
        })
        .unwrap_or_else(|e| panic!("the search failed: {e}"));
    ids
}

/// A search for one PID-3.1 value (or start, ending in `*`).
fn by_mrn(value: &str) -> IndexQuery {
    IndexQuery {
        fields: vec![FieldMatch::parse(&format!("PID-3.1={value}")).expect("a field filter")],
        ..IndexQuery::default()
    }
}

fn sync(s: &Subject) {
    index::sync(s.store(), &DECLARED, &mut |_, _| {}).expect("indexes synced");
}

/// A folder of key files the promise made, removed when dropped.
struct KeyFolder(std::path::PathBuf);

impl KeyFolder {
    fn new() -> KeyFolder {
        static MADE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "messagefoundry-contract-keys-{}-{n}-{}",
            std::process::id(),
            now_micros()
        ));
        std::fs::create_dir_all(&path).expect("a folder for the key files");
        KeyFolder(path)
    }

    /// Settings of the keys numbered `current` and `previous` (key `n` is 32 bytes `n`).
    fn keys(&self, current: u8, previous: &[u8]) -> KeySettings {
        let write = |n: u8| {
            let path = self.0.join(format!("{n}.key"));
            std::fs::write(&path, format!("{n:02x}").repeat(32)).expect("a key file");
            KeySource::File(path)
        };
        KeySettings {
            current: Some(write(current)),
            previous: previous.iter().map(|n| write(*n)).collect(),
        }
    }
}

impl Drop for KeyFolder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A declared index finds exactly the messages holding the value, newest first, and nothing
/// for a value none holds; so again after a restart; and none of those a prune deleted.
pub fn a_declared_index_finds_exactly_the_messages_with_the_value(s: &mut Subject) {
    sync(s);
    let now = now_micros();
    let old = receive(s, patient("ORU^R01", "I1", "MRN-A", now - DAY, true));
    let other = receive(s, patient("ORU^R01", "I2", "MRN-B", now, true));
    let new = receive(s, patient("ADT^A08", "I3", "MRN-A", now, true));
    assert_eq!(found(s, &by_mrn("MRN-A")), vec![new, old]);
    assert_eq!(found(s, &by_mrn("MRN-B")), vec![other]);
    assert_eq!(found(s, &by_mrn("MRN-C")), Vec::<MessageId>::new());
    s.restart();
    assert_eq!(
        found(s, &by_mrn("MRN-A")),
        vec![new, old],
        "after a restart"
    );
    for id in [old, other, new] {
        route(s, id, &[]);
    }
    let deleted = s.wait(s.store().prune(now - DAY + 1)).expect("pruned");
    assert_eq!(deleted, 1);
    assert_eq!(
        found(s, &by_mrn("MRN-A")),
        vec![new],
        "the pruned one is gone"
    );
}

/// An index declared after messages were stored finds them once synced (and again after a
/// rebuild); before, a search on it is refused rather than answered from part of the store.
pub fn an_index_declared_later_is_built_over_earlier_messages(s: &mut Subject) {
    let now = now_micros();
    let first = receive(s, patient("ORU^R01", "L1", "MRN-L", now, false));
    let second = receive(s, patient("ORU^R01", "L2", "MRN-L", now, false));
    let refused = s
        .store()
        .search_index(&by_mrn("MRN-L"), &mut |_, _| Ok(true));
    assert!(
        matches!(refused, Err(SearchRefused::Refused(_))),
        "{refused:?}"
    );
    let built = index::sync(s.store(), &DECLARED, &mut |_, _| {}).expect("synced");
    assert_eq!(
        built.built,
        vec![(INBOUND.to_owned(), "PID-3.1".to_owned())]
    );
    assert_eq!(found(s, &by_mrn("MRN-L")), vec![second, first]);
    index::rebuild(s.store(), &DECLARED, &mut |_, _| {}).expect("rebuilt");
    assert_eq!(found(s, &by_mrn("MRN-L")), vec![second, first], "rebuilt");
}

/// A search by type (a start of MSH-9), by control ID and by a time range finds exactly the
/// messages that match, newest first; the range is from `since` included to `until` excluded.
pub fn search_by_type_control_id_and_time_range(s: &mut Subject) {
    let base = now_micros() - DAY;
    let at = |n: u64| base + n * 1_000_000;
    let ids: Vec<MessageId> = [
        ("ORU^R01", 1),
        ("ADT^A01", 2),
        ("ORU^R01", 3),
        ("ADT^A08", 4),
    ]
    .iter()
    .map(|(kind, n)| receive(s, patient(kind, &format!("T{n}"), "MRN-T", at(*n), false)))
    .collect();
    let query = |kind: Option<&str>, since, until| IndexQuery {
        message_type: kind.map(str::to_owned),
        since,
        until,
        ..IndexQuery::default()
    };
    let adt = query(Some("ADT"), Some(base), None);
    assert_eq!(found(s, &adt), vec![ids[3], ids[1]]);
    let window = query(None, Some(at(2)), Some(at(4)));
    assert_eq!(found(s, &window), vec![ids[2], ids[1]]);
    let oru_in_window = query(Some("ORU^R01"), Some(at(2)), Some(at(5)));
    assert_eq!(found(s, &oru_in_window), vec![ids[2]]);
    let control = IndexQuery {
        control_id: Some("T2".into()),
        ..IndexQuery::default()
    };
    assert_eq!(found(s, &control), vec![ids[1]]);
}

/// On an encrypted store a declared field is found by its whole value, after a restart too;
/// a search by a value's start is refused (its rows keep no start), naming neither value.
pub fn an_encrypted_index_finds_a_whole_value_and_refuses_a_start(s: &mut Subject) {
    let dir = KeyFolder::new();
    s.restart_with(&dir.keys(1, &[]));
    sync(s);
    let now = now_micros();
    let a = receive(s, patient("ORU^R01", "E1", "MRN-SECRET", now, true));
    receive(s, patient("ORU^R01", "E2", "MRN-OTHER", now, true));
    assert_eq!(found(s, &by_mrn("MRN-SECRET")), vec![a]);
    s.restart_with(&dir.keys(1, &[]));
    assert_eq!(found(s, &by_mrn("MRN-SECRET")), vec![a], "after a restart");
    match s
        .store()
        .search_index(&by_mrn("MRN-SEC*"), &mut |_, _| Ok(true))
    {
        Err(SearchRefused::Refused(why)) => {
            assert!(why.contains("encrypted"), "{why}");
            assert!(!why.contains("MRN-SEC"), "a value in the refusal: {why}");
        }
        other => panic!("a start on an encrypted store was not refused: {other:?}"),
    }
}

/// After `rotate_key` every body (messages and queued payloads) reads under the new key alone,
/// after a restart given only that key, and the declared index finds its messages under it.
pub fn rotate_key_leaves_every_body_and_the_index_under_the_new_key(s: &mut Subject) {
    let dir = KeyFolder::new();
    s.restart_with(&dir.keys(1, &[]));
    sync(s);
    let now = now_micros();
    let mut stored = Vec::new();
    for n in 0..5 {
        let incoming = patient("ORU^R01", &format!("R{n}"), &format!("MRN-R{n}"), now, true);
        let raw = incoming.raw.to_vec();
        let id = receive(s, incoming);
        stored.push((id, raw));
    }
    route(s, stored[0].0, &[("OB", b"a payload of its own")]);
    s.restart_with(&dir.keys(2, &[1]));
    let after = receive(s, patient("ORU^R01", "R5", "MRN-R0", now, true));
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let rotated = s
        .store()
        .rotate_key(&mut |_, _| {}, &cancel)
        .expect("rotated");
    assert!(rotated.resealed >= 6, "{rotated:?}");
    s.restart_with(&dir.keys(2, &[]));
    for (id, raw) in &stored {
        let (_, body) = s.store().read_message(*id).expect("read").expect("stored");
        assert_eq!(&body, raw, "message {id} under the new key alone");
    }
    let head = s.store().queue_head("OB", 10).expect("queue read");
    assert_eq!(head[0].payload, b"a payload of its own");
    assert_eq!(found(s, &by_mrn("MRN-R0")), vec![after, stored[0].0]);
    assert_eq!(found(s, &by_mrn("MRN-R3")), vec![stored[3].0]);
}
