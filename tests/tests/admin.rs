//! The admin server of `serve`, run as a process against a known run: messages of every
//! outcome, a downstream that is down and then rejects one message. `/metrics` is parsed by
//! the Prometheus project's own Python client (`prometheus_client`, installed by `.ci/run`) and
//! checked value by value; the JSON API answers as the `messages` command would; `/ready` says
//! 503 once the engine drains; every log line is JSON without patient data.

#![cfg(unix)]

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use messagefoundry_tests::downstream::{Downstream, Reply};
use messagefoundry_tests::http::{self, Answer};
use messagefoundry_tests::ports::Reserved;
use messagefoundry_tests::process::{Options, serve_with};
use messagefoundry_tests::{Client, PATIENCE, ack_code, adt, oru, python};
use serde_json::Value;

const BINARY: &str = env!("CARGO_BIN_EXE_lab-serve");

/// A sample's name, its labels, and its value.
type Expected<'a> = (&'a str, &'a [(&'a str, &'a str)], f64);

/// The samples of one scrape, as `prometheus_client` parsed them.
struct Scrape(Vec<Value>);

impl Scrape {
    /// The value of the sample with exactly these labels; fails the test if there is none.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.find(name, labels)
            .unwrap_or_else(|| panic!("no sample {name} {labels:?}"))
    }

    fn find(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.0.iter().find_map(|s| {
            let found = s["labels"].as_object()?;
            let same = s["name"] == name
                && found.len() == labels.len()
                && labels
                    .iter()
                    .all(|(k, v)| found.get(*k).and_then(Value::as_str) == Some(*v));
            same.then(|| s["value"].as_f64())?
        })
    }

    /// Fails the test, naming each, unless every (name, labels, value) is as expected.
    fn expect(&self, expected: &[Expected<'_>]) {
        let wrong: Vec<String> = expected
            .iter()
            .filter_map(|(name, labels, value)| {
                let found = self.find(name, labels);
                (found != Some(*value))
                    .then(|| format!("{name} {labels:?}: {found:?}, expected {value}"))
            })
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    /// The metrics on the page, as their samples are named (`_total` for counters), without
    /// the suffixes of a histogram's samples.
    fn metrics(&self) -> BTreeSet<String> {
        self.0
            .iter()
            .map(|s| {
                let family = s["family"].as_str().unwrap_or_default();
                match s["type"].as_str() {
                    Some("counter") => format!("{family}_total"),
                    _ => family.to_owned(),
                }
            })
            .collect()
    }

    /// The type `prometheus_client` read for a family.
    fn kind(&self, family: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|s| s["family"] == family)
            .and_then(|s| s["type"].as_str())
    }
}

/// Scrapes `/metrics` with `tests/python/scrape.py`.
async fn scrape(admin: SocketAddr) -> Scrape {
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python::python())
            .arg(python::script("scrape.py"))
            .arg(format!("http://{admin}/metrics"))
            .output()
            .expect("python runs")
    })
    .await
    .expect("test setup");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let samples: Value = serde_json::from_slice(&output.stdout).expect("JSON from scrape.py");
    Scrape(samples.as_array().expect("a list of samples").clone())
}

/// Scrapes until `done` holds, failing the test after its patience.
async fn scrape_until(admin: SocketAddr, what: &str, done: impl Fn(&Scrape) -> bool) -> Scrape {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let page = scrape(admin).await;
        if done(&page) {
            return page;
        }
        assert!(Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// GETs an API path until `done` holds on its JSON.
async fn api_until(admin: SocketAddr, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let answer = http::get(admin, path).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let value = answer.json();
        if done(&value) {
            return value;
        }
        assert!(Instant::now() < deadline, "never: {path} gave {value}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn now_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("test setup")
        .as_secs_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_the_api_and_readiness_follow_a_known_run() {
    if !python::available("prometheus_client", "prometheus-client==0.26.0") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    // The EHR is down (a port this test holds) until it listens.
    let ehr = Reserved::new();
    let started = now_seconds();
    let mut engine = serve_with(
        BINARY,
        dir.path(),
        Options {
            ehr_port: ehr.port(),
            outbound: "backoff = \"50ms\"\nmax_backoff = \"200ms\"\n",
            args: &["--log-format", "json"],
            stderr: Stdio::from(std::fs::File::create(&log).unwrap()),
            ..Options::default()
        },
    );
    let admin = engine.admin;
    let health = http::get(admin, "/health").await;
    assert_eq!(
        (health.status, health.json()["status"].clone()),
        (200, "ok".into())
    );
    let ready = http::get(admin, "/ready").await;
    assert_eq!(ready.status, 200, "{}", ready.body);
    assert_eq!(ready.json()["inbounds"][0]["listening"], true);

    // One message of each outcome, and a frame that is not HL7.
    let mut client = Client::connect(engine.addr).await.unwrap();
    let messages = [
        oru("A1", "F"),
        oru("A2", "F"),
        oru("R1", "F"),
        oru("X1", "X"),
        oru("E1", "E"),
        adt("D1"),
    ];
    let mut bytes = 0;
    for message in &messages {
        let ack = client.exchange(message).await.unwrap().unwrap();
        assert_eq!(ack_code(&ack), "AA");
        bytes += message.len();
    }
    let garbage = b"not an HL7 message";
    let ack = client.exchange(garbage).await.unwrap().unwrap();
    assert_eq!(ack_code(&ack), "AR");
    bytes += garbage.len();

    // The EHR is down: three results wait, and the sender retries.
    let page = scrape_until(admin, "six messages routed and a retry", |p| {
        let routed: f64 = ["UNROUTED", "FILTERED", "PROCESSED", "ERROR"]
            .iter()
            .filter_map(|d| {
                p.find(
                    "messagefoundry_routed_messages_total",
                    &[
                        ("inbound", "IB_Lab_ORU"),
                        ("router", "oru_router"),
                        ("disposition", d),
                    ],
                )
            })
            .sum();
        let retries = p.find(
            "messagefoundry_outbound_retries_total",
            &[("outbound", "OB_EHR_ORU")],
        );
        routed == 6.0 && retries.is_some_and(|r| r >= 1.0)
    })
    .await;
    let ib: &[(&str, &str)] = &[("inbound", "IB_Lab_ORU")];
    let ob: &[(&str, &str)] = &[("outbound", "OB_EHR_ORU")];
    let labels = |name: &'static str, value: &'static str| -> Vec<(&str, &str)> {
        vec![("inbound", "IB_Lab_ORU"), (name, value)]
    };
    let routed = |d| {
        vec![
            ("inbound", "IB_Lab_ORU"),
            ("router", "oru_router"),
            ("disposition", d),
        ]
    };
    let handled = |d| {
        vec![
            ("inbound", "IB_Lab_ORU"),
            ("handler", "to_ehr"),
            ("disposition", d),
        ]
    };
    assert_eq!(
        page.kind("messagefoundry_inbound_messages_received"),
        Some("counter")
    );
    let (acks, naks) = (
        "messagefoundry_inbound_acks_sent_total",
        "messagefoundry_inbound_naks_total",
    );
    let (routes, handlers) = (
        "messagefoundry_routed_messages_total",
        "messagefoundry_handler_results_total",
    );
    page.expect(&[
        ("messagefoundry_inbound_messages_received_total", ib, 7.0),
        (
            "messagefoundry_inbound_received_bytes_total",
            ib,
            bytes as f64,
        ),
        ("messagefoundry_inbound_connections_open", ib, 1.0),
        ("messagefoundry_inbound_listening", ib, 1.0),
        ("messagefoundry_inbound_duplicates_total", ib, 0.0),
        (acks, &labels("code", "AA"), 6.0),
        (acks, &labels("code", "AR"), 1.0),
        (acks, &labels("code", "AE"), 0.0),
        (acks, &labels("code", "CA"), 0.0),
        (naks, &labels("reason", "unparseable"), 1.0),
        (naks, &labels("reason", "invalid"), 0.0),
        (naks, &labels("reason", "error"), 0.0),
        (routes, &routed("PROCESSED"), 3.0),
        (routes, &routed("FILTERED"), 1.0),
        (routes, &routed("ERROR"), 1.0),
        (routes, &routed("UNROUTED"), 1.0),
        (handlers, &handled("PROCESSED"), 3.0),
        (handlers, &handled("FILTERED"), 1.0),
        (handlers, &handled("ERROR"), 1.0),
        ("messagefoundry_outbound_queued_messages", ob, 3.0),
        ("messagefoundry_outbound_connected", ob, 0.0),
        ("messagefoundry_outbound_messages_sent_total", ob, 0.0),
        (
            "messagefoundry_outbound_last_ack_timestamp_seconds",
            ob,
            0.0,
        ),
    ]);
    let last = page.value("messagefoundry_inbound_last_message_timestamp_seconds", ib);
    assert!(started <= last && last <= now_seconds(), "{last}");
    assert!(page.value("messagefoundry_outbound_oldest_queued_age_seconds", ob) > 0.0);
    assert!(page.value("messagefoundry_outbound_consecutive_failures", ob) >= 1.0);

    // The EHR comes up and rejects R1 the first time: two delivered, one dead letter.
    let down = Downstream::serve(
        ehr.listen(),
        Arc::new(|id: &str, seen| Reply::Ack(if id == "R1" && seen == 0 { "AR" } else { "AA" })),
    );
    api_until(admin, "/api/v1/queues", |q| {
        q[0]["queued"] == 0 && q[0]["dead_letters"] == 1 && q[0]["sender"]["delivered"] == 2
    })
    .await;
    let page = scrape(admin).await;
    let le_inf: &[(&str, &str)] = &[("outbound", "OB_EHR_ORU"), ("le", "+Inf")];
    page.expect(&[
        ("messagefoundry_outbound_messages_sent_total", ob, 2.0),
        ("messagefoundry_outbound_dead_letters_total", ob, 1.0),
        ("messagefoundry_outbound_queued_messages", ob, 0.0),
        ("messagefoundry_outbound_oldest_queued_age_seconds", ob, 0.0),
        ("messagefoundry_outbound_connected", ob, 1.0),
        ("messagefoundry_outbound_consecutive_failures", ob, 0.0),
        (
            "messagefoundry_outbound_ack_round_trip_seconds_count",
            ob,
            3.0,
        ),
        (
            "messagefoundry_outbound_ack_round_trip_seconds_bucket",
            le_inf,
            3.0,
        ),
        ("messagefoundry_store_open", &[], 1.0),
    ]);
    assert_eq!(
        page.kind("messagefoundry_outbound_ack_round_trip_seconds"),
        Some("histogram")
    );
    assert!(page.value("messagefoundry_outbound_last_ack_timestamp_seconds", ob) >= started);
    let commits = page.value("messagefoundry_store_commits_total", &[]);
    assert!(commits >= 1.0);
    assert_eq!(
        page.value("messagefoundry_store_commit_duration_seconds_count", &[]),
        commits
    );
    assert_eq!(
        page.value("messagefoundry_store_commit_group_requests_count", &[]),
        commits
    );
    // Seven received, the routing of six (one request per batch), two delivered, one
    // dead-lettered.
    assert!(page.value("messagefoundry_store_commit_group_requests_sum", &[]) >= 11.0);
    assert!(page.value("messagefoundry_store_file_size_bytes", &[]) > 0.0);
    assert_eq!(
        page.metrics(),
        documented_metrics(),
        "docs/admin.md's table"
    );

    check_api(admin, &down).await;

    // Draining: a frame is in flight when the signal comes; /ready says 503 at once, /health
    // still answers, and the frame is answered before the process ends.
    let tail = client.send_half(&oru("T1", "F")).await.unwrap();
    engine.terminate();
    let deadline = Instant::now() + PATIENCE;
    let draining = loop {
        let ready = http::get(admin, "/ready").await;
        if ready.status == 503 {
            break ready.json();
        }
        assert!(Instant::now() < deadline, "/ready never said 503");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(draining["phase"], "stopping");
    assert_eq!(draining["ready"], false);
    assert_eq!(http::get(admin, "/health").await.status, 200);
    client.write_raw(&tail).await.unwrap();
    let ack = client
        .receive()
        .await
        .unwrap()
        .expect("the frame in flight is answered");
    assert_eq!(ack_code(&ack), "AA");
    assert_eq!(engine.exit_status().await.code(), Some(0));

    // Every log line is a JSON object, and none carries the messages' patient data.
    let lines = std::fs::read_to_string(&log).unwrap();
    assert!(lines.lines().count() >= 3, "{lines}");
    for line in lines.lines() {
        let entry: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(
            entry["level"].is_string() && entry["fields"].is_object(),
            "{line}"
        );
        for phi in ["MRN1", "Testpatient", "Glucose"] {
            assert!(!line.contains(phi), "patient data in the log: {line}");
        }
    }
    assert!(
        lines.contains("message shown through the admin API"),
        "{lines}"
    );
}

/// The metrics docs/admin.md lists: the first column of its table.
fn documented_metrics() -> BTreeSet<String> {
    let page = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/admin.md");
    std::fs::read_to_string(page)
        .expect("docs/admin.md")
        .lines()
        .filter_map(|line| line.strip_prefix("| `messagefoundry_"))
        .filter_map(|rest| rest.split_once('`'))
        .map(|(name, _)| format!("messagefoundry_{name}"))
        .collect()
}

/// The JSON API over the run: the same operations as the `messages` command.
async fn check_api(admin: SocketAddr, down: &Downstream) {
    let dead = http::get(admin, "/api/v1/dead-letters").await.json();
    let dead = dead.as_array().expect("as the API describes");
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert!(
        dead[0]["reason"]
            .as_str()
            .expect("as the API describes")
            .starts_with("AR (rejected)")
    );
    let seq = dead[0]["key"]["seq"]
        .as_u64()
        .expect("as the API describes");

    let found = http::get(admin, "/api/v1/search?control_id=R1")
        .await
        .json();
    assert_eq!(
        found.as_array().expect("as the API describes").len(),
        1,
        "{found}"
    );
    assert_eq!(found[0]["disposition"], "PROCESSED");
    let id = found[0]["id"].as_u64().expect("as the API describes");
    let shown = http::get(admin, &format!("/api/v1/messages/{id}"))
        .await
        .json();
    assert_eq!(shown["info"]["control_id"], "R1");
    let raw: Vec<u8> = shown["raw"]
        .as_array()
        .expect("as the API describes")
        .iter()
        .map(|b| b.as_u64().expect("as the API describes") as u8)
        .collect();
    assert_eq!(raw, oru("R1", "F"));

    let newest = http::get(admin, "/api/v1/messages?limit=2").await.json();
    let ids: Vec<u64> = newest
        .as_array()
        .expect("as the API describes")
        .iter()
        .map(|m| m["id"].as_u64().expect("as the API describes"))
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids[0] > ids[1], "newest first: {ids:?}");
    let filtered = http::get(admin, "/api/v1/search?disposition=filtered")
        .await
        .json();
    assert_eq!(filtered[0]["info"]["control_id"], "X1");

    let connections = http::get(admin, "/api/v1/connections").await.json();
    assert_eq!(connections[0]["name"], "IB_Lab_ORU");
    assert_eq!(connections[0]["listening"], true);
    assert_eq!(connections[1]["sender"]["connected"], true);

    let refused: Answer = http::get(admin, "/api/v1/messages?limit=0").await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.json()["error"]
            .as_str()
            .expect("as the API describes")
            .contains("limit")
    );
    assert_eq!(
        http::get(admin, "/api/v1/messages/999999").await.status,
        404
    );
    assert_eq!(http::get(admin, "/api/v1/nothing").await.status, 404);
    let read_only = http::request(admin, "POST", "/api/v1/queues", None).await;
    assert_eq!(read_only.status, 405);

    // Replayed through the API: the sender sends it at once, and the EHR accepts it now.
    let replayed = http::request(
        admin,
        "POST",
        &format!("/api/v1/dead-letters/OB_EHR_ORU/{seq}/replay"),
        None,
    )
    .await;
    assert_eq!(replayed.status, 200, "{}", replayed.body);
    assert_eq!(replayed.json()["outbound"], "OB_EHR_ORU");
    api_until(admin, "/api/v1/queues", |q| {
        q[0]["dead_letters"] == 0 && q[0]["sender"]["delivered"] == 3
    })
    .await;
    assert_eq!(down.control_ids().iter().filter(|c| *c == "R1").count(), 2);
    let page = scrape(admin).await;
    let ob = [("outbound", "OB_EHR_ORU")];
    assert_eq!(
        page.value("messagefoundry_outbound_messages_sent_total", &ob),
        3.0
    );
    assert_eq!(
        page.value("messagefoundry_outbound_dead_letters_total", &ob),
        1.0
    );

    let description = http::get(admin, "/api/v1/openapi.json").await.json();
    assert_eq!(description["openapi"], "3.1.0");
}

#[test]
fn an_admin_server_off_loopback_without_a_token_or_client_certificates_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let refused = Command::new(BINARY)
        .args(["serve", "--admin", "0.0.0.0:7575", "--db"])
        .arg(dir.path().join("a.redb"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("--admin-token-file"), "{said}");
    assert!(refused.stdout.is_empty(), "it started listening");
    assert!(!dir.path().join("a.redb").exists());
}

#[test]
fn an_admin_address_in_use_stops_serve_before_it_opens_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let refused = Command::new(BINARY)
        .args(["serve", "--admin", &address, "--db"])
        .arg(dir.path().join("a.redb"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("admin server: cannot listen on"), "{said}");
    assert!(!dir.path().join("a.redb").exists());
}
