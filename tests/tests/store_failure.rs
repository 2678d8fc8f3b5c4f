//! A store whose commit fails: the engine answers AR for the message it could not store, never
//! acknowledges anything it did not commit, stops, and `serve` exits non-zero.
//!
//! The failure is real: the engine runs as its own process under a file size limit
//! (`ulimit -f`, with SIGXFSZ ignored so the write fails with EFBIG instead of killing it), so
//! the store file stops growing after a few dozen messages.

#![cfg(unix)]

use messagefoundry::hl7::Message;
use messagefoundry::store::{MessageId, Store};
use messagefoundry_tests::process::serve;
use messagefoundry_tests::{Client, ack_code, ack_control_id, oru};

/// The store file's size limit in `ulimit -f` blocks: 512 bytes for the `sh` of Debian (dash),
/// 1 KiB for bash. Either way well above an empty store and reached after a few dozen
/// messages.
const FILE_SIZE_LIMIT_BLOCKS: u32 = 2048;

/// A result with a long comment, so the store fills up after a few dozen messages.
fn padded(control_id: &str) -> Vec<u8> {
    let mut message = oru(control_id, "F");
    message.extend_from_slice(b"NTE|1||");
    message.extend(std::iter::repeat_n(b'x', 16 * 1024));
    message.push(b'\r');
    message
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_commit_refuses_the_message_and_stops_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    let limits = format!("ulimit -f {FILE_SIZE_LIMIT_BLOCKS}; trap '' XFSZ");
    let mut engine = serve(env!("CARGO_BIN_EXE_lab-serve"), dir.path(), Some(&limits));
    let (addr, db) = (engine.addr, engine.db.clone());

    // Send until the engine stops answering AA.
    let mut client = Client::connect(addr).await.unwrap();
    let mut accepted = Vec::new();
    let refused = loop {
        let id = format!("F{}", accepted.len() + 1);
        let ack = client
            .exchange(&padded(&id))
            .await
            .unwrap()
            .expect("every message is answered");
        assert_eq!(ack_control_id(&ack), id);
        match ack_code(&ack).as_str() {
            "AA" => accepted.push(id),
            "AR" => {
                assert!(String::from_utf8_lossy(&ack).contains("\rERR|"));
                break id;
            }
            other => panic!("unexpected answer {other}"),
        }
        assert!(accepted.len() < 100_000, "the store never filled up");
    };
    assert!(!accepted.is_empty(), "the store failed before any message");
    // The connection is closed, and the engine exits with a failure status.
    assert_eq!(client.receive().await.unwrap(), None);
    let status = engine.exit_status().await;
    assert_eq!(status.code(), Some(1));

    // Every message answered AA is in the store; the refused one is not.
    let stored = tokio::task::spawn_blocking(move || {
        let store = Store::open(&db).expect("the store opens after the failure");
        let mut ids = Vec::new();
        for n in 1.. {
            let Some((_, raw)) = store.read_message(MessageId(n)).unwrap() else {
                break;
            };
            let msg = Message::parse(raw).unwrap();
            ids.push(msg.control_id().to_string());
        }
        store.shutdown();
        ids
    })
    .await
    .unwrap();
    for id in &accepted {
        assert!(stored.contains(id), "{id} was acknowledged but not stored");
    }
    assert!(
        !stored.contains(&refused),
        "{refused} was refused but stored"
    );
}
