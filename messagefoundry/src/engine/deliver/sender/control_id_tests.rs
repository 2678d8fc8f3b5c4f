//! The sender matches each ACK against the control ID kept in the queue row, and reads it from
//! the payload only when the row has none.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::OutboundWorker;
use crate::config::OutboundSettings;
use crate::interface::{Disposition, MllpConnect};
use crate::store::test_messages::receive_waiting;
use crate::store::{RouteRecord, SendRecord, Store};

/// A downstream that answers AA to each frame, naming `ROW1` for the message whose MSH-10 is
/// `C1` and the frame's own MSH-10 otherwise.
async fn downstream(listener: TcpListener) {
    let Ok((mut socket, _)) = listener.accept().await else {
        return;
    };
    let mut pending = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = socket.read(&mut buf).await {
        if n == 0 {
            return;
        }
        pending.extend_from_slice(&buf[..n]);
        while let Some(end) = pending.iter().position(|b| *b == 0x1c) {
            let frame: Vec<u8> = pending.drain(..=end + 1).collect();
            let text = String::from_utf8_lossy(&frame);
            let own = text.split('|').nth(9).unwrap_or_default().to_owned();
            let named = if own == "C1" { "ROW1".to_owned() } else { own };
            let ack = format!(
                "\x0bMSH|^~\\&|EHR|H|LAB|H|20240101||ACK|A{named}|P|2.5.1\rMSA|AA|{named}\r\x1c\r"
            );
            if socket.write_all(ack.as_bytes()).await.is_err() {
                return;
            }
        }
    }
}

#[tokio::test]
async fn the_ack_is_matched_against_the_control_id_in_the_queue_row() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("s.redb")).unwrap();
    // C1 is queued as `ROW1` (what a handler's copy would carry); C2 with no control ID.
    for (n, control_id) in [(1, "ROW1"), (2, "")] {
        let id = receive_waiting(&store, n, 0).await;
        let send = SendRecord {
            outbound: "OB".into(),
            handler: "h".into(),
            payload: Vec::new(),
            control_id: control_id.into(),
        };
        let record = RouteRecord {
            message: id,
            disposition: Disposition::Processed,
            detail: String::new(),
            handlers: Vec::new(),
            sends: vec![send],
        };
        store.record_route(record).await.unwrap();
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut settings = OutboundSettings::from(&MllpConnect::DEFAULT);
    settings.host = "127.0.0.1".into();
    settings.port = listener.local_addr().unwrap().port();
    settings.ack_timeout = Duration::from_millis(500);
    let served = tokio::spawn(downstream(listener));
    let shutdown = CancellationToken::new();
    let worker = OutboundWorker::new(
        "OB",
        settings,
        store.clone(),
        Arc::new(Notify::new()),
        shutdown.clone(),
    );
    let status = worker.status();
    let running = tokio::spawn(worker.run());
    let deadline = Instant::now() + Duration::from_secs(30);
    while status.borrow().delivered < 2 {
        assert!(
            Instant::now() < deadline,
            "not both delivered: {:?}",
            status.borrow()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    shutdown.cancel();
    running.await.unwrap();
    served.abort();
    assert!(store.dead_letters(None).unwrap().is_empty());
}
