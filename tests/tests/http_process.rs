//! The HTTP transport end to end, with the interface in a process of its own (`http-serve`):
//! messages posted to its HTTP inbound are answered with their ACK once stored and posted on to
//! an HTTP downstream the test runs; bad requests get their status and harm nothing else; a
//! downstream that answers 500, AE, or is away is retried, then delivered to or dead-lettered;
//! a SIGKILL while clients post loses nothing that was acknowledged.

#![cfg(unix)]

use std::collections::HashSet;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use messagefoundry_tests::http_downstream::{HttpDownstream, Script, post};
use messagefoundry_tests::ports::Reserved;
use messagefoundry_tests::process::{Options, Served, serve_with};
use messagefoundry_tests::{PATIENCE, ack_code, ack_control_id, oru};

const BINARY: &str = env!("CARGO_BIN_EXE_http-serve");
const TOKEN: &str = "http-test-token-0123456789";
const BEARER: &str = "authorization: Bearer http-test-token-0123456789";
const HL7: &str = "content-type: application/hl7-v2";

/// Starts the interface in `dir`, delivering to `downstream_port`, with more inbound settings.
fn start(dir: &std::path::Path, downstream_port: u16, inbound: &str) -> Served {
    let environment = format!(
        "[inbound.IB_Web]\nbind = \"127.0.0.1\"\nport = 0\n{inbound}\n\n\
         [outbound.OB_Web]\nurl = \"http://127.0.0.1:{downstream_port}/hl7\"\n"
    );
    let shell = format!("export MF_TEST_HTTP_TOKEN={TOKEN}");
    serve_with(
        BINARY,
        dir,
        Options {
            shell: Some(&shell),
            environment: Some(&environment),
            stderr: Stdio::null(),
            ..Options::default()
        },
    )
}

/// Waits until `done` holds, failing after the test's patience.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE * 3;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn always(answer: (u16, Option<&'static str>)) -> Script {
    Arc::new(move |_, _| answer)
}

#[tokio::test]
async fn a_posted_message_is_acknowledged_once_stored_and_posted_on() {
    let downstream = HttpDownstream::start(always((200, Some("AA")))).await;
    let dir = tempfile::tempdir().unwrap();
    let mut served = start(dir.path(), downstream.addr.port(), "");
    let (status, ack) = post(served.addr, "/hl7", &[HL7, BEARER], &oru("H1", "F")).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&ack));
    assert_eq!(
        (ack_code(&ack).as_str(), ack_control_id(&ack).as_str()),
        ("AA", "H1")
    );
    until("the downstream receives H1", || {
        downstream.control_ids() == ["H1"]
    })
    .await;
    let request = downstream.received.lock().unwrap()[0].clone();
    assert_eq!(request.body, oru("H1", "F"));
    let head = request.head.to_ascii_lowercase();
    assert!(head.starts_with("post /hl7 http/1.1"), "{head}");
    assert!(head.contains("content-type: application/hl7-v2"), "{head}");
    assert!(head.contains("x-feed: lab"), "{head}");
    // Delivered, as the store records it.
    let (_, queues) = served.messages(BINARY, &["queues"]);
    assert!(queues.contains("OB_Web"), "{queues}");
    served.child.kill().unwrap();
    let _ = served.child.wait();
}

#[tokio::test]
async fn bad_requests_get_their_status_and_harm_nothing_else() {
    let downstream = HttpDownstream::start(always((200, Some("AA")))).await;
    let dir = tempfile::tempdir().unwrap();
    let mut served = start(dir.path(), downstream.addr.port(), "max_body = 4096");
    let addr = served.addr;
    let good = oru("G1", "F");
    assert_eq!(post(addr, "/hl7", &[HL7], &good).await.0, 401, "no token");
    let wrong = "authorization: Bearer not-the-token-0123456789";
    assert_eq!(
        post(addr, "/hl7", &[HL7, wrong], &good).await.0,
        401,
        "wrong token"
    );
    let json = "content-type: application/json";
    assert_eq!(post(addr, "/hl7", &[json, BEARER], &good).await.0, 415);
    assert_eq!(
        post(addr, "/hl7", &[BEARER], &good).await.0,
        415,
        "no content type"
    );
    assert_eq!(post(addr, "/other", &[HL7, BEARER], &good).await.0, 404);
    let big = [oru("BIG", "F"), vec![b'x'; 8192]].concat();
    assert_eq!(post(addr, "/hl7", &[HL7, BEARER], &big).await.0, 413);
    assert_eq!(post(addr, "/hl7", &[HL7, BEARER], b"").await.0, 400);
    // Not HL7: stored with its error and answered AR, as over MLLP.
    let (status, ack) = post(addr, "/hl7", &[HL7, BEARER], b"hello, not HL7").await;
    assert_eq!((status, ack_code(&ack).as_str()), (422, "AR"));
    // The inbound still serves a good message, and only it went on.
    let (status, ack) = post(
        addr,
        "/hl7",
        &["content-type: text/plain; charset=utf-8", BEARER],
        &good,
    )
    .await;
    assert_eq!((status, ack_code(&ack).as_str()), (200, "AA"));
    until("the downstream receives G1", || {
        downstream.control_ids() == ["G1"]
    })
    .await;
    let (_, list) = served.messages(BINARY, &["list"]);
    assert_eq!(
        list.lines().count(),
        2,
        "the broken body and G1 are stored:\n{list}"
    );
    served.child.kill().unwrap();
    let _ = served.child.wait();
}

#[tokio::test]
async fn a_failing_downstream_is_retried_then_delivered_to_or_dead_lettered() {
    // R1 meets two 500s, then AA; R2 is answered AE every time.
    let script: Script = Arc::new(|id, seen| match (id, seen) {
        ("R1", 0 | 1) => (500, None),
        ("R1", _) => (200, Some("AA")),
        _ => (200, Some("AE")),
    });
    let downstream = HttpDownstream::start(script).await;
    let dir = tempfile::tempdir().unwrap();
    let mut served = start(dir.path(), downstream.addr.port(), "");
    for id in ["R1", "R2"] {
        let (status, _) = post(served.addr, "/hl7", &[HL7, BEARER], &oru(id, "F")).await;
        assert_eq!(status, 200);
    }
    // R2 waits behind R1 (order), then gets its 3 attempts.
    until("R1 three times and R2 three times", || {
        downstream.control_ids() == ["R1", "R1", "R1", "R2", "R2", "R2"]
    })
    .await;
    let mut dead = String::new();
    until("R2 dead-lettered", || {
        dead = served.messages(BINARY, &["dead-letters"]).1;
        dead.contains("AE after 3 attempts")
    })
    .await;
    assert_eq!(dead.lines().count(), 1, "{dead}");
    served.child.kill().unwrap();
    let _ = served.child.wait();
}

#[tokio::test]
async fn a_downstream_that_is_away_gets_the_message_when_it_comes_back() {
    let reserved = Reserved::new();
    let dir = tempfile::tempdir().unwrap();
    let mut served = start(dir.path(), reserved.port(), "");
    let (status, _) = post(served.addr, "/hl7", &[HL7, BEARER], &oru("W1", "F")).await;
    assert_eq!(status, 200);
    let mut queues = String::new();
    until("a failed attempt is recorded", || {
        queues = served.messages(BINARY, &["queues"]).1;
        queues.contains("cannot connect")
    })
    .await;
    let downstream = HttpDownstream::serve(reserved.listen(), always((200, Some("AA"))));
    until("W1 delivered once the downstream is up", || {
        downstream.control_ids() == ["W1"]
    })
    .await;
    served.child.kill().unwrap();
    let _ = served.child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_while_clients_post_loses_nothing_acknowledged() {
    let downstream = HttpDownstream::start(always((200, Some("AA")))).await;
    let dir = tempfile::tempdir().unwrap();
    let served = Arc::new(Mutex::new(start(dir.path(), downstream.addr.port(), "")));
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    // Messages posted more than once (the first post got no answer): the store may hold them
    // twice, which at least once allows.
    let reposted: Arc<Mutex<HashSet<String>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for client in 0..4 {
        let (served, acknowledged, stop) = (
            Arc::clone(&served),
            Arc::clone(&acknowledged),
            Arc::clone(&stop),
        );
        let reposted = Arc::clone(&reposted);
        clients.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let addr = served.lock().unwrap().addr;
                let id = format!("K{client}-{n:05}");
                let answer = tokio::time::timeout(PATIENCE, async {
                    let stream = tokio::net::TcpStream::connect(addr).await.ok()?;
                    drop(stream);
                    Some(post(addr, "/hl7", &[HL7, BEARER], &oru(&id, "F")).await)
                })
                .await;
                match answer {
                    Ok(Some((200, ack))) if ack_code(&ack) == "AA" => {
                        acknowledged.lock().unwrap().push(id);
                        n += 1;
                    }
                    // Not answered: the engine died; the same message is posted again.
                    _ => {
                        reposted.lock().unwrap().insert(id);
                        tokio::time::sleep(Duration::from_millis(20)).await
                    }
                }
            }
        }));
    }
    for _ in 0..3 {
        let before = acknowledged.lock().unwrap().len();
        until("clients are acknowledged", || {
            acknowledged.lock().unwrap().len() > before + 20
        })
        .await;
        let mut engine = served.lock().unwrap();
        engine.child.kill().unwrap();
        let _ = engine.child.wait();
        *engine = start(dir.path(), downstream.addr.port(), "");
    }
    let before = acknowledged.lock().unwrap().len();
    until("clients are acknowledged after the last restart", || {
        acknowledged.lock().unwrap().len() > before + 20
    })
    .await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for client in clients {
        client.await.unwrap();
    }
    let acknowledged: HashSet<String> = acknowledged.lock().unwrap().iter().cloned().collect();
    until("every acknowledged message delivered", || {
        let delivered: HashSet<String> = downstream.control_ids().into_iter().collect();
        acknowledged.is_subset(&delivered)
    })
    .await;
    // Stored once each, when posted once: a message answered 200 is never posted again, so a
    // second copy in the store would be the engine's doing.
    let reposted = reposted.lock().unwrap().clone();
    let mut engine = served.lock().unwrap();
    let (_, list) = engine.messages(BINARY, &["list", "--limit", "100000"]);
    let stored: Vec<&str> = list
        .lines()
        .filter_map(|l| l.split_whitespace().nth(4))
        .filter(|id| acknowledged.contains(*id))
        .collect();
    let distinct: HashSet<&str> = stored.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        acknowledged.len(),
        "an acknowledged message is missing"
    );
    let once: Vec<&&str> = stored
        .iter()
        .filter(|id| !reposted.contains(**id))
        .collect();
    let once_distinct: HashSet<&&str> = once.iter().copied().collect();
    assert_eq!(
        once.len(),
        once_distinct.len(),
        "a message posted once stored twice"
    );
    assert!(
        once.len() > 60,
        "too few messages posted once: {}",
        once.len()
    );
    engine.child.kill().unwrap();
    let _ = engine.child.wait();
}

/// An independent client, Python's standard library, posts a message of the corpus.
#[tokio::test]
async fn python_urllib_posts_a_corpus_message() {
    let downstream = HttpDownstream::start(always((200, Some("AA")))).await;
    let dir = tempfile::tempdir().unwrap();
    let mut served = start(dir.path(), downstream.addr.port(), "");
    let corpus = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../corpus/python-hl7/oru_r01_v24_ghh_lab_glucose.hl7"
    );
    let script = format!(
        "import urllib.request, sys\n\
         body = open({corpus:?}, 'rb').read()\n\
         req = urllib.request.Request('http://{}/hl7', data=body, method='POST', headers={{'Content-Type': 'x-application/hl7-v2+er7', 'Authorization': 'Bearer {TOKEN}'}})\n\
         with urllib.request.urlopen(req, timeout=10) as r:\n    sys.stdout.write(str(r.status) + ' ' + r.read().decode('latin-1'))\n",
        served.addr
    );
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .arg("-c")
            .arg(&script)
            .output()
            .expect("python3 runs")
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.starts_with("200 MSH|"), "{text}");
    assert_eq!(ack_code(text.as_bytes()), "AA");
    let sent = std::fs::read(corpus).unwrap();
    until("the corpus message delivered as posted", || {
        downstream
            .received
            .lock()
            .unwrap()
            .first()
            .is_some_and(|r| r.body == sent)
    })
    .await;
    served.child.kill().unwrap();
    let _ = served.child.wait();
}
