//! A scriptable downstream MLLP system for delivery tests: it records every message it
//! receives and answers each as the test says; a batch it answers with an acknowledgment batch.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// How the downstream answers one message.
#[derive(Clone, Debug)]
pub enum Reply {
    /// An ACK with this MSA-1 code and the right MSA-2.
    Ack(&'static str),
    /// The same, after a pause.
    Late(Duration, &'static str),
    /// An ACK with this code, then the connection is closed.
    AckAndClose(&'static str),
    /// An AA naming another message.
    WrongControlId,
    /// A frame that is not HL7.
    Garbage,
    /// No answer at all.
    Silence,
}

/// Decides the reply from the message's control ID and how many times it was seen before.
pub type Script = Arc<dyn Fn(&str, usize) -> Reply + Send + Sync>;

/// A running downstream.
pub struct Downstream {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Every message received, in order of arrival (bytes as received, without framing).
    pub received: Arc<Mutex<Vec<Vec<u8>>>>,
    task: JoinHandle<()>,
}

impl Downstream {
    /// Starts on a free loopback port.
    pub async fn start(script: Script) -> Downstream {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        Downstream::serve(listener, script)
    }

    /// Starts on a listener the test made (a [`crate::ports::Reserved`] port, to come up
    /// where the engine already points).
    pub fn serve(listener: TcpListener, script: Script) -> Downstream {
        let addr = listener.local_addr().expect("address");
        let received: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
        let log = Arc::clone(&received);
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let log = Arc::clone(&log);
                let script = Arc::clone(&script);
                tokio::spawn(async move {
                    let mut buffer = Vec::new();
                    let mut chunk = [0u8; 8192];
                    loop {
                        let Ok(n) = stream.read(&mut chunk).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        buffer.extend_from_slice(&chunk[..n]);
                        while let Some(end) = buffer.windows(2).position(|w| w == [0x1c, 0x0d]) {
                            let frame: Vec<u8> = buffer[1..end].to_vec();
                            buffer.drain(..end + 2);
                            if frame.starts_with(b"BHS|") {
                                let answer = answer_batch(&frame, &log, &script);
                                if stream.write_all(&answer).await.is_err() {
                                    return;
                                }
                                continue;
                            }
                            let control = control_id(&frame);
                            let seen = {
                                let mut log = log.lock().expect("log");
                                let seen = log.iter().filter(|m| control_id(m) == control).count();
                                log.push(frame);
                                seen
                            };
                            let reply = script(&control, seen);
                            let close = matches!(reply, Reply::AckAndClose(_));
                            if let Reply::Garbage = reply {
                                if stream.write_all(b"\x0bnot HL7\x1c\r").await.is_err() {
                                    return;
                                }
                                continue;
                            }
                            let (delay, code, id) = match reply {
                                Reply::Ack(code) | Reply::AckAndClose(code) => {
                                    (None, code, control.clone())
                                }
                                Reply::Late(d, code) => (Some(d), code, control.clone()),
                                Reply::WrongControlId => (None, "AA", format!("{control}-OTHER")),
                                Reply::Silence | Reply::Garbage => continue,
                            };
                            if let Some(d) = delay {
                                tokio::time::sleep(d).await;
                            }
                            let ack = format!(
                                "\x0bMSH|^~\\&|EHR|HOSP|LIS|LAB|20260101||ACK^R01^ACK|A{id}|P|2.5.1\rMSA|{code}|{id}|test answer\r\x1c\r"
                            );
                            if stream.write_all(ack.as_bytes()).await.is_err() || close {
                                return;
                            }
                        }
                    }
                });
            }
        });
        Downstream {
            addr,
            received,
            task,
        }
    }

    /// The control IDs received, in order.
    pub fn control_ids(&self) -> Vec<String> {
        self.received
            .lock()
            .expect("log")
            .iter()
            .map(|m| control_id(m))
            .collect()
    }

    /// Stops listening (open connections end with the test's runtime).
    pub fn stop(self) {
        self.task.abort();
    }
}

/// Records each message of a batch (a frame starting with BHS) as received and answers with an
/// acknowledgment batch: BHS-12 naming the batch's BHS-11, an ACK for each message whose script
/// says `Ack` or `AckAndClose` (with that code; the connection stays open), none for the others,
/// BTS counting them.
fn answer_batch(frame: &[u8], log: &Mutex<Vec<Vec<u8>>>, script: &Script) -> Vec<u8> {
    let text = String::from_utf8_lossy(frame);
    let batch_id = text
        .split('\r')
        .next()
        .and_then(|bhs| bhs.split('|').nth(10))
        .unwrap_or_default()
        .to_owned();
    let mut acks = Vec::new();
    for member in text.split("\rMSH|").skip(1) {
        let member = format!("MSH|{}", member.split("\rBTS|").next().unwrap_or_default());
        let control = control_id(member.as_bytes());
        let seen = {
            let mut log = log.lock().expect("log");
            let seen = log.iter().filter(|m| control_id(m) == control).count();
            log.push(member.into_bytes());
            seen
        };
        if let Reply::Ack(code) | Reply::AckAndClose(code) = script(&control, seen) {
            acks.push(format!(
                "MSH|^~\\&|EHR|HOSP|LIS|LAB|20260101||ACK^R01^ACK|A{control}|P|2.5.1\rMSA|{code}|{control}\r"
            ));
        }
    }
    format!(
        "\x0bBHS|^~\\&|EHR|HOSP|LIS|LAB|20260101||||A{batch_id}|{batch_id}\r{}BTS|{}\r\x1c\r",
        acks.concat(),
        acks.len()
    )
    .into_bytes()
}

/// MSH-10 of a message, or an empty string.
pub fn control_id(message: &[u8]) -> String {
    String::from_utf8_lossy(message)
        .split('\r')
        .next()
        .and_then(|msh| msh.split('|').nth(9))
        .unwrap_or_default()
        .to_owned()
}
