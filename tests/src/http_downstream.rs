//! A scriptable downstream HTTP system for the HTTP transport's tests, speaking raw HTTP/1.1
//! bytes (keep-alive, `Content-Length` bodies) so the tests do not trust the HTTP stack they
//! test. It records every request and answers each as the test says.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// How the downstream answers a message: an HTTP status, and the MSA-1 of an ACK body (with
/// the right MSA-2), or no body.
pub type Answer = (u16, Option<&'static str>);

/// Decides the answer from the message's control ID and how many times it was seen before.
pub type Script = Arc<dyn Fn(&str, usize) -> Answer + Send + Sync>;

/// One request received.
#[derive(Clone, Debug)]
pub struct Received {
    /// The request line and header lines, as sent.
    pub head: String,
    /// The body.
    pub body: Vec<u8>,
}

/// A running downstream.
pub struct HttpDownstream {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Every request, in order of arrival.
    pub received: Arc<Mutex<Vec<Received>>>,
    task: JoinHandle<()>,
}

impl HttpDownstream {
    /// Starts on a free loopback port.
    pub async fn start(script: Script) -> HttpDownstream {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        HttpDownstream::serve(listener, script)
    }

    /// Starts on a listener the test made.
    pub fn serve(listener: TcpListener, script: Script) -> HttpDownstream {
        let addr = listener.local_addr().expect("address");
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let log = Arc::clone(&received);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(connection(stream, Arc::clone(&log), Arc::clone(&script)));
            }
        });
        HttpDownstream {
            addr,
            received,
            task,
        }
    }

    /// The control IDs (MSH-10) of the bodies received, in order.
    pub fn control_ids(&self) -> Vec<String> {
        self.received
            .lock()
            .expect("lock")
            .iter()
            .map(|r| crate::downstream::control_id(&r.body))
            .collect()
    }

    /// Stops listening.
    pub fn stop(self) {
        self.task.abort();
    }
}

async fn connection(
    mut stream: tokio::net::TcpStream,
    log: Arc<Mutex<Vec<Received>>>,
    script: Script,
) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
            continue;
        };
        let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
        let length = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            })
            .unwrap_or(0);
        while buffer.len() < end + 4 + length {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        let body = buffer[end + 4..end + 4 + length].to_vec();
        buffer.drain(..end + 4 + length);
        let id = crate::downstream::control_id(&body);
        let seen = {
            let mut log = log.lock().expect("lock");
            let seen = log
                .iter()
                .filter(|r| crate::downstream::control_id(&r.body) == id)
                .count();
            log.push(Received { head, body });
            seen
        };
        let (status, code) = script(&id, seen);
        let ack = code
            .map(|code| {
                format!("MSH|^~\\&|EHR|HOSP|LIS|LAB|20261124083001||ACK|A-{id}|P|2.5.1\rMSA|{code}|{id}\r")
            })
            .unwrap_or_default();
        let response = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/hl7-v2\r\ncontent-length: {}\r\n\r\n{ack}",
            ack.len()
        );
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// Posts `body` to `addr` on a new connection (`Connection: close`) with these header lines,
/// and returns the status and body of the answer.
pub async fn post(addr: SocketAddr, path: &str, headers: &[&str], body: &[u8]) -> (u16, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for line in headers {
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.expect("write");
    // A server may answer (413) before the whole body is written.
    let _ = stream.write_all(body).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    read_answer(&answer)
}

/// The status and body of a raw HTTP/1.1 answer (a `Content-Length` body, or up to the close).
pub fn read_answer(answer: &[u8]) -> (u16, Vec<u8>) {
    let end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(answer.len());
    let head = String::from_utf8_lossy(&answer[..end]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer.get(end + 4..).unwrap_or_default().to_vec();
    (status, body)
}
