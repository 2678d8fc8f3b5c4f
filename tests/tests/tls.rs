//! TLS over loopback: TLS and plaintext peers on one port, plaintext refused where TLS is
//! required, the self-signed certificate generated and kept, mutual TLS, and a sender that
//! delivers over TLS and never falls back to plaintext.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use messagefoundry::config::{InboundSettings, OutboundSettings};
use messagefoundry::engine::Engine;
use messagefoundry::interface::{MllpListen, Plaintext};
use messagefoundry::store::MessageId;
use messagefoundry_tests::downstream::{Downstream, Reply};
use messagefoundry_tests::lab::{self, ehr_at, ehr_down};
use messagefoundry_tests::{Client, PATIENCE, ack_code, oru, read_stored};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// A test CA with a server certificate (localhost, 127.0.0.1) and a client certificate, as
/// PEM files.
struct Pki {
    ca: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
}

impl Pki {
    /// Gives a listener the test server certificate.
    fn serve_with_server_certificate(&self, s: &mut InboundSettings) {
        s.tls_cert = Some(self.server_cert.clone());
        s.tls_key = Some(self.server_key.clone());
    }
}

fn pki(dir: &Path) -> Pki {
    let ca_key = KeyPair::generate().expect("test PKI");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("test PKI");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "MessageFoundry test CA");
    let ca_cert = ca_params.self_signed(&ca_key).expect("test PKI");
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf = |names: Vec<String>| {
        let key = KeyPair::generate().expect("test PKI");
        let cert = CertificateParams::new(names)
            .expect("test PKI")
            .signed_by(&key, &issuer)
            .expect("test PKI");
        (cert.pem(), key.serialize_pem())
    };
    let (server_cert, server_key) = leaf(vec!["localhost".into(), "127.0.0.1".into()]);
    let (client_cert, client_key) = leaf(vec!["lab.example.org".into()]);
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("test PKI");
        path
    };
    Pki {
        ca: write("ca.pem", ca_cert.pem()),
        server_cert: write("server.pem", server_cert),
        server_key: write("server-key.pem", server_key),
        client_cert: write("client.pem", client_cert),
        client_key: write("client-key.pem", client_key),
    }
}

fn inbound(configure: impl FnOnce(&mut InboundSettings)) -> InboundSettings {
    let mut s = InboundSettings::from(&MllpListen {
        bind: "127.0.0.1",
        ..MllpListen::DEFAULT
    });
    s.port = 0;
    configure(&mut s);
    s
}

/// Connects over TLS trusting `ca`, optionally with a client certificate.
async fn tls_connect(
    addr: SocketAddr,
    ca: &Path,
    client: Option<(&Path, &Path)>,
) -> std::io::Result<impl AsyncRead + AsyncWrite + Unpin> {
    let config = messagefoundry::tls::client_config(
        &messagefoundry::tls::Trust::Ca(ca.to_path_buf()),
        client,
    )
    .expect("client config");
    let name = messagefoundry::tls::server_name("localhost").expect("name");
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
}

/// Sends one framed message and reads one framed answer; `None` if the peer closed first.
async fn exchange(
    stream: &mut (impl AsyncRead + AsyncWrite + Unpin),
    message: &[u8],
) -> std::io::Result<Option<Vec<u8>>> {
    let mut framed = vec![0x0b];
    framed.extend_from_slice(message);
    framed.extend_from_slice(&[0x1c, 0x0d]);
    stream.write_all(&framed).await?;
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = answer.windows(2).position(|w| w == [0x1c, 0x0d]) {
            return Ok(Some(answer[1..end].to_vec()));
        }
        let n = tokio::time::timeout(PATIENCE, stream.read(&mut chunk))
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer"))??;
        if n == 0 {
            return Ok(None);
        }
        answer.extend_from_slice(&chunk[..n]);
    }
}

async fn tls_ack(addr: SocketAddr, ca: &Path, client: Option<(&Path, &Path)>) -> String {
    let mut stream = tls_connect(addr, ca, client).await.expect("TLS connects");
    let ack = exchange(&mut stream, &oru("TLS1", "F"))
        .await
        .expect("exchange")
        .expect("an answer");
    ack_code(&ack)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_and_plaintext_peers_share_the_port() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let settings = inbound(|s| {
        pki.serve_with_server_certificate(s);
    });
    let engine = lab::start(&dir.path().join("a.redb"), settings, ehr_down()).await;
    let addr = engine.addresses()[0].1;
    assert_eq!(tls_ack(addr, &pki.ca, None).await, "AA");
    let mut plain = Client::connect(addr).await.unwrap();
    let ack = plain.exchange(&oru("PLAIN1", "F")).await.unwrap().unwrap();
    assert_eq!(ack_code(&ack), "AA");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plaintext_is_refused_where_tls_is_required() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let settings = inbound(|s| {
        pki.serve_with_server_certificate(s);
        s.plaintext = Plaintext::Refuse;
    });
    let engine = lab::start(&dir.path().join("r.redb"), settings, ehr_down()).await;
    let addr = engine.addresses()[0].1;
    let mut plain = Client::connect(addr).await.unwrap();
    let answer = plain.exchange(&oru("PLAIN2", "F")).await;
    assert!(
        matches!(answer, Ok(None) | Err(_)),
        "a plaintext peer got an answer"
    );
    assert_eq!(tls_ack(addr, &pki.ca, None).await, "AA");
    // Only the TLS message was stored.
    let second = read_stored(engine.store(), MessageId(2)).await;
    assert!(second.is_none());
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_signed_certificate_is_generated_once_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.redb");
    let engine = lab::start(&db, inbound(|_| {}), ehr_down()).await;
    let (cert, key) = messagefoundry::tls::self_signed::paths(&db);
    assert_eq!(cert, dir.path().join("lab-tls-cert.pem"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the private key is readable by others");
    }
    // A partner trusts the certificate file itself.
    assert_eq!(tls_ack(engine.addresses()[0].1, &cert, None).await, "AA");
    let first = std::fs::read(&cert).unwrap();
    engine.shutdown().await;

    let engine = lab::start(&db, inbound(|_| {}), ehr_down()).await;
    assert_eq!(
        std::fs::read(&cert).unwrap(),
        first,
        "the certificate changed"
    );
    assert_eq!(tls_ack(engine.addresses()[0].1, &cert, None).await, "AA");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_requires_a_client_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let settings = inbound(|s| {
        pki.serve_with_server_certificate(s);
        s.tls_client_ca = Some(pki.ca.clone());
        s.plaintext = Plaintext::Refuse;
    });
    let engine = lab::start(&dir.path().join("m.redb"), settings, ehr_down()).await;
    let addr = engine.addresses()[0].1;
    // Without a certificate: the handshake or the first exchange fails, never an answer.
    if let Ok(mut stream) = tls_connect(addr, &pki.ca, None).await {
        let answer = exchange(&mut stream, &oru("NOCERT", "F")).await;
        assert!(
            matches!(answer, Ok(None) | Err(_)),
            "answered without a client certificate"
        );
    }
    let client = Some((pki.client_cert.as_path(), pki.client_key.as_path()));
    assert_eq!(tls_ack(addr, &pki.ca, client).await, "AA");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_delivers_over_tls_and_never_falls_back() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    // The downstream is another engine that requires TLS.
    let downstream_settings = inbound(|s| {
        pki.serve_with_server_certificate(s);
        s.plaintext = Plaintext::Refuse;
    });
    let downstream = lab::start(
        &dir.path().join("down.redb"),
        downstream_settings,
        ehr_down(),
    )
    .await;
    let tls_outbound = |port: u16| {
        let mut o = ehr_at(port);
        o.tls_ca = Some(pki.ca.clone());
        o.tls_server_name = Some("localhost".into());
        o.connect_timeout = Duration::from_millis(300);
        o.retry.initial_backoff = Duration::from_millis(20);
        o.retry.max_backoff = Duration::from_millis(50);
        o
    };
    let sender = lab::start(
        &dir.path().join("up.redb"),
        inbound(|_| {}),
        tls_outbound(downstream.addresses()[0].1.port()),
    )
    .await;
    let mut client = Client::connect(sender.addresses()[0].1).await.unwrap();
    let ack = client
        .exchange(&oru("OVER-TLS", "F"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ack_code(&ack), "AA");
    let store = downstream.store().clone();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let got = read_stored(&store, MessageId(1)).await;
        if let Some((info, _)) = got {
            assert_eq!(info.control_id, "OVER-TLS");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never delivered over TLS"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sender.shutdown().await;
    downstream.shutdown().await;

    // A plaintext-only downstream: the TLS sender fails its handshake and keeps the message.
    let plain = Downstream::start(Arc::new(|_, _| Reply::Ack("AA"))).await;
    let sender = lab::start(
        &dir.path().join("up2.redb"),
        inbound(|_| {}),
        tls_outbound(plain.addr.port()),
    )
    .await;
    let status = sender.senders()[0].1.clone();
    let mut client = Client::connect(sender.addresses()[0].1).await.unwrap();
    let ack = client
        .exchange(&oru("NO-FALLBACK", "F"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ack_code(&ack), "AA");
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while status.borrow().connection_failures < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the sender never tried"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        plain.control_ids().is_empty(),
        "a message went out in plaintext"
    );
    assert_eq!(status.borrow().delivered, 0);
    // The status says what went wrong, and with whom: not a connection timeout.
    let problem = status.borrow().last_error.clone().unwrap_or_default();
    assert!(
        problem.starts_with(&format!(
            "the TLS handshake with {} got no answer",
            plain.addr
        )),
        "{problem}"
    );
    sender.shutdown().await;
}

/// A plaintext peer the test opens on a free loopback port: it accepts, sends `answer` (if
/// any) and keeps every connection open without reading, as a plaintext MLLP listener does with
/// a ClientHello it cannot frame.
async fn plaintext_peer(answer: Option<&'static [u8]>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("test setup");
    let addr = listener.local_addr().expect("test setup");
    tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((mut stream, _)) = listener.accept().await {
            if let Some(answer) = answer {
                let _ = stream.write_all(answer).await;
            }
            open.push(stream);
        }
    });
    addr
}

/// An MLLP frame holding an ACK: what a plaintext MLLP peer may send to anyone.
const MLLP_ACK: &[u8] =
    b"\x0bMSH|^~\\&|EHR|HOSP|LIS|LAB|20260101||ACK|A1|P|2.5.1\rMSA|AA|X\r\x1c\r";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_sender_meeting_a_plaintext_peer_names_the_handshake() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let peer = plaintext_peer(Some(MLLP_ACK)).await;
    let mut outbound = ehr_at(peer.port());
    outbound.tls_ca = Some(pki.ca.clone());
    outbound.tls_server_name = Some("localhost".into());
    outbound.retry.initial_backoff = Duration::from_millis(20);
    outbound.retry.max_backoff = Duration::from_millis(50);
    let (sender, status) = sender_with_one_result(&dir.path().join("g.redb"), outbound).await;
    let expected = format!("the TLS handshake with {peer} failed");
    wait_for("the handshake failure in the status", || {
        status
            .borrow()
            .last_error
            .as_deref()
            .is_some_and(|e| e.starts_with(&expected))
    })
    .await;
    assert_eq!(status.borrow().delivered, 0);
    sender.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_send_command_meeting_a_plaintext_peer_names_the_handshake() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let file = dir.path().join("oru.hl7");
    std::fs::write(&file, oru("CLI-PLAIN", "F")).unwrap();
    for (answer, expected) in [
        (None, "got no answer within 1s"),
        (Some(MLLP_ACK), "failed"),
    ] {
        let peer = plaintext_peer(answer).await;
        let mut send = std::process::Command::new(env!("CARGO_BIN_EXE_lab-serve"));
        send.arg("send")
            .arg(peer.to_string())
            .arg(&file)
            .arg("--tls-ca")
            .arg(&pki.ca)
            .args(["--tls-server-name", "localhost", "--timeout", "1s"]);
        let output = tokio::task::spawn_blocking(move || send.output().expect("send runs"))
            .await
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains(&format!("the TLS handshake with {peer} {expected}")),
            "{stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_send_command_speaks_tls() {
    use messagefoundry::cli::{Wiring, run};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.redb");
    let settings = inbound(|s| s.plaintext = Plaintext::Refuse);
    let engine = lab::start(&db, settings, ehr_down()).await;
    let (cert, _) = messagefoundry::tls::self_signed::paths(&db);
    let file = dir.path().join("oru.hl7");
    std::fs::write(&file, oru("CLI-TLS", "F")).unwrap();
    let target = engine.addresses()[0].1.to_string();
    let arguments: Vec<std::ffi::OsString> = [
        "interface",
        "send",
        &target,
        &file.to_string_lossy(),
        "--tls-ca",
        &cert.to_string_lossy(),
        "--tls-server-name",
        "localhost",
        "--timeout",
        "5s",
    ]
    .iter()
    .map(Into::into)
    .collect();
    // `send` runs its own runtime: on a thread of its own.
    let sent = std::thread::spawn(move || {
        let wiring = Wiring {
            inbounds: &[],
            outbounds: &[],
        };
        run(&wiring, arguments)
    });
    let status = tokio::task::spawn_blocking(move || sent.join().unwrap())
        .await
        .unwrap();
    assert_eq!(status, std::process::ExitCode::SUCCESS);
    let stored = read_stored(engine.store(), MessageId(1)).await;
    assert_eq!(stored.unwrap().0.control_id, "CLI-TLS");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_certificate_is_used_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let old = pki(dir.path());
    let renewed_dir = dir.path().join("renewed");
    std::fs::create_dir(&renewed_dir).unwrap();
    let renewed = pki(&renewed_dir);
    let settings = inbound(|s| {
        old.serve_with_server_certificate(s);
    });
    let engine = lab::start(&dir.path().join("c.redb"), settings, ehr_down()).await;
    let addr = engine.addresses()[0].1;
    assert_eq!(tls_ack(addr, &old.ca, None).await, "AA");
    // A connection opened before the change keeps its session.
    let mut open = tls_connect(addr, &old.ca, None).await.unwrap();

    // The operator puts the renewed certificate (from another CA) in place of the old files.
    std::fs::copy(&renewed.server_key, &old.server_key).unwrap();
    std::fs::copy(&renewed.server_cert, &old.server_cert).unwrap();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Ok(mut stream) = tls_connect(addr, &renewed.ca, None).await
            && let Ok(Some(ack)) = exchange(&mut stream, &oru("RENEWED", "F")).await
        {
            assert_eq!(ack_code(&ack), "AA");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the renewed certificate was never used"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        tls_connect(addr, &old.ca, None).await.is_err(),
        "new connections still get the old certificate"
    );
    let ack = exchange(&mut open, &oru("STILL-OPEN", "F"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ack_code(&ack), "AA");
    engine.shutdown().await;
}

/// An engine whose outbound is `outbound`, having acknowledged one result ("PIN") to send.
async fn sender_with_one_result(
    db: &Path,
    outbound: OutboundSettings,
) -> (
    Engine,
    tokio::sync::watch::Receiver<messagefoundry::engine::SenderStatus>,
) {
    let sender = lab::start(db, inbound(|_| {}), outbound).await;
    let status = sender.senders()[0].1.clone();
    let mut client = Client::connect(sender.addresses()[0].1)
        .await
        .expect("connect");
    let ack = client
        .exchange(&oru("PIN", "F"))
        .await
        .expect("exchange")
        .expect("an answer");
    assert_eq!(ack_code(&ack), "AA");
    (sender, status)
}

/// Waits until `done` holds, or fails after the test's patience.
async fn wait_for(what: &str, done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_pins_a_partner_by_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    // The partner is an engine with its generated self-signed certificate, TLS only.
    let partner_db = dir.path().join("partner.redb");
    let partner = lab::start(
        &partner_db,
        inbound(|s| s.plaintext = Plaintext::Refuse),
        ehr_down(),
    )
    .await;
    let (cert, _) = messagefoundry::tls::self_signed::paths(&partner_db);
    let certs = messagefoundry::tls::read_certificates(&cert).unwrap();
    let print = messagefoundry::tls::fingerprint(&certs[0]);
    let pinned = |fingerprint: String| {
        let mut o = ehr_at(partner.addresses()[0].1.port());
        o.tls_fingerprint = Some(fingerprint);
        o.connect_timeout = Duration::from_millis(300);
        o.retry.initial_backoff = Duration::from_millis(20);
        o.retry.max_backoff = Duration::from_millis(50);
        o
    };

    // Another fingerprint: the handshake fails and nothing reaches the partner.
    let wrong = print.replace(&print[0..2], if &print[0..2] == "00" { "11" } else { "00" });
    let (sender, status) =
        sender_with_one_result(&dir.path().join("wrong.redb"), pinned(wrong)).await;
    wait_for("the sender to try twice", || {
        status.borrow().connection_failures >= 2
    })
    .await;
    assert_eq!(status.borrow().delivered, 0);
    sender.shutdown().await;

    // The right fingerprint, in lower case without colons: delivered.
    let spelled = print.replace(':', "").to_lowercase();
    let (sender, status) =
        sender_with_one_result(&dir.path().join("right.redb"), pinned(spelled)).await;
    wait_for("delivery to the pinned partner", || {
        status.borrow().delivered >= 1
    })
    .await;
    let got = read_stored(partner.store(), MessageId(1)).await;
    assert_eq!(got.unwrap().0.control_id, "PIN");
    sender.shutdown().await;
    partner.shutdown().await;
}
