//! Seeing and repairing what happened to each destination, with the fan-out interface running
//! as a process: the archive is down, the EHR accepts, billing rejects its first message. One
//! message is sent in full, one in part (billing's handler fails). `messages show` gives each
//! handler's outcome and each copy's state and content, `search` finds messages by a copy's
//! state, `resend` and `edit` send again, and all of it reads the same once `serve` stops.

#![cfg(unix)]

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use messagefoundry_tests::downstream::{Downstream, Reply, control_id};
use messagefoundry_tests::process::{Served, serve_in};
use messagefoundry_tests::{Client, PATIENCE, ack_code};

const BINARY: &str = env!("CARGO_BIN_EXE_fanout-serve");

/// An ADT^A01 with this control ID and patient number.
fn adt(control: &str, patient: &str) -> Vec<u8> {
    format!(
        "MSH|^~\\&|REG|HOSP|HUB|HOSP|20260101||ADT^A01^ADT_A01|{control}|P|2.5.1\r\
         PID|1||{patient}^^^HOSP^MR||Sample^Robin\rPV1|1|I\r"
    )
    .into_bytes()
}

/// Runs `messages --db <store> <args>` with extra environment variables: its exit code,
/// standard output and standard error.
fn messages(served: &Served, envs: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let output = Command::new(BINARY)
        .arg("messages")
        .arg("--db")
        .arg(&served.db)
        .args(args)
        .envs(envs.iter().copied())
        .output()
        .expect("the interface binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `messages <args>` that must succeed; its output.
fn ok(served: &Served, args: &[&str]) -> String {
    let (code, out, err) = messages(served, &[], args);
    assert_eq!(code, 0, "messages {args:?}: {err}");
    out
}

/// The store ids `search` printed, in order.
fn found(served: &Served, args: &[&str]) -> Vec<String> {
    let mut full = vec!["search"];
    full.extend_from_slice(args);
    ok(served, &full)
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or_default().to_owned())
        .collect()
}

/// Waits until `messages show` of a message prints a line for which `wanted` holds; the
/// whole output.
async fn shown_when(served: &Served, id: &str, wanted: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let out = ok(served, &["show", id]);
        if out.lines().any(&wanted) {
            return out;
        }
        assert!(Instant::now() < deadline, "never came: {out}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The `to` lines of `show`, for one outbound.
fn to_lines<'a>(shown: &'a str, outbound: &str) -> Vec<&'a str> {
    let prefix = format!("to        {outbound} ");
    shown.lines().filter(|l| l.starts_with(&prefix)).collect()
}

fn environment(ehr: u16, billing: u16) -> String {
    format!(
        "[inbound.IB_ADT]\nbind = \"127.0.0.1\"\nport = 0\n\n\
         [outbound.OB_ARCHIVE]\nhost = \"127.0.0.1\"\nport = {}\n\n\
         [outbound.OB_EHR]\nhost = \"127.0.0.1\"\nport = {ehr}\n\n\
         [outbound.OB_BILLING]\nhost = \"127.0.0.1\"\nport = {billing}\n",
        messagefoundry_tests::ports::down_port()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_destination_is_shown_searched_resent_and_edited() {
    let dir = tempfile::tempdir().unwrap();
    let ehr = Downstream::start(Arc::new(|_, _| Reply::Ack("AA"))).await;
    // Billing rejects the first message it sees, and accepts everything after.
    let billing = Downstream::start(Arc::new(|control, seen| {
        if control == "C1" && seen == 0 {
            Reply::Ack("AR")
        } else {
            Reply::Ack("AA")
        }
    }))
    .await;
    let mut served = serve_in(
        BINARY,
        dir.path(),
        None,
        &environment(ehr.addr.port(), billing.addr.port()),
    );
    let mut client = Client::connect(served.addr).await.unwrap();
    for message in [adt("C1", "MRN1"), adt("C2", "NOBILL7")] {
        let ack = client.exchange(&message).await.unwrap().unwrap();
        assert_eq!(ack_code(&ack), "AA");
    }

    // Sent in full: each handler PROCESSED; the archive's copy waits (the archive is down,
    // and the sender says why), the EHR's was delivered, billing's was rejected.
    let shown = shown_when(&served, "1", |l| {
        l.starts_with("to        OB_BILLING ") && l.contains("DEAD-LETTERED")
    })
    .await;
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines[3], "outcome   PROCESSED ", "{shown}");
    assert_eq!(
        lines[4..7],
        [
            "handler   to_archive PROCESSED",
            "handler   to_ehr PROCESSED",
            "handler   to_billing PROCESSED"
        ],
        "{shown}"
    );
    let archive = to_lines(&shown, "OB_ARCHIVE");
    assert_eq!(archive.len(), 1, "{shown}");
    assert!(archive[0].contains(" by to_archive, queued "), "{shown}");
    assert!(
        archive[0].contains(": QUEUED, 0 ahead; sender not connected, ")
            && archive[0].contains("last problem: cannot connect"),
        "{shown}"
    );
    let ehr_line = to_lines(&shown, "OB_EHR");
    assert!(
        ehr_line[0].contains(": DELIVERED ") && ehr_line[0].ends_with(" AA after 1 attempt(s)"),
        "{shown}"
    );
    assert!(
        to_lines(&shown, "OB_BILLING")[0]
            .ends_with("after 1 attempt(s): AR (rejected): test answer"),
        "{shown}"
    );
    // The content as received, then each copy a handler changed: the EHR's and billing's,
    // not the archive's.
    let received = String::from_utf8(adt("C1", "MRN1"))
        .unwrap()
        .replace('\r', "\n");
    assert!(shown.contains(&format!("\n\n{received}")), "{shown}");
    let changed: Vec<&str> = lines
        .iter()
        .filter(|l| l.starts_with("sent to   "))
        .copied()
        .collect();
    assert_eq!(changed.len(), 2, "{shown}");
    assert!(changed[0].starts_with("sent to   OB_EHR "), "{shown}");
    assert!(changed[1].starts_with("sent to   OB_BILLING "), "{shown}");
    assert!(
        shown.contains("MSH|^~\\&|REG|HOSP|EHR|HOSP|")
            && shown.contains("PID|1||MRN1^^^HOSP^MR||SAMPLE^Robin"),
        "{shown}"
    );

    // Sent in part: ERROR, saying so; billing's handler failed, the others' copies went on.
    let partial = shown_when(&served, "#2", |l| {
        l.starts_with("to        OB_EHR ") && l.contains("DELIVERED")
    })
    .await;
    assert!(
        partial.contains(
            "outcome   ERROR partly sent: to_billing failed; the other handlers' 2 message(s) were queued\n"
        ),
        "{partial}"
    );
    assert!(
        partial.contains("handler   to_billing ERROR: no billing account for this patient\n"),
        "{partial}"
    );
    assert!(to_lines(&partial, "OB_BILLING").is_empty(), "{partial}");
    assert!(
        to_lines(&partial, "OB_ARCHIVE")[0].contains(": QUEUED, 1 ahead"),
        "{partial}"
    );

    // Found by the state of a copy.
    assert_eq!(
        found(&served, &["--outbound", "OB_ARCHIVE", "--state", "queued"]),
        ["#2", "#1"]
    );
    assert_eq!(found(&served, &["--state", "dead"]), ["#1"]);
    assert_eq!(found(&served, &["--outbound", "OB_BILLING"]), ["#1"]);
    assert!(
        found(
            &served,
            &["--outbound", "OB_BILLING", "--state", "delivered"]
        )
        .is_empty()
    );
    assert_eq!(
        found(
            &served,
            &[
                "--disposition",
                "error",
                "--outbound",
                "OB_EHR",
                "--state",
                "delivered"
            ]
        ),
        ["#2"]
    );
    let (code, _, err) = messages(&served, &[], &["search", "--state", "lost"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("\"lost\" is not a state: queued, delivered or dead"),
        "{err}"
    );

    // Resent: the EHR gets its copy again (as its handler made it), recorded as the operator's.
    let out = ok(&served, &["resend", "1", "--to", "OB_EHR"]);
    assert!(out.starts_with("resent: queued on OB_EHR as "), "{out}");
    wait_for(|| ehr.control_ids() == ["C1", "C2", "C1"]).await;
    let again = ehr.received.lock().unwrap()[2].clone();
    assert_eq!(again, ehr.received.lock().unwrap()[0]);
    let shown = shown_when(&served, "1", |l| {
        l.starts_with("to        OB_EHR ")
            && l.contains("by the operator")
            && l.contains("DELIVERED")
    })
    .await;
    assert_eq!(to_lines(&shown, "OB_EHR").len(), 2, "{shown}");
    let (code, _, err) = messages(&served, &[], &["resend", "1", "--to", "OB_LAB"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("the interface has no outbound named OB_LAB; its outbounds are: "),
        "{err}"
    );

    // Edited in the editor and routed again: a message of its own; billing gets it now.
    // The editor works in a temporary folder of the test's own.
    let scratch = dir.path().join("tmp");
    std::fs::create_dir(&scratch).unwrap();
    let tmp = scratch.to_str().unwrap();
    let editor = [
        ("EDITOR", "sed -i s/NOBILL7/MRN7/"),
        ("VISUAL", ""),
        ("TMPDIR", tmp),
    ];
    let (code, out, err) = messages(&served, &editor, &["edit", "2"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "the edit is stored as #3; it is routed again through its inbound\n"
    );
    wait_for(|| billing.control_ids() == ["C1", "C2"]).await;
    let billed = String::from_utf8(billing.received.lock().unwrap()[1].clone()).unwrap();
    assert!(
        billed.contains("PID|1||MRN7^^^HOSP^MR||Sample^Robin"),
        "{billed}"
    );
    assert!(
        billed.starts_with("MSH|^~\\&|REG|HOSP|BILLING|"),
        "{billed}"
    );
    let edit = shown_when(&served, "3", |l| {
        l.starts_with("to        OB_BILLING ") && l.contains("DELIVERED")
    })
    .await;
    assert!(
        edit.contains("\nedit of   #2 (by the operator)\n"),
        "{edit}"
    );
    assert!(edit.contains("\noutcome   PROCESSED \n"), "{edit}");
    let original = ok(&served, &["show", "2"]);
    assert!(original.contains("\nedited    as #3\n"), "{original}");
    // The original is kept as received.
    assert!(
        original.contains("PID|1||NOBILL7^^^HOSP^MR||Sample^Robin\n"),
        "{original}"
    );

    // Edited from a file and sent to one outbound only.
    let file = dir.path().join("fixed.hl7");
    std::fs::write(
        &file,
        String::from_utf8(adt("C1", "MRN1-FIX"))
            .unwrap()
            .replace('\r', "\n"),
    )
    .unwrap();
    let out = ok(
        &served,
        &[
            "edit",
            "1",
            "--file",
            file.to_str().unwrap(),
            "--to",
            "OB_BILLING",
        ],
    );
    assert!(
        out.starts_with("the edit is stored as #4; queued on OB_BILLING as "),
        "{out}"
    );
    wait_for(|| billing.control_ids().len() == 3).await;
    let sent = billing.received.lock().unwrap()[2].clone();
    assert_eq!(
        sent,
        adt("C1", "MRN1-FIX"),
        "sent as edited, not transformed"
    );
    // Refused edits store nothing: no change, or not a message.
    let unchanged = [("EDITOR", "true"), ("VISUAL", ""), ("TMPDIR", tmp)];
    let (code, _, err) = messages(&served, &unchanged, &["edit", "1"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("the edit of message #1 changes nothing; nothing was stored"),
        "{err}"
    );
    std::fs::write(&file, "PID|1||X\n").unwrap();
    let (code, _, err) = messages(
        &served,
        &[],
        &["edit", "1", "--file", file.to_str().unwrap()],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("the edited message was not stored: it does not parse: "),
        "{err}"
    );
    assert_eq!(found(&served, &[]).len(), 4);
    // The editor's file held patient data: it is gone.
    let left: Vec<_> = std::fs::read_dir(&scratch).unwrap().collect();
    assert!(left.is_empty(), "an edit file was left: {left:?}");
    wait_for(|| ehr.control_ids().len() == 4).await;

    // Stopped, the store reads the same, without the senders' state.
    served.terminate();
    assert_eq!(served.exit_status().await.code(), Some(0));
    let shown = ok(&served, &["show", "1"]);
    let archive = to_lines(&shown, "OB_ARCHIVE");
    assert!(archive[0].ends_with(": QUEUED, 0 ahead"), "{shown}");
    assert_eq!(
        found(&served, &["--outbound", "OB_ARCHIVE", "--state", "queued"]),
        ["#3", "#2", "#1"]
    );
    assert_eq!(control_id(&ehr.received.lock().unwrap()[3]), "C2");
}

async fn wait_for(done: impl Fn() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "not in time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
