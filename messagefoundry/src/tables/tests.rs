//! Lookups and their miss policies, and tables following their files.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use messagefoundry_hl7::Message;

use super::load::Loaded;
use super::*;
use crate::interface::{Disposition, Handle, HandlerDef, IntoOutcome, Outcome, Route, RouterDef};

static POINT_OF_CARE: TableDef = TableDef {
    name: "point_of_care",
    file: "point_of_care.csv",
    columns: &["code", "downstream", "note"],
    builtin: "code,downstream,note\n4W,MED4W,\nICU,CRITCARE,x\n",
};

const DOWNSTREAM: Column = Column::__new(&POINT_OF_CARE, "downstream");
const NOTE: Column = Column::__new(&POINT_OF_CARE, "note");

#[test]
fn a_lookup_finds_the_row_or_applies_its_miss_policy() {
    assert_eq!(
        DOWNSTREAM.lookup("ICU").found().as_deref(),
        Some("CRITCARE")
    );
    assert_eq!(DOWNSTREAM.lookup("ICU").or_pass_through(), "CRITCARE");
    assert_eq!(DOWNSTREAM.lookup("5E").or_pass_through(), "5E");
    assert_eq!(DOWNSTREAM.lookup("5E").or_default("UNKNOWN"), "UNKNOWN");
    assert_eq!(DOWNSTREAM.lookup("4W").or_error(), Ok("MED4W".to_owned()));
    // An empty field is a miss.
    assert_eq!(NOTE.lookup("4W").or_default("none"), "none");
    let miss = DOWNSTREAM.lookup("SECRET-KEY").or_error().unwrap_err();
    assert_eq!(
        miss.to_string(),
        "table point_of_care has no downstream for this key"
    );
}

/// A handler whose lookup says a miss is an error.
fn strict_handler(msg: Message) -> Outcome {
    let mapped = (|| -> Result<Outcome, LookupMiss> {
        let code = DOWNSTREAM
            .lookup(&msg[crate::hl7::Path::parse("PV1-3.1").unwrap()])
            .or_error()?;
        let _ = code;
        Ok(Outcome::send_all([]))
    })();
    mapped.into_outcome()
}

static STRICT: HandlerDef = HandlerDef {
    name: "strict",
    handle: Handle::Sync(strict_handler),
    message: None,
};

static ROUTER: RouterDef = RouterDef {
    name: "r",
    route: |_| Route::to(vec![&STRICT]),
};

#[test]
fn a_miss_that_is_an_error_makes_the_message_error_with_a_reason_without_the_key() {
    let msg = Message::parse("MSH|^~\\&|||||||ADT^A01|1|P|2.5.1\rPV1|1|I|SECRET5E^1\r").unwrap();
    let processed = crate::engine::route::standalone::process_here(&ROUTER, &msg);
    assert_eq!(processed.disposition, Disposition::Error);
    let reason = processed.handlers[0].reason.clone().unwrap();
    assert_eq!(reason, "table point_of_care has no downstream for this key");
    let msg = Message::parse("MSH|^~\\&|||||||ADT^A01|1|P|2.5.1\rPV1|1|I|ICU^1\r").unwrap();
    let processed = crate::engine::route::standalone::process_here(&ROUTER, &msg);
    assert_eq!(processed.disposition, Disposition::Processed);
}

/// Writes a table file with a modification time of its own, so that a rewrite within the
/// file system's timestamp granularity is still seen as a change.
fn write(path: &Path, text: &str, generation: u64) {
    std::fs::write(path, text).unwrap();
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000 + generation))
        .unwrap();
}

#[test]
fn a_file_is_read_again_when_it_changes_and_a_bad_one_keeps_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("poc.csv");
    write(&path, "code,downstream,note\nICU,ICU_A,\n", 1);
    let loaded = Loaded::read(&[(&POINT_OF_CARE, path.clone())]).unwrap();
    let now = || {
        loaded
            .current("point_of_care")
            .unwrap()
            .get("ICU", "downstream")
            .map(str::to_owned)
    };
    assert_eq!(now().as_deref(), Some("ICU_A"));

    write(&path, "code,note,downstream\nICU,,ICU_B\n", 2);
    loaded.refresh();
    assert_eq!(now().as_deref(), Some("ICU_B"));

    // A file that cannot be used: the table in use stays, and the error shows no field.
    write(&path, "code,downstream,note\nSECRET,a\n", 3);
    let table = &loaded.tables["point_of_care"].1;
    let error = table.refresh().unwrap_err().to_string();
    assert_eq!(
        error,
        format!(
            "table point_of_care: {}: line 2: 2 field(s); the header has 3",
            path.display()
        )
    );
    assert_eq!(now().as_deref(), Some("ICU_B"));

    // Columns other than the declared ones are refused too.
    write(&path, "code,downstream\nICU,ICU_C\n", 4);
    let error = table.refresh().unwrap_err().to_string();
    assert!(error.ends_with("no column note"), "{error}");
    std::fs::remove_file(&path).unwrap();
    assert!(
        table
            .refresh()
            .unwrap_err()
            .to_string()
            .contains("cannot read")
    );
    assert_eq!(now().as_deref(), Some("ICU_B"));
}

#[test]
fn a_table_that_cannot_be_used_at_start_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.csv");
    let errors = Loaded::read(&[(&POINT_OF_CARE, missing.clone())]).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].to_string().starts_with(&format!(
            "table point_of_care: cannot read {}",
            missing.display()
        )),
        "{}",
        errors[0]
    );
}

#[tokio::test]
async fn the_watch_reloads_a_changed_file_until_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("poc.csv");
    write(&path, "code,downstream,note\nICU,OLD,\n", 1);
    let loaded = Arc::new(Loaded::read(&[(&POINT_OF_CARE, path.clone())]).unwrap());
    let shutdown = tokio_util::sync::CancellationToken::new();
    let watching = tokio::spawn(watch(Arc::clone(&loaded), shutdown.clone()));
    write(&path, "code,downstream,note\nICU,NEW,\n", 2);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let now = loaded.current("point_of_care").unwrap();
        if now.get("ICU", "downstream") == Some("NEW") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the file was not reloaded"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    shutdown.cancel();
    watching.await.unwrap();
}
