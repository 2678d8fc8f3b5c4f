//! Encryption at rest: a store sealed under a key opens only with it (a lost or wrong key is
//! refused at open, naming the key's id), and `rotate-key` moves every body to a new key,
//! going on where it stopped when interrupted.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use messagefoundry::hl7::Message;
use messagefoundry::store::{
    Incoming, KeySettings, KeySource, MessageId, MessageInfo, Store, StoreError, verify_with_keys,
};

const KEY_A: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const KEY_B: &str = "2222222222222222222222222222222222222222222222222222222222222222";

fn key_file(dir: &Path, name: &str, hex: &str) -> KeySource {
    let path = dir.join(name);
    std::fs::write(&path, format!("{hex}\n")).expect("test step");
    KeySource::File(path)
}

fn oru(n: usize) -> Vec<u8> {
    format!(
        "MSH|^~\\&|LAB|H|EHR|H|20240101||ORU^R01|K{n}|P|2.5.1\rPID|1||MRN{n}^^^H||Patlast^Pat\r\
         OBX|1|TX|||{}\r",
        "result text ".repeat(40)
    )
    .into_bytes()
}

/// Stores `n` messages, each with a copy queued transformed.
fn fill(path: &Path, keys: &KeySettings, from: usize, n: usize) {
    let store = Store::open_with(path, keys).expect("test step");
    let runtime = tokio::runtime::Runtime::new().expect("test step");
    runtime.block_on(async {
        for i in from..from + n {
            let raw = oru(i);
            let msg = Message::parse(raw.clone()).expect("test step");
            let incoming = Incoming {
                inbound: Arc::from("IB"),
                info: MessageInfo::of("IB", 1_000 + i as u64, &msg),
                raw: raw.into(),
                refused: None,
                dedupe: None,
                index: Vec::new(),
            };
            store.receive(incoming).await.expect("test step");
        }
    });
    store.shutdown();
}

fn assert_readable(path: &Path, keys: &KeySettings, n: usize) {
    let store = Store::open_with(path, keys).expect("test step");
    for i in 0..n {
        let (_, raw) = store
            .read_message(MessageId(i as u64 + 1))
            .expect("test step")
            .expect("test step");
        assert_eq!(raw, oru(i));
    }
    store.shutdown();
}

fn open_error(path: &Path, keys: &KeySettings) -> String {
    match Store::open_with(path, keys) {
        Ok(_) => panic!("the store opened"),
        Err(e @ StoreError::Keys(_)) => e.to_string(),
        Err(e) => panic!("another error: {e}"),
    }
}

fn key_id(keys: &KeySettings) -> String {
    let dir = tempfile::tempdir().expect("test step");
    let path = dir.path().join("probe.redb");
    let store = Store::open_with(&path, keys).expect("test step");
    store.shutdown();
    let verified = verify_with_keys(&path, keys, &mut |_, _| {}).expect("test step");
    assert!(verified.sealed.is_empty());
    // The id shows in the error of opening the probe without keys.
    let text = open_error(&path, &KeySettings::default());
    let at = text.find("under key ").expect("test step") + "under key ".len();
    text[at..at + 8].to_owned()
}

#[test]
fn a_store_opens_only_with_its_key_and_says_which_key_it_needs() {
    let dir = tempfile::tempdir().expect("test step");
    let path = dir.path().join("s.redb");
    let a = KeySettings {
        current: Some(key_file(dir.path(), "a.key", KEY_A)),
        previous: Vec::new(),
    };
    let b = KeySettings {
        current: Some(key_file(dir.path(), "b.key", KEY_B)),
        previous: Vec::new(),
    };
    fill(&path, &a, 0, 20);
    let id_a = key_id(&a);
    let id_b = key_id(&b);
    let lost = open_error(&path, &KeySettings::default());
    assert!(lost.contains(&id_a), "{lost}");
    let wrong = open_error(&path, &b);
    assert!(wrong.contains(&id_a) && wrong.contains(&id_b), "{wrong}");
    assert_readable(&path, &a, 20);
    // Nothing of the content is in the file in the clear.
    let bytes = std::fs::read(&path).expect("test step");
    assert!(
        !bytes.windows(7).any(|w| w == b"Patlast"),
        "a body in the clear"
    );
    let verified = verify_with_keys(&path, &a, &mut |_, _| {}).expect("test step");
    assert!(verified.problems.is_empty(), "{:?}", verified.problems);
    assert_eq!(verified.sealed, vec![(id_a, 20)]);
}

#[test]
fn rotation_moves_every_body_to_the_new_key_and_goes_on_after_an_interruption() {
    let dir = tempfile::tempdir().expect("test step");
    let path = dir.path().join("s.redb");
    let a_source = key_file(dir.path(), "a.key", KEY_A);
    let a = KeySettings {
        current: Some(a_source.clone()),
        previous: Vec::new(),
    };
    // Some bodies stored before encryption was turned on, then some under A.
    fill(&path, &KeySettings::default(), 0, 600);
    fill(&path, &a, 600, 600);
    let both = KeySettings {
        current: Some(key_file(dir.path(), "b.key", KEY_B)),
        previous: vec![a_source],
    };
    let b = KeySettings {
        current: both.current.clone(),
        previous: Vec::new(),
    };
    let store = Store::open_with(&path, &both).expect("test step");
    // Stopped after its first chunk: the rotation is not done, A is still needed.
    let stop = AtomicBool::new(false);
    let stopped = store.rotate_key(
        &mut |_, _| stop.store(true, std::sync::atomic::Ordering::Relaxed),
        &stop,
    );
    assert!(
        matches!(stopped, Err(StoreError::Interrupted(_))),
        "{stopped:?}"
    );
    store.shutdown();
    assert!(open_error(&path, &b).contains("not among the keys"));
    let store = Store::open_with(&path, &both).expect("test step");
    let rotated = store
        .rotate_key(&mut |_, _| {}, &AtomicBool::new(false))
        .expect("test step");
    assert!(
        rotated.resealed > 0 && rotated.resealed < 1200,
        "{rotated:?}"
    );
    store.shutdown();
    assert_readable(&path, &b, 1200);
    let verified = verify_with_keys(&path, &b, &mut |_, _| {}).expect("test step");
    assert!(verified.problems.is_empty(), "{:?}", verified.problems);
    assert_eq!(verified.sealed, vec![(rotated.key, 1200)]);
}
