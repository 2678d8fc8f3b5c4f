//! Every rule of the interface, run through the inbound as the engine runs it, against a real
//! SQLite crosswalk in a temporary folder.

use std::path::{Path, PathBuf};

use super::*;
use crate::crosswalk::SCHEMA;
use messagefoundry::testing::{self, TestRun, ValueGuard};
use rusqlite::Connection;

const A01: &str = include_str!("../samples/adt_a01.hl7");
const A04_UNKNOWN: &str = include_str!("../samples/adt_a04_unknown_patient.hl7");

/// A crosswalk that knows the clinic's patient C-0042, in a folder of the test's own.
struct Crosswalk {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn crosswalk() -> Crosswalk {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crosswalk.sqlite");
    let db = Connection::open(&path).unwrap();
    db.execute(SCHEMA, []).unwrap();
    db.execute(
        "INSERT INTO mrn_crosswalk VALUES ('C-0042', 'E7000042'), ('C-0043', 'E7000043')",
        [],
    )
    .unwrap();
    Crosswalk { _dir: dir, path }
}

/// The handler reads the crosswalk at `path`, for the rest of the test.
fn reading(path: &Path) -> ValueGuard {
    testing::set_value("crosswalk_db", path.to_str().unwrap())
}

fn run(text: &str) -> TestRun {
    testing::run_text(IB_CLINIC_ADT, text).unwrap()
}

/// The handler's disposition and reason.
fn error_reason(run: &TestRun) -> String {
    assert_eq!(run.disposition(), Disposition::Error);
    assert!(run.sent_to(OB_EHR_ADT).is_empty());
    run.handlers()[0].reason.clone().unwrap()
}

#[test]
fn the_ehr_gets_the_enterprise_mrn() {
    let crosswalk = crosswalk();
    let _db = reading(&crosswalk.path);
    let run = run(A01);
    assert_eq!(run.disposition(), Disposition::Processed);
    let sent = run.sent_to(OB_EHR_ADT);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].get(path!("PID-3")).er7(), "E7000042^^^EMPI^MR");
    // Nothing else changed.
    let original = Message::parse(A01).unwrap();
    assert_eq!(
        sent[0].get(path!("PID-5")).er7(),
        original.get(path!("PID-5")).er7()
    );
    assert_eq!(
        sent[0].get(path!("MSH-10")).er7(),
        original.get(path!("MSH-10")).er7()
    );
}

#[test]
fn a_patient_the_crosswalk_does_not_know_is_an_error_naming_no_patient() {
    let crosswalk = crosswalk();
    let _db = reading(&crosswalk.path);
    let reason = error_reason(&run(A04_UNKNOWN));
    assert_eq!(
        reason,
        "the MRN crosswalk has no enterprise MRN for this patient"
    );
}

#[test]
fn a_crosswalk_that_cannot_be_read_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let _db = reading(&dir.path().join("missing.sqlite"));
    let reason = error_reason(&run(A01));
    assert!(
        reason.starts_with("the MRN crosswalk cannot be read: "),
        "{reason}"
    );
    assert!(!reason.contains("C-0042"), "{reason}");
}

/// The crosswalk is being rewritten (a lock held past the handler's timeout): the message is
/// an ERROR naming the handler and its timeout, and the next message goes on once it is free.
#[test]
fn a_crosswalk_locked_past_the_timeout_is_an_error_naming_the_handler() {
    let crosswalk = crosswalk();
    let _db = reading(&crosswalk.path);
    let writer = Connection::open(&crosswalk.path).unwrap();
    writer.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let reason = error_reason(&run(A01));
    assert_eq!(
        reason,
        "handler to_ehr did not finish within its timeout of 2s"
    );
    writer.execute_batch("ROLLBACK").unwrap();
    assert_eq!(run(A01).disposition(), Disposition::Processed);
}

#[test]
fn other_events_are_unrouted() {
    let crosswalk = crosswalk();
    let _db = reading(&crosswalk.path);
    let a03 = A01.replace("ADT^A01^ADT_A01", "ADT^A03^ADT_A03");
    let run = run(&a03);
    assert_eq!(run.disposition(), Disposition::Unrouted);
    assert!(run.handlers().is_empty());
}
