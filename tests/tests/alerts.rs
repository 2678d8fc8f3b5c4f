//! Alerts, run as a process against a known run: `serve` with alert rules in its environment
//! file, a downstream that is down and then comes up, an inbound that falls silent. The
//! notifications arrive at a webhook receiver this test runs (HTTPS, with the test's
//! certificate) and at a real SMTP server (aiosmtpd, installed by `.ci/run`) that requires
//! STARTTLS and a login; `alerts test` reaches both, and says which channel failed.

#![cfg(unix)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use messagefoundry_tests::downstream::{Downstream, Reply};
use messagefoundry_tests::http;
use messagefoundry_tests::ports::Reserved;
use messagefoundry_tests::process::{Options, serve_with};
use messagefoundry_tests::python::{self, Listening};
use messagefoundry_tests::{Client, PATIENCE, ack_code, oru};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BINARY: &str = env!("CARGO_BIN_EXE_lab-serve");
const SMTP_USER: &str = "engine";
const SMTP_PASSWORD: &str = "s3cret-smtp-password";
const WEBHOOK_TOKEN: &str = "w3bhook-token-0123456789";
/// Patient data in the test messages, which no notification may carry.
const PHI: [&str; 3] = ["MRN1", "Testpatient", "Glucose"];
/// Waits for notifications: the rules are looked at every 200 ms, a webhook is retried after
/// a second, and silence must last three seconds.
const ALERT_PATIENCE: Duration = Duration::from_secs(30);

/// A certificate for `localhost` (also its own CA) and its key, as PEM files.
fn certificate(dir: &Path) -> (PathBuf, PathBuf) {
    let key = rcgen::KeyPair::generate().expect("test certificate");
    let params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned()]).expect("test certificate");
    let cert = params.self_signed(&key).expect("test certificate");
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).expect("test setup");
    std::fs::write(&key_path, key.serialize_pem()).expect("test setup");
    (cert_path, key_path)
}

/// One request the webhook receiver read.
#[derive(Clone, Debug)]
struct Posted {
    head: String,
    body: Value,
}

/// A webhook receiver over HTTPS that answers 503 to its first `refuse` requests, then 200.
struct Receiver {
    addr: SocketAddr,
    posted: Arc<Mutex<Vec<Posted>>>,
}

impl Receiver {
    async fn start(cert: &Path, key: &Path, refuse: usize) -> Receiver {
        let config = messagefoundry::tls::server_config(cert, key, None).expect("test TLS");
        let acceptor = tokio_rustls::TlsAcceptor::from(config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let posted: Arc<Mutex<Vec<Posted>>> = Arc::default();
        let log = Arc::clone(&posted);
        tokio::spawn(async move {
            let mut served = 0;
            while let Ok((tcp, _)) = listener.accept().await {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    continue;
                };
                let Some((head, body)) = read_request(&mut tls).await else {
                    continue;
                };
                let status = if served < refuse {
                    "503 Service Unavailable"
                } else {
                    "200 OK"
                };
                served += 1;
                let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
                log.lock().expect("log").push(Posted { head, body });
                let answer =
                    format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            }
        });
        Receiver { addr, posted }
    }

    fn posted(&self) -> Vec<Posted> {
        self.posted.lock().expect("log").clone()
    }

    /// Waits for a notification with this status, alert and subject.
    async fn wait_for(&self, status: &str, alert: &str, subject: &str) -> Posted {
        let deadline = Instant::now() + ALERT_PATIENCE;
        loop {
            let found = self.posted().into_iter().find(|p| {
                p.body["status"] == status
                    && p.body["alert"] == alert
                    && p.body["subject"] == subject
            });
            if let Some(p) = found {
                return p;
            }
            assert!(
                Instant::now() < deadline,
                "no {status} {alert} {subject} webhook; got {:#?}",
                self.posted()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Reads one HTTP request: its head, and its body by Content-Length.
async fn read_request(
    stream: &mut (impl tokio::io::AsyncRead + Unpin),
) -> Option<(String, Vec<u8>)> {
    let mut raw = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).into_owned();
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_owned())
                })
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            while raw.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                raw.extend_from_slice(&chunk[..n]);
            }
            return Some((head, raw[end + 4..end + 4 + length].to_vec()));
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        raw.extend_from_slice(&chunk[..n]);
    }
}

/// A running aiosmtpd and the mails it printed.
struct Smtp {
    child: std::process::Child,
    port: u16,
    mails: Arc<Mutex<Vec<Value>>>,
}

impl Smtp {
    fn start(mode: &str, cert: &Path, key: &Path) -> Smtp {
        let Listening { child, lines, port } = python::listening(
            "smtp_server.py",
            &[
                mode,
                &cert.display().to_string(),
                &key.display().to_string(),
                SMTP_USER,
                SMTP_PASSWORD,
            ],
        );
        let mails: Arc<Mutex<Vec<Value>>> = Arc::default();
        let log = Arc::clone(&mails);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Ok(mail) = serde_json::from_str(&line) {
                    log.lock().expect("mails").push(mail);
                }
            }
        });
        Smtp { child, port, mails }
    }

    fn port(&self) -> u16 {
        self.port
    }

    fn mails(&self) -> Vec<Value> {
        self.mails.lock().expect("mails").clone()
    }

    async fn wait_for(&self, subject: &str) -> Value {
        let deadline = Instant::now() + ALERT_PATIENCE;
        loop {
            if let Some(mail) = self.mails().into_iter().find(|m| m["subject"] == subject) {
                return mail;
            }
            assert!(
                Instant::now() < deadline,
                "no mail {subject:?}; got {:#?}",
                self.mails()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The environment file: the lab interface on loopback, the EHR at `ehr`, and `alerts`.
fn environment(ehr: u16, alerts: &str) -> String {
    format!(
        "[inbound.IB_Lab_ORU]\nbind = \"127.0.0.1\"\nport = 0\n\n\
         [outbound.OB_EHR_ORU]\nhost = \"127.0.0.1\"\nport = {ehr}\nbackoff = \"50ms\"\nmax_backoff = \"200ms\"\n\n\
         {alerts}"
    )
}

/// The channels of the tests: the receiver (token from a file) and the SMTP server (password
/// from an environment variable), both trusting the test certificate.
fn channels(dir: &Path, hook: SocketAddr, smtp: u16, tls: &str) -> String {
    std::fs::write(dir.join("webhook-token"), format!("{WEBHOOK_TOKEN}\n")).expect("test setup");
    format!(
        "[alerts.webhook]\nurl = \"https://localhost:{port}/hooks/messagefoundry?key=abc\"\n\
         token_file = \"{dir}/webhook-token\"\nca = \"{dir}/cert.pem\"\nattempts = 3\n\n\
         [alerts.email]\nserver = \"localhost\"\nport = {smtp}\ntls = \"{tls}\"\n\
         from = \"Lab engine <engine@example.org>\"\nto = [\"oncall@example.org\"]\n\
         username = \"{SMTP_USER}\"\npassword_env = \"MF_TEST_SMTP_PASSWORD\"\nca = \"{dir}/cert.pem\"\n",
        port = hook.port(),
        dir = dir.display(),
    )
}

/// A sample of `/metrics` by its name and labels, read from the text.
async fn metric(admin: SocketAddr, sample: &str) -> Option<f64> {
    let page = http::get(admin, "/metrics").await.body;
    page.lines()
        .find_map(|l| {
            l.strip_prefix(sample)
                .and_then(|rest| rest.strip_prefix(' '))
        })
        .and_then(|v| v.trim().parse().ok())
}

async fn metric_until(admin: SocketAddr, sample: &str, value: f64) {
    let deadline = Instant::now() + PATIENCE;
    while metric(admin, sample).await != Some(value) {
        assert!(
            Instant::now() < deadline,
            "{sample} never {value}: {:?}",
            metric(admin, sample).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_downstream_down_and_an_inbound_silent_fire_and_resolve_by_webhook_and_email() {
    if !python::available("aiosmtpd", "aiosmtpd==1.4.6") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(dir.path());
    // The first notification is refused once: it arrives by the retry.
    let hook = Receiver::start(&cert, &key, 1).await;
    let smtp = Smtp::start("starttls", &cert, &key);
    let ehr = Reserved::new();
    let alerts = format!(
        "[alerts]\ncheck_every = \"200ms\"\n\n\
         [[alerts.outbound_down]]\noutbound = \"OB_EHR_ORU\"\nlonger_than = \"1s\"\n\n\
         [[alerts.inbound_silent]]\ninbound = \"IB_Lab_ORU\"\nlonger_than = \"3s\"\n\n\
         [alerts.dead_letters]\n\n{}",
        channels(dir.path(), hook.addr, smtp.port(), "starttls")
    );
    let log = dir.path().join("serve.log");
    let environment = environment(ehr.port(), &alerts);
    let mut engine = serve_with(
        BINARY,
        dir.path(),
        Options {
            shell: Some(&format!("export MF_TEST_SMTP_PASSWORD={SMTP_PASSWORD}")),
            environment: Some(&environment),
            args: &["--log-format", "json"],
            stderr: Stdio::from(std::fs::File::create(&log).unwrap()),
            ..Options::default()
        },
    );
    let admin = engine.admin;
    let ready = http::get(admin, "/ready").await;
    assert_eq!(ready.status, 200, "{}", ready.body);

    // Traffic, while the EHR is down: three results wait in the queue.
    let mut client = Client::connect(engine.addr).await.unwrap();
    for id in ["A1", "A2", "A3"] {
        let ack = client.exchange(&oru(id, "F")).await.unwrap().unwrap();
        assert_eq!(ack_code(&ack), "AA");
    }
    let (queued, connected) = (
        "messagefoundry_outbound_queued_messages{outbound=\"OB_EHR_ORU\"}",
        "messagefoundry_outbound_connected{outbound=\"OB_EHR_ORU\"}",
    );
    metric_until(admin, queued, 3.0).await;
    assert_eq!(metric(admin, connected).await, Some(0.0));
    assert_eq!(
        metric(
            admin,
            "messagefoundry_inbound_messages_received_total{inbound=\"IB_Lab_ORU\"}"
        )
        .await,
        Some(3.0)
    );

    // The EHR has been down for more than a second: one notification, by both channels.
    let down = hook.wait_for("firing", "outbound_down", "OB_EHR_ORU").await;
    assert!(
        down.head
            .starts_with("POST /hooks/messagefoundry?key=abc HTTP/1.1"),
        "{}",
        down.head
    );
    assert!(
        down.head
            .contains(&format!("authorization: Bearer {WEBHOOK_TOKEN}")),
        "{}",
        down.head
    );
    assert!(
        down.head.contains("content-type: application/json"),
        "{}",
        down.head
    );
    assert_eq!(down.body["engine"], "lab-serve");
    assert_eq!(down.body["repeat"], 0);
    let summary = down.body["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("OB_EHR_ORU: the downstream has been failing for"),
        "{summary}"
    );
    let mail = smtp
        .wait_for("[lab-serve] FIRING outbound_down OB_EHR_ORU")
        .await;
    assert_eq!(mail["to"], serde_json::json!(["oncall@example.org"]));
    assert_eq!(mail["user"], SMTP_USER);
    assert!(
        mail["body"]
            .as_str()
            .unwrap()
            .contains("OB_EHR_ORU: the downstream has been failing")
    );

    // The inbound falls silent for more than three seconds.
    hook.wait_for("firing", "inbound_silent", "IB_Lab_ORU")
        .await;

    // The EHR comes up: the queue drains and the incident is resolved.
    let _ehr = Downstream::serve(ehr.listen(), Arc::new(|_: &str, _| Reply::Ack("AA")));
    metric_until(admin, queued, 0.0).await;
    metric_until(
        admin,
        "messagefoundry_outbound_messages_sent_total{outbound=\"OB_EHR_ORU\"}",
        3.0,
    )
    .await;
    let resolved = hook
        .wait_for("resolved", "outbound_down", "OB_EHR_ORU")
        .await;
    assert_eq!(resolved.body["since"], down.body["since"]);
    smtp.wait_for("[lab-serve] RESOLVED outbound_down OB_EHR_ORU")
        .await;

    // A message ends the silence.
    let ack = client.exchange(&oru("A4", "F")).await.unwrap().unwrap();
    assert_eq!(ack_code(&ack), "AA");
    hook.wait_for("resolved", "inbound_silent", "IB_Lab_ORU")
        .await;

    // One notification per incident: the refused first post was retried, not repeated.
    let posted = hook.posted();
    let count = |status: &str, alert: &str| {
        posted
            .iter()
            .filter(|p| p.body["status"] == status && p.body["alert"] == alert)
            .count()
    };
    assert_eq!(
        count("firing", "outbound_down"),
        2,
        "the refused post and its retry"
    );
    assert_eq!(count("resolved", "outbound_down"), 1);
    assert_eq!(count("firing", "inbound_silent"), 1);
    assert_eq!(
        count("firing", "dead_letters"),
        0,
        "nothing was dead-lettered"
    );

    engine.terminate();
    let deadline = Instant::now() + PATIENCE;
    while http::get(admin, "/ready").await.status != 503 {
        assert!(Instant::now() < deadline, "/ready never said 503");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(engine.exit_status().await.code(), Some(0));

    // No patient data in any notification or log line, and no secret in the log.
    let lines = std::fs::read_to_string(&log).unwrap();
    assert!(lines.contains("alert firing: OB_EHR_ORU"), "{lines}");
    assert!(lines.contains("alert resolved: OB_EHR_ORU"), "{lines}");
    let notices: Vec<String> = posted
        .iter()
        .map(|p| p.body.to_string())
        .chain(smtp.mails().iter().map(Value::to_string))
        .chain(lines.lines().map(str::to_owned))
        .collect();
    for text in &notices {
        for phi in PHI {
            assert!(!text.contains(phi), "patient data in {text}");
        }
        for secret in [SMTP_PASSWORD, WEBHOOK_TOKEN] {
            assert!(!text.contains(secret), "a secret in {text}");
        }
    }
}

/// Runs `lab-serve alerts test` with this environment file.
fn alerts_test(dir: &Path, environment: &str) -> (Option<i32>, String) {
    let environments = dir.join("environments");
    std::fs::create_dir_all(&environments).expect("test setup");
    std::fs::write(environments.join("test.toml"), environment).expect("test setup");
    let output = Command::new(BINARY)
        .args(["alerts", "test", "--env", "test", "--environments"])
        .arg(&environments)
        .env("MF_TEST_SMTP_PASSWORD", SMTP_PASSWORD)
        .stdin(Stdio::null())
        .output()
        .expect("the interface binary runs");
    let said = String::from_utf8_lossy(&output.stdout).into_owned();
    let errors = String::from_utf8_lossy(&output.stderr);
    for secret in [SMTP_PASSWORD, WEBHOOK_TOKEN] {
        assert!(
            !said.contains(secret) && !errors.contains(secret),
            "{said}{errors}"
        );
    }
    (output.status.code(), said)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_test_reaches_every_channel_and_says_which_failed() {
    if !python::available("aiosmtpd", "aiosmtpd==1.4.6") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(dir.path());
    let hook = Receiver::start(&cert, &key, 0).await;
    // Implicit TLS this time.
    let smtp = Smtp::start("tls", &cert, &key);
    let ehr = Reserved::new();
    let env = environment(
        ehr.port(),
        &channels(dir.path(), hook.addr, smtp.port(), "tls"),
    );
    let run = {
        let (dir, env) = (dir.path().to_owned(), env.clone());
        tokio::task::spawn_blocking(move || alerts_test(&dir, &env))
    };
    let (code, said) = run.await.unwrap();
    assert_eq!(code, Some(0), "{said}");
    let port = hook.addr.port();
    assert!(said.contains("ok    log\n"), "{said}");
    assert!(
        said.contains(&format!("ok    webhook https://localhost:{port}\n")),
        "{said}"
    );
    assert!(
        said.contains(&format!("ok    email localhost:{} (TLS)\n", smtp.port())),
        "{said}"
    );
    assert_eq!(hook.posted()[0].body["status"], "test");
    smtp.wait_for("[lab-serve] test notification").await;

    // The SMTP server is gone: the email line says so, the webhook still works, exit 1.
    let down = Reserved::new();
    let env = env.replace(
        &format!("port = {}\ntls", smtp.port()),
        &format!("port = {}\ntls", down.port()),
    );
    let (code, said) = {
        let dir = dir.path().to_owned();
        tokio::task::spawn_blocking(move || alerts_test(&dir, &env))
            .await
            .unwrap()
    };
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains(&format!("ok    webhook https://localhost:{port}\n")),
        "{said}"
    );
    assert!(
        said.contains(&format!("error email localhost:{} (TLS): ", down.port())),
        "{said}"
    );
}

#[test]
fn check_names_a_misspelt_connection_in_a_rule() {
    let dir = tempfile::tempdir().unwrap();
    let environments = dir.path().join("environments");
    std::fs::create_dir_all(&environments).unwrap();
    std::fs::write(
        environments.join("test.toml"),
        "[alerts]\n[[alerts.queue]]\noutbound = \"OB_EHR_OR\"\ndepth_above = 100\n",
    )
    .unwrap();
    let output = Command::new(BINARY)
        .args(["check", "--admin", "off", "--env", "test", "--environments"])
        .arg(&environments)
        .arg("--db")
        .arg(dir.path().join("a.redb"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{said}");
    assert!(
        said.contains(
            "[alerts.queue] outbound: the interface has no outbound named OB_EHR_OR; did you mean OB_EHR_ORU?"
        ),
        "{said}"
    );
}
