//! A transform checked from the command line, with the fan-out interface as a process:
//! `test --print` shows what each destination gets, `test --expect` compares it with expected
//! files and fails with a readable difference, `--write-expected` writes them; and
//! `sink --print` shows what a downstream receives.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};

use messagefoundry_tests::{Client, ack_code};

const BINARY: &str = env!("CARGO_BIN_EXE_fanout-serve");

const A01: &str = "MSH|^~\\&|REG|HOSP|HUB|HOSP|20260101||ADT^A01^ADT_A01|C1|P|2.5.1\r\
                   PID|1||MRN1^^^HOSP^MR||Sample^Robin\rPV1|1|I\r";

/// Runs the binary in `dir`: its exit code and standard output.
fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let output = Command::new(BINARY)
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the interface binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// A folder holding `a01.hl7` and one for a patient not to bill.
fn samples() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("test setup");
    std::fs::write(dir.path().join("a01.hl7"), A01).expect("test setup");
    std::fs::write(
        dir.path().join("nobill.hl7"),
        A01.replace("MRN1", "NOBILL1").replace("|C1|", "|C2|"),
    )
    .expect("test setup");
    std::fs::create_dir(dir.path().join("expected")).expect("test setup");
    dir
}

#[test]
fn print_shows_each_destination_its_message() {
    let dir = samples();
    let (code, out) = run(dir.path(), &["test", "--print", "a01.hl7"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out,
        "a01.hl7: PROCESSED\n\
         \x20 handler to_archive: PROCESSED\n\
         \x20 handler to_ehr: PROCESSED\n\
         \x20 handler to_billing: PROCESSED\n\
         \x20 send -> OB_ARCHIVE: ADT^A01^ADT_A01 control ID C1\n\
         \x20   MSH|^~\\&|REG|HOSP|HUB|HOSP|20260101||ADT^A01^ADT_A01|C1|P|2.5.1\n\
         \x20   PID|1||MRN1^^^HOSP^MR||Sample^Robin\n\
         \x20   PV1|1|I\n\
         \x20 send -> OB_EHR: ADT^A01^ADT_A01 control ID C1\n\
         \x20   MSH|^~\\&|REG|HOSP|EHR|HOSP|20260101||ADT^A01^ADT_A01|C1|P|2.5.1\n\
         \x20   PID|1||MRN1^^^HOSP^MR||SAMPLE^Robin\n\
         \x20   PV1|1|I\n\
         \x20 send -> OB_BILLING: ADT^A01^ADT_A01 control ID C1\n\
         \x20   MSH|^~\\&|REG|HOSP|BILLING|HOSP|20260101||ADT^A01^ADT_A01|C1|P|2.5.1\n\
         \x20   PID|1||MRN1^^^HOSP^MR||Sample^Robin\n\
         \x20   PV1|1|I\n"
    );
    // Without --print, no content.
    let (_, out) = run(dir.path(), &["test", "a01.hl7"]);
    assert!(!out.contains("PID|"), "{out}");
}

#[test]
fn expect_compares_each_destination_with_its_file_and_shows_the_difference() {
    let dir = samples();
    let expected = dir.path().join("expected");
    // Written once, then reviewed and kept.
    let (code, out) = run(
        dir.path(),
        &[
            "test",
            "--expect",
            "expected",
            "--write-expected",
            "a01.hl7",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("  OB_EHR: written to expected/a01.OB_EHR.hl7\n"),
        "{out}"
    );
    let ehr = std::fs::read_to_string(expected.join("a01.OB_EHR.hl7")).unwrap();
    assert_eq!(
        ehr,
        A01.replace("|HUB|", "|EHR|").replace("Sample", "SAMPLE")
    );
    let (code, out) = run(dir.path(), &["test", "--expect", "expected", "a01.hl7"]);
    assert_eq!(code, 0, "{out}");
    for outbound in ["OB_ARCHIVE", "OB_EHR", "OB_BILLING"] {
        assert!(
            out.contains(&format!(
                "  {outbound}: as expected in expected/a01.{outbound}.hl7\n"
            )),
            "{out}"
        );
    }

    // The expectation changes (written with an editor's line endings): the run fails and
    // says where and how.
    std::fs::write(
        expected.join("a01.OB_EHR.hl7"),
        ehr.replace("SAMPLE", "Sample").replace('\r', "\n"),
    )
    .unwrap();
    let (code, out) = run(dir.path(), &["test", "--expect", "expected", "a01.hl7"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "  OB_EHR: differs from expected/a01.OB_EHR.hl7 (- expected, + got):\n\
             \x20     MSH|^~\\&|REG|HOSP|EHR|HOSP|20260101||ADT^A01^ADT_A01|C1|P|2.5.1\n\
             \x20   - PID|1||MRN1^^^HOSP^MR||Sample^Robin\n\
             \x20   + PID|1||MRN1^^^HOSP^MR||SAMPLE^Robin\n\
             \x20       PID-5: expected \"Sample^Robin\", got \"SAMPLE^Robin\"\n\
             \x20     PV1|1|I\n\
             \x20 OB_BILLING: as expected"
        ),
        "{out}"
    );

    // A destination with no expected file, and an expected file for one that was sent nothing.
    std::fs::write(expected.join("nobill.OB_BILLING.hl7"), "MSH|^~\\&|\r").unwrap();
    let (code, out) = run(dir.path(), &["test", "--expect", "expected", "nobill.hl7"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("  OB_ARCHIVE: no expected output in expected/nobill.OB_ARCHIVE.hl7 ("),
        "{out}"
    );
    assert!(
        out.contains("  expected/nobill.OB_BILLING.hl7 expects a message that was not sent\n"),
        "{out}"
    );
}

#[test]
fn expect_takes_one_file_for_a_run_that_sends_one_message() {
    // The lab interface sends each result to its one outbound, as received.
    let dir = tempfile::tempdir().unwrap();
    let oru = messagefoundry_tests::oru("R1", "F");
    std::fs::write(dir.path().join("oru.hl7"), &oru).unwrap();
    std::fs::write(dir.path().join("ehr.hl7"), &oru).unwrap();
    let lab = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_lab-serve"))
            .current_dir(dir.path())
            .args(args)
            .output()
            .expect("the interface binary runs");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let (code, out) = lab(&["test", "--expect", "ehr.hl7", "oru.hl7"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.ends_with("  OB_EHR_ORU: as expected in ehr.hl7\n"),
        "{out}"
    );
    let changed = String::from_utf8(oru).unwrap().replace("|95|", "|96|");
    std::fs::write(dir.path().join("ehr.hl7"), changed).unwrap();
    let (code, out) = lab(&["test", "--expect", "ehr.hl7", "oru.hl7"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("        OBX-5: expected \"96\", got \"95\"\n"),
        "{out}"
    );

    // The fan-out sends three: one file cannot hold them.
    let dir = samples();
    let (code, out) = run(dir.path(), &["test", "--expect", "a01.hl7", "a01.hl7"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "  expected one message (in a01.hl7), but 3 were sent; give an existing \
             folder to --expect for several\n"
        ),
        "{out}"
    );
    let (code, _) = run(dir.path(), &["test", "--write-expected", "a01.hl7"]);
    assert_eq!(code, 2, "--write-expected needs --expect");
}

#[test]
fn sink_print_shows_each_message_received() {
    let mut sink = Command::new(BINARY)
        .args(["sink", "--port", "0", "--count", "1", "--print"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the sink starts");
    let mut out = BufReader::new(sink.stdout.take().expect("piped stdout"));
    let mut banner = String::new();
    out.read_line(&mut banner).unwrap();
    let addr: SocketAddr = banner
        .trim()
        .rsplit(' ')
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {banner:?}"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut client = Client::connect(addr).await.unwrap();
        let ack = client.exchange(A01.as_bytes()).await.unwrap().unwrap();
        assert_eq!(ack_code(&ack), "AA");
    });
    let mut printed = String::new();
    for _ in 0..4 {
        out.read_line(&mut printed).unwrap();
    }
    assert_eq!(
        printed,
        "ADT^A01^ADT_A01 C1\n\
         \x20   MSH|^~\\&|REG|HOSP|HUB|HOSP|20260101||ADT^A01^ADT_A01|C1|P|2.5.1\n\
         \x20   PID|1||MRN1^^^HOSP^MR||Sample^Robin\n\
         \x20   PV1|1|I\n"
    );
    assert!(sink.wait().unwrap().success());
}
