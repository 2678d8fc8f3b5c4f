//! The HTTP inbound's intake rate beside MLLP's, in the same run: each interface in a process
//! of its own (`lab-serve` for MLLP, `http-serve` for HTTP, debug builds both), its downstream
//! down so that every message queues, and the same ORU^R01 sent by CONNECTIONS concurrent
//! clients on kept-alive connections, each waiting for its ACK (given after the commit) before
//! sending the next. Prints messages per second for each; BENCHMARKS.md quotes it.
//!
//! `cargo test -p messagefoundry-tests --test http_intake_rate -- --ignored --nocapture`
//! (`INTAKE_CONNECTIONS`, `INTAKE_MESSAGES` per connection change the load).

#![cfg(unix)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use messagefoundry_tests::http_downstream::read_answer;
use messagefoundry_tests::ports::Reserved;
use messagefoundry_tests::process::{Options, serve_with};
use messagefoundry_tests::{Client, ack_code, oru};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TOKEN: &str = "http-test-token-0123456789";

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One MLLP client: `count` messages, each after the ACK of the one before.
async fn mllp_client(addr: SocketAddr, client: usize, count: usize) {
    let mut conn = Client::connect(addr).await.expect("connect");
    for n in 0..count {
        let ack = conn
            .exchange(&oru(&format!("M{client}-{n}"), "F"))
            .await
            .expect("exchange")
            .expect("an ACK");
        assert_eq!(ack_code(&ack), "AA");
    }
}

/// One HTTP client on one kept-alive connection: `count` posts, each after the answer to the
/// one before.
async fn http_client(addr: SocketAddr, client: usize, count: usize) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let _ = stream.set_nodelay(true);
    let mut buffer = Vec::new();
    for n in 0..count {
        let body = oru(&format!("H{client}-{n}"), "F");
        let head = format!(
            "POST /hl7 HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/hl7-v2\r\n\
             authorization: Bearer {TOKEN}\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        stream
            .write_all(&[head.as_bytes(), &body].concat())
            .await
            .expect("write");
        let answer = loop {
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                if buffer.len() >= end + 4 + length {
                    break buffer.drain(..end + 4 + length).collect::<Vec<u8>>();
                }
            }
            let mut chunk = [0u8; 8192];
            let n = stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "the engine closed the connection");
            buffer.extend_from_slice(&chunk[..n]);
        };
        let (status, ack) = read_answer(&answer);
        assert_eq!((status, ack_code(&ack).as_str()), (200, "AA"));
    }
}

/// Runs `connections` clients of `count` messages at once; messages per second.
async fn rate<F, Fut>(connections: usize, count: usize, client: F) -> f64
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections).map(|c| tokio::spawn(client(c))).collect();
    for task in tasks {
        task.await.expect("client");
    }
    (connections * count) as f64 / started.elapsed().as_secs_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run with --ignored --nocapture"]
async fn http_intake_beside_mllp() {
    let connections = setting("INTAKE_CONNECTIONS", 16);
    let count = setting("INTAKE_MESSAGES", 500);
    let down = Reserved::new();
    let dir = tempfile::tempdir().unwrap();
    let (mllp_dir, http_dir) = (dir.path().join("mllp"), dir.path().join("http"));
    std::fs::create_dir_all(&mllp_dir).unwrap();
    std::fs::create_dir_all(&http_dir).unwrap();
    let mut mllp = serve_with(
        env!("CARGO_BIN_EXE_lab-serve"),
        &mllp_dir,
        Options {
            ehr_port: down.port(),
            ..Options::default()
        },
    );
    let environment = format!(
        "[inbound.IB_Web]\nbind = \"127.0.0.1\"\nport = 0\n\n\
         [outbound.OB_Web]\nurl = \"http://127.0.0.1:{}/hl7\"\n",
        down.port()
    );
    let shell = format!("export MF_TEST_HTTP_TOKEN={TOKEN}");
    let mut http = serve_with(
        env!("CARGO_BIN_EXE_http-serve"),
        &http_dir,
        Options {
            shell: Some(&shell),
            environment: Some(&environment),
            ..Options::default()
        },
    );
    let (mllp_addr, http_addr) = (mllp.addr, http.addr);
    // Interleaved, twice each, so that neither has the machine to itself.
    let mut figures = Vec::new();
    for round in 1..=2 {
        let m = rate(connections, count, move |c| {
            mllp_client(mllp_addr, c + round * 1000, count)
        })
        .await;
        let h = rate(connections, count, move |c| {
            http_client(http_addr, c + round * 1000, count)
        })
        .await;
        println!(
            "round {round}: MLLP {m:.0} msg/s, HTTP {h:.0} msg/s ({connections} connections, {count} messages each)"
        );
        figures.push((m, h));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (m, h) = figures
        .iter()
        .fold((0.0, 0.0), |(m, h), (a, b)| (m + a / 2.0, h + b / 2.0));
    println!(
        "mean: MLLP {m:.0} msg/s, HTTP {h:.0} msg/s, HTTP/MLLP {:.2}",
        h / m
    );
    mllp.child.kill().unwrap();
    http.child.kill().unwrap();
    let _ = (mllp.child.wait(), http.child.wait());
}
