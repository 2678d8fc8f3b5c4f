//! The interface as a process of its own: `serve` with the test environment's crosswalk (a
//! SQLite file the test makes), a downstream EHR and a registration system of the test's own,
//! MLLP over loopback.

#![cfg(unix)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use messagefoundry_tests::downstream::{Downstream, Reply};
use messagefoundry_tests::process::{Served, serve_in};
use messagefoundry_tests::{Client, PATIENCE, ack_code};
use rusqlite::Connection;

const BINARY: &str = env!("CARGO_BIN_EXE_mrn-lookup");
const A01: &str = include_str!("../samples/adt_a01.hl7");
const A04_UNKNOWN: &str = include_str!("../samples/adt_a04_unknown_patient.hl7");

/// Stops the serve it holds when the test ends, however it ends.
struct Serving(Served);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.child.kill();
        let _ = self.0.child.wait();
    }
}

/// Makes the crosswalk: the clinic's C-0042 is the enterprise's E7000042.
fn crosswalk(path: &Path) {
    let db = Connection::open(path).expect("a crosswalk of the test's");
    db.execute(mrn_lookup::crosswalk::SCHEMA, [])
        .expect("its table");
    db.execute(
        "INSERT INTO mrn_crosswalk VALUES ('C-0042', 'E7000042')",
        [],
    )
    .expect("its row");
}

/// Starts `serve` in `dir`, its inbound on a loopback port it picks, the EHR at `ehr`.
fn serve(dir: &Path, ehr: u16) -> Serving {
    let environment = format!(
        "[inbound.IB_CLINIC_ADT]\nbind = \"127.0.0.1\"\nport = 0\n\n\
         [outbound.OB_EHR_ADT]\nhost = \"127.0.0.1\"\nport = {ehr}\n\n\
         [values]\ncrosswalk_db = {:?}\n",
        dir.join("crosswalk.sqlite")
            .to_str()
            .expect("a UTF-8 temporary folder")
    );
    Serving(serve_in(BINARY, dir, None, &environment))
}

/// Sends one message and returns the ACK's code.
async fn send(serving: &Serving, message: &str) -> String {
    let mut client = Client::connect(serving.0.addr).await.expect("connect");
    let ack = client
        .exchange(message.as_bytes())
        .await
        .expect("exchange")
        .expect("an ACK");
    ack_code(&ack)
}

/// Waits until the downstream has received `count` messages.
async fn received(ehr: &Downstream, count: usize) -> Vec<String> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let received = ehr.received.lock().expect("the EHR's log").clone();
        if received.len() >= count {
            return received
                .iter()
                .map(|m| String::from_utf8_lossy(m).into_owned())
                .collect();
        }
        assert!(Instant::now() < deadline, "the EHR received {received:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `messages show` of the message with `control_id`, once its outcome is not RECEIVED.
async fn shown(serving: &Serving, control_id: &str) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (code, list) = serving.0.messages(BINARY, &["list"]);
        assert_eq!(code, Some(0), "{list}");
        let line = list.lines().find(|l| l.contains(control_id));
        if let Some(line) = line.filter(|l| !l.ends_with("RECEIVED")) {
            let id = line.split_whitespace().next().expect("an id");
            let (code, out) = serving.0.messages(BINARY, &["show", id]);
            assert_eq!(code, Some(0), "{out}");
            return out;
        }
        assert!(Instant::now() < deadline, "{list}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// PID-3 of an ER7 message.
fn pid_3(er7: &str) -> &str {
    er7.split('\r')
        .find(|s| s.starts_with("PID|"))
        .and_then(|s| s.split('|').nth(3))
        .unwrap_or("")
}

#[tokio::test]
async fn the_ehr_gets_the_enterprise_mrn_and_an_unknown_patient_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    crosswalk(&dir.path().join("crosswalk.sqlite"));
    let ehr = Downstream::start(Arc::new(|_, _| Reply::Ack("AA"))).await;
    let serving = serve(dir.path(), ehr.addr.port());

    assert_eq!(send(&serving, A01).await, "AA");
    let sent = received(&ehr, 1).await;
    assert_eq!(pid_3(&sent[0]), "E7000042^^^EMPI^MR");

    assert_eq!(send(&serving, A04_UNKNOWN).await, "AA");
    let show = shown(&serving, "CLN100002").await;
    assert!(show.contains("outcome   ERROR"), "{show}");
    assert!(
        show.contains(
            "handler   to_ehr ERROR: the MRN crosswalk has no enterprise MRN for this patient"
        ),
        "{show}"
    );
    assert_eq!(ehr.received.lock().unwrap().len(), 1);
}

/// The process dies while the handler awaits the crosswalk (locked by a writer): nothing was
/// recorded for the message, so the next start routes it again, and the EHR gets it.
#[tokio::test]
async fn a_message_whose_handler_awaited_when_the_process_died_is_routed_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crosswalk.sqlite");
    crosswalk(&db);
    let ehr = Downstream::start(Arc::new(|_, _| Reply::Ack("AA"))).await;
    let writer = Connection::open(&db).unwrap();
    writer.execute_batch("BEGIN EXCLUSIVE").unwrap();

    let mut serving = serve(dir.path(), ehr.addr.port());
    // Stored and acknowledged; the handler now waits on the lock (for up to its 2 s, far
    // more than the moment it is given to begin).
    assert_eq!(send(&serving, A01).await, "AA");
    tokio::time::sleep(Duration::from_millis(200)).await;
    serving.0.child.kill().unwrap();
    serving.0.child.wait().unwrap();
    writer.execute_batch("ROLLBACK").unwrap();
    // With serve stopped, `messages` reads the store itself: no outcome was recorded.
    let (code, list) = serving.0.messages(BINARY, &["list"]);
    assert_eq!(code, Some(0), "{list}");
    assert!(list.trim_end().ends_with("CLN100001  RECEIVED"), "{list}");
    assert!(ehr.received.lock().unwrap().is_empty());

    let serving = serve(dir.path(), ehr.addr.port());
    let sent = received(&ehr, 1).await;
    assert_eq!(pid_3(&sent[0]), "E7000042^^^EMPI^MR");
    let show = shown(&serving, "CLN100001").await;
    assert!(show.contains("outcome   PROCESSED"), "{show}");
}
