//! A received message is acknowledged once the journal beside the store holds it; the store
//! file itself is synced later. Killed with SIGKILL before that, the engine stores the message
//! again from the journal as the store next opens.
//!
//! The EHR is down, so nothing is delivered: no commit after the start-up syncs the store
//! file, and every message acknowledged is in the journal alone.

#![cfg(unix)]

use std::collections::BTreeSet;

use messagefoundry::store::{MessageInfo, Store};
use messagefoundry_tests::process::serve;
use messagefoundry_tests::{Client, ack_code, oru};

const MESSAGES: usize = 40;

/// The control IDs of the messages stored in the file at `path` (opened as the engine opens
/// it).
async fn stored(path: std::path::PathBuf) -> BTreeSet<String> {
    tokio::task::spawn_blocking(move || {
        let store = Store::open(&path).expect("the store opens");
        let latest: Vec<(_, MessageInfo)> = store.latest(None, 10 * MESSAGES).expect("read");
        store.shutdown();
        latest
            .into_iter()
            .map(|(_, info)| info.control_id)
            .collect()
    })
    .await
    .expect("task")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_acknowledged_before_a_kill_are_stored_from_the_journal() {
    let binary = env!("CARGO_BIN_EXE_lab-serve");
    let dir = tempfile::tempdir().unwrap();
    let mut engine = serve(binary, dir.path(), None);
    let mut client = Client::connect(engine.addr).await.unwrap();
    let mut acknowledged = BTreeSet::new();
    for n in 0..MESSAGES {
        let id = format!("J-{n:04}");
        let ack = client.exchange(&oru(&id, "F")).await.unwrap().unwrap();
        assert_eq!(ack_code(&ack), "AA");
        acknowledged.insert(id);
    }
    engine.child.kill().unwrap();
    assert_eq!(
        engine.exit_status().await.code(),
        None,
        "killed by a signal"
    );

    // The store file alone lacks them: what makes them durable is the journal.
    let bare = dir.path().join("bare.redb");
    std::fs::copy(&engine.db, &bare).unwrap();
    let without_journal = stored(bare).await;
    assert!(
        acknowledged.difference(&without_journal).count() > 0,
        "the store file was synced after the last message: this run shows nothing"
    );

    let recovered = stored(engine.db.clone()).await;
    let lost: Vec<&String> = acknowledged.difference(&recovered).collect();
    assert!(lost.is_empty(), "acknowledged, then lost: {lost:?}");
    assert_eq!(recovered.len(), MESSAGES, "each stored once");
}
