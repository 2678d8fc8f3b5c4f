//! End-to-end tests of MessageFoundry live in `tests/`; this library holds their shared
//! helpers: a plain MLLP client that speaks raw bytes, so the tests do not trust the code they
//! test to frame and read.

pub mod backlog;
pub mod crash;
pub mod downstream;
pub mod http;
pub mod http_downstream;
pub mod lab;
pub mod node;
pub mod openapi;
pub mod ports;
pub mod process;
pub mod python;
pub mod sshd;

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long a test waits for an answer before failing.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A raw MLLP client connection.
pub struct Client {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Client {
    /// Connects to a listener.
    pub async fn connect(addr: SocketAddr) -> std::io::Result<Client> {
        Ok(Client {
            stream: TcpStream::connect(addr).await?,
            buffer: Vec::new(),
        })
    }

    /// Writes raw bytes (framing included, or not: tests send garbage too).
    pub async fn write_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes).await
    }

    /// Frames and writes one message.
    pub async fn send(&mut self, message: &[u8]) -> std::io::Result<()> {
        self.write_raw(&framed(message)).await
    }

    /// Writes the first half of a framed message and returns the rest, for a frame in flight.
    pub async fn send_half(&mut self, message: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut framed = framed(message);
        let rest = framed.split_off(framed.len() / 2);
        self.write_raw(&framed).await?;
        Ok(rest)
    }

    /// Reads the next frame's content; `None` if the connection closed first.
    pub async fn receive(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(start) = self.buffer.iter().position(|&b| b == 0x0b)
                && let Some(end) = self.buffer[start..]
                    .windows(2)
                    .position(|w| w == [0x1c, 0x0d])
            {
                let frame = self.buffer[start + 1..start + end].to_vec();
                self.buffer.drain(..start + end + 2);
                return Ok(Some(frame));
            }
            let mut chunk = [0u8; 4096];
            let n = tokio::time::timeout(PATIENCE, self.stream.read(&mut chunk))
                .await
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer"))??;
            if n == 0 {
                return Ok(None);
            }
            self.buffer.extend_from_slice(&chunk[..n]);
        }
    }

    /// Sends a message and reads the answer.
    pub async fn exchange(&mut self, message: &[u8]) -> std::io::Result<Option<Vec<u8>>> {
        self.send(message).await?;
        self.receive().await
    }
}

/// MSA-1 of an acknowledgment, or an empty string.
pub fn ack_code(ack: &[u8]) -> String {
    let text = String::from_utf8_lossy(ack);
    text.split('\r')
        .find(|s| s.starts_with("MSA|"))
        .and_then(|s| s.split('|').nth(1))
        .unwrap_or_default()
        .to_owned()
}

/// The ERR segments of an acknowledgment, as text.
pub fn err_segments(ack: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(ack)
        .split('\r')
        .filter(|s| s.starts_with("ERR|"))
        .map(str::to_owned)
        .collect()
}

/// MSA-2 of an acknowledgment, or an empty string.
pub fn ack_control_id(ack: &[u8]) -> String {
    let text = String::from_utf8_lossy(ack);
    text.split('\r')
        .find(|s| s.starts_with("MSA|"))
        .and_then(|s| s.split('|').nth(2))
        .unwrap_or_default()
        .to_owned()
}

/// A message in an MLLP frame: start block, the message, end block and carriage return.
pub fn framed(message: &[u8]) -> Vec<u8> {
    let mut framed = vec![0x0b];
    framed.extend_from_slice(message);
    framed.extend_from_slice(&[0x1c, 0x0d]);
    framed
}

/// An ORU^R01 with the given control ID and result status (OBR-25).
pub fn oru(control_id: &str, result_status: &str) -> Vec<u8> {
    format!(
        "MSH|^~\\&|LIS|LAB|EHR|HOSP|20261124083000||ORU^R01^ORU_R01|{control_id}|P|2.5.1\r\
         PID|1||MRN1^^^HOSP^MR||Testpatient^Alex\r\
         OBR|1|ORD1|FIL1|2345-7^Glucose^LN|||20261124070000|||||||||||||||20261124082500|||{result_status}\r\
         OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|70-99|N|||F\r"
    )
    .into_bytes()
}

/// An ADT^A01 with the given control ID.
pub fn adt(control_id: &str) -> Vec<u8> {
    format!(
        "MSH|^~\\&|ADT|HOSP|EHR|HOSP|20261124090000||ADT^A01^ADT_A01|{control_id}|P|2.5.1\r\
         EVN|A01|20261124090000\rPID|1||MRN1^^^HOSP^MR||Testpatient^Alex\rPV1|1|I\r"
    )
    .into_bytes()
}

/// Reads a message's disposition and detail off the async workers; `None` before it has one.
pub async fn stored_disposition(
    store: &messagefoundry::store::Store,
    id: messagefoundry::store::MessageId,
) -> Option<messagefoundry::store::StoredDisposition> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || store.disposition(id))
        .await
        .expect("read task")
        .expect("store read")
}

/// Waits until a message has left RECEIVED (the pipeline ran, or intake refused it) and returns
/// its disposition; fails after the test's patience.
pub async fn settled(
    store: &messagefoundry::store::Store,
    id: messagefoundry::store::MessageId,
) -> messagefoundry::interface::Disposition {
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        if let Some(d) = stored_disposition(store, id).await
            && d.disposition != messagefoundry::interface::Disposition::Received
        {
            return d.disposition;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "message {id} never settled"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Reads a stored message (summary and bytes) off the async workers, as the store's blocking
/// reads require.
pub async fn read_stored(
    store: &messagefoundry::store::Store,
    id: messagefoundry::store::MessageId,
) -> Option<(messagefoundry::store::MessageInfo, Vec<u8>)> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || store.read_message(id))
        .await
        .expect("read task")
        .expect("store read")
}
