//! A store whose commit fails: the engine answers AR for the message it could not store, never
//! acknowledges anything it did not commit, stops, and `serve` exits non-zero.
//!
//! The failure is real: the engine runs as its own process under a file size limit
//! (`ulimit -f`, with SIGXFSZ ignored so the write fails with EFBIG instead of killing it), so
//! the store file stops growing after a few hundred messages.

#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use messagefoundry::hl7::Message;
use messagefoundry::store::{MessageId, Store};
use messagefoundry_tests::{Client, PATIENCE, ack_code, ack_control_id, oru};

/// The store file's size limit in `ulimit -f` blocks: 512 bytes for the `sh` of Debian (dash),
/// 1 KiB for bash. Either way well above an empty store and reached after a few hundred
/// messages.
const FILE_SIZE_LIMIT_BLOCKS: u32 = 2048;

/// A port nothing listens on at the moment.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("test setup");
    listener.local_addr().expect("test setup").port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_commit_refuses_the_message_and_stops_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    let environments = dir.path().join("environments");
    std::fs::create_dir(&environments).unwrap();
    // The EHR is never reachable: its messages stay queued.
    std::fs::write(
        environments.join("test.toml"),
        format!(
            "[inbound.IB_Lab_ORU]\nbind = \"127.0.0.1\"\nport = {}\n\n\
             [outbound.OB_EHR_ORU]\nhost = \"127.0.0.1\"\nport = {}\n",
            free_port(),
            free_port()
        ),
    )
    .unwrap();
    let db = dir.path().join("limited.redb");
    let script = format!("ulimit -f {FILE_SIZE_LIMIT_BLOCKS}; trap '' XFSZ; exec \"$0\" \"$@\"");
    let mut engine = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_lab-serve"))
        .arg("serve")
        .arg("--db")
        .arg(&db)
        .arg("--env")
        .arg("test")
        .arg("--environments")
        .arg(&environments)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut banner = String::new();
    BufReader::new(engine.stdout.take().unwrap())
        .read_line(&mut banner)
        .unwrap();
    let addr = banner
        .split_whitespace()
        .find_map(|word| word.parse::<std::net::SocketAddr>().ok())
        .unwrap_or_else(|| panic!("no address in {banner:?}"));

    // Send until the engine stops answering AA.
    let mut client = Client::connect(addr).await.unwrap();
    let mut accepted = Vec::new();
    let refused = loop {
        let id = format!("F{}", accepted.len() + 1);
        let ack = client
            .exchange(&oru(&id, "F"))
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
    let deadline = Instant::now() + PATIENCE;
    let status = loop {
        if let Some(status) = engine.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the engine did not stop");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
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
            ids.push(msg["MSH-10"].to_owned());
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
