//! The admin server in-process, beside an engine of the lab interface: `/ready` before the
//! engine runs, once it runs, and once its store has stopped; the bearer token over TLS; and
//! every answer of the JSON API checked against the OpenAPI description the server serves.

use std::net::SocketAddr;
use std::sync::Arc;

use messagefoundry::admin::{Admin, AdminCert, AdminPlan};
use messagefoundry::config::InboundSettings;
use messagefoundry::interface::MllpListen;
use messagefoundry_tests::downstream::{Downstream, Reply};
use messagefoundry_tests::lab::{ehr_at, start};
use messagefoundry_tests::{Client, ack_code, http, openapi, oru};
use serde_json::Value;
use tokio_rustls::TlsConnector;

const TOKEN: &str = "an-operators-token-0123456789";

fn inbound() -> InboundSettings {
    let mut inbound = InboundSettings::from(&MllpListen {
        bind: "127.0.0.1",
        ..MllpListen::DEFAULT
    });
    inbound.port = 0;
    inbound
}

fn plan(cert: AdminCert, token_file: Option<std::path::PathBuf>) -> AdminPlan {
    AdminPlan {
        address: "127.0.0.1:0".parse().expect("test setup"),
        cert,
        client_ca: None,
        token_file,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_follows_the_engine_and_the_api_answers_as_described() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.redb");
    let admin = Admin::start(plan(AdminCert::Off, None), &db).await.unwrap();
    let at = admin.address();

    // Before the engine runs: alive, not ready, and nothing to read yet.
    assert_eq!(http::get(at, "/health").await.status, 200);
    let starting = http::get(at, "/ready").await;
    assert_eq!(starting.status, 503);
    assert_eq!(starting.json()["phase"], "starting");
    assert_eq!(http::get(at, "/metrics").await.status, 503);
    assert_eq!(http::get(at, "/api/v1/queues").await.status, 503);

    let down = Downstream::start(Arc::new(|_, _| Reply::Ack("AR"))).await;
    let engine = start(&db, inbound(), ehr_at(down.addr.port())).await;
    admin.running(engine.handle());
    let ready = http::get(at, "/ready").await;
    assert_eq!(ready.status, 200, "{}", ready.body);

    let mut client = Client::connect(engine.addresses()[0].1).await.unwrap();
    for id in ["S1", "S2"] {
        let ack = client.exchange(&oru(id, "F")).await.unwrap().unwrap();
        assert_eq!(ack_code(&ack), "AA");
    }
    // Both are rejected downstream: two dead letters to list.
    let deadline = std::time::Instant::now() + messagefoundry_tests::PATIENCE;
    while http::get(at, "/api/v1/dead-letters")
        .await
        .json()
        .as_array()
        .unwrap()
        .len()
        < 2
    {
        assert!(std::time::Instant::now() < deadline, "never dead-lettered");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    let doc: Value = http::get(at, "/api/v1/openapi.json").await.json();
    let described = |path: &str, answer: &http::Answer| {
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        let schema = openapi::answer_schema(&doc, path, "get");
        let problems = openapi::check(&doc, schema, &answer.json());
        assert!(problems.is_empty(), "{path}: {problems:#?}");
    };
    let first = http::get(at, "/api/v1/messages").await;
    described("/api/v1/messages", &first);
    let id = first.json()[0]["id"].as_u64().unwrap();
    for (template, path) in [
        ("/ready", "/ready".to_owned()),
        ("/health", "/health".to_owned()),
        ("/api/v1/messages/{id}", format!("/api/v1/messages/{id}")),
        (
            "/api/v1/search",
            "/api/v1/search?message_type=ORU&limit=5".to_owned(),
        ),
        ("/api/v1/queues", "/api/v1/queues".to_owned()),
        (
            "/api/v1/dead-letters",
            "/api/v1/dead-letters?outbound=OB_EHR_ORU".to_owned(),
        ),
        ("/api/v1/connections", "/api/v1/connections".to_owned()),
    ] {
        described(template, &http::get(at, &path).await);
    }
    let pruned = http::request(at, "POST", "/api/v1/prune?older_than=30d", None).await;
    assert_eq!((pruned.status, pruned.json()), (200, Value::from(0)));
    assert_eq!(
        http::request(at, "POST", "/api/v1/prune?older_than=soon", None)
            .await
            .status,
        400
    );
    let missing = http::request(
        at,
        "POST",
        "/api/v1/dead-letters/OB_EHR_ORU/999/replay",
        None,
    )
    .await;
    assert_eq!(missing.status, 404, "{}", missing.body);

    // The store stops under the engine: not ready, whatever the listeners do.
    let store = engine.store().clone();
    tokio::task::spawn_blocking(move || store.shutdown())
        .await
        .unwrap();
    let stopped = http::get(at, "/ready").await;
    assert_eq!(stopped.status, 503);
    assert_eq!(
        (
            stopped.json()["store_open"].clone(),
            stopped.json()["phase"].clone()
        ),
        (Value::from(false), Value::from("running"))
    );
    admin.stopping();
    assert_eq!(http::get(at, "/ready").await.json()["phase"], "stopping");
    engine.shutdown().await;
    admin.stop().await;
    assert!(
        tokio::net::TcpStream::connect(at).await.is_err(),
        "the admin server still accepts after it stopped"
    );
}

/// One request over TLS, trusting the certificate in `ca` for `localhost`.
async fn https(
    at: SocketAddr,
    ca: &std::path::Path,
    path: &str,
    token: Option<&str>,
) -> http::Answer {
    let mut roots = rustls::RootCertStore::empty();
    let pem = std::fs::read(ca).expect("test setup");
    for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(&pem) {
        roots.add(cert.expect("test setup")).expect("test setup");
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("test setup")
    .with_root_certificates(roots)
    .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(at)
        .await
        .expect("the admin server accepts");
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("test setup");
    let tls = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .expect("the TLS handshake");
    http::exchange(tls, "GET", path, token).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_token_metrics_and_the_api_need_it_and_tls_carries_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.redb");
    let token_file = dir.path().join("admin-token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    let admin = Admin::start(plan(AdminCert::SelfSigned, Some(token_file)), &db)
        .await
        .unwrap();
    assert!(admin.url().starts_with("https://"), "{}", admin.url());
    let engine = start(&db, inbound(), messagefoundry_tests::lab::ehr_down()).await;
    admin.running(engine.handle());
    let at = admin.address();
    // The self-signed certificate kept beside the store, as the listeners use it.
    let ca = dir.path().join("t-tls-cert.pem");

    assert_eq!(https(at, &ca, "/health", None).await.status, 200);
    assert_eq!(https(at, &ca, "/ready", None).await.status, 200);
    for path in ["/metrics", "/api/v1/queues", "/api/v1/messages/1"] {
        let refused = https(at, &ca, path, None).await;
        assert_eq!(refused.status, 401, "{path}");
        assert!(
            refused
                .header("www-authenticate")
                .is_some_and(|h| h.starts_with("Bearer"))
        );
        let wrong = https(at, &ca, path, Some("an-operators-token-0123456788")).await;
        assert_eq!(wrong.status, 401, "{path}");
    }
    let page = https(at, &ca, "/metrics", Some(TOKEN)).await;
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .is_some_and(|t| t.starts_with("text/plain; version=0.0.4"))
    );
    assert!(
        page.body.contains("messagefoundry_store_open 1\n"),
        "{}",
        page.body
    );
    assert_eq!(
        https(at, &ca, "/api/v1/queues", Some(TOKEN)).await.status,
        200
    );
    // Plaintext HTTP is not served on a TLS port.
    let tcp = tokio::net::TcpStream::connect(at).await.unwrap();
    let plain = tokio::time::timeout(
        std::time::Duration::from_secs(15),
        read_all_after_request(tcp),
    )
    .await
    .expect("the server closes a plaintext connection");
    assert!(
        !plain.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&plain)
    );
    engine.shutdown().await;
    admin.stop().await;
}

async fn read_all_after_request(mut tcp: tokio::net::TcpStream) -> Vec<u8> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = tcp
        .write_all(b"GET /health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        .await;
    let mut out = Vec::new();
    let _ = tcp.read_to_end(&mut out).await;
    out
}
