//! Runs every command of `docs/destinations.md` as written, with the `adt-fanout` example: its
//! samples in a folder of the test's own, and a store in which the example's `serve` stored
//! one admission, delivered to the EHR and queued for the bed board (down).

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use messagefoundry_tests::downstream::{Downstream, Reply};
use messagefoundry_tests::process::serve_in;
use messagefoundry_tests::{Client, PATIENCE, ack_code};

const BINARY: &str = env!("CARGO_BIN_EXE_adt-fanout-serve");

/// The commands the page shows, in order. Kept here as well as on the page so that
/// `scripts/docs-check.sh` finds each one in this file (the page says this test runs them);
/// the test fails when the two differ.
const COMMANDS: &[&str] = &[
    "adt-fanout test --env test --print samples/adt_a01.hl7",
    "adt-fanout test --env test --expect expected --write-expected samples/adt_a01.hl7 samples/adt_a08.hl7",
    "adt-fanout test --env test --expect expected samples/adt_a01.hl7 samples/adt_a08.hl7",
    "adt-fanout messages --db adt.redb show 1",
    "adt-fanout messages --db adt.redb search --outbound OB_BED_BOARD --state queued",
    "adt-fanout messages --db adt.redb search --state dead",
    "adt-fanout messages --db adt.redb search --disposition error --outbound OB_EHR_ADT --state delivered",
    "adt-fanout messages --db adt.redb resend 1 --to OB_EHR_ADT",
    "adt-fanout messages --db adt.redb resend 1 --to OB_BED_BOARD --as-received",
    "adt-fanout messages --db adt.redb edit 1",
    "adt-fanout messages --db adt.redb edit 1 --file fixed.hl7 --to OB_BED_BOARD",
];

/// The commands of the page's `sh` blocks, in order.
fn documented_commands() -> Vec<String> {
    let page = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/destinations.md");
    let text = std::fs::read_to_string(&page).expect("docs/destinations.md");
    let mut commands = Vec::new();
    let mut in_sh = false;
    for line in text.lines() {
        if line.starts_with("```") {
            in_sh = !in_sh && line == "```sh";
            continue;
        }
        if in_sh {
            commands.push(line.to_owned());
        }
    }
    commands
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/adt-fanout/samples")
}

/// Stores the example's admission the way `serve` does, and leaves the store as `adt.redb` in
/// `work`.
async fn store_an_admission(work: &Path) {
    let ehr = Downstream::start(Arc::new(|_, _| Reply::Ack("AA"))).await;
    let environment = format!(
        "[inbound.IB_ADT]\nbind = \"127.0.0.1\"\nport = 0\n\n\
         [outbound.OB_EHR_ADT]\nhost = \"127.0.0.1\"\nport = {}\n\n\
         [outbound.OB_BED_BOARD]\nhost = \"127.0.0.1\"\nport = {}\n\n\
         [values]\nehr_facility = \"GENHOSP\"\nbed_board_facility = \"GENHOSP\"\n",
        ehr.addr.port(),
        messagefoundry_tests::ports::down_port()
    );
    let served_in = work.join("serve");
    let mut served = serve_in(BINARY, &served_in, None, &environment);
    let admission = std::fs::read(samples().join("adt_a01.hl7")).expect("test setup");
    let mut client = Client::connect(served.addr).await.expect("test setup");
    let ack = client
        .exchange(&admission)
        .await
        .expect("test setup")
        .expect("test setup");
    assert_eq!(ack_code(&ack), "AA");
    let deadline = Instant::now() + PATIENCE;
    while ehr.control_ids().is_empty() {
        assert!(Instant::now() < deadline, "the EHR got nothing");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    served.terminate();
    assert_eq!(served.exit_status().await.code(), Some(0));
    std::fs::copy(&served.db, work.join("adt.redb")).expect("test setup");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_of_the_page_runs() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    std::fs::create_dir(work.join("samples")).unwrap();
    for entry in std::fs::read_dir(samples()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "hl7") {
            std::fs::copy(&path, work.join("samples").join(path.file_name().unwrap())).unwrap();
        }
    }
    std::fs::create_dir(work.join("expected")).unwrap();
    std::fs::create_dir(work.join("tmp")).unwrap();
    store_an_admission(work).await;
    // The corrected message `edit --file` takes.
    let admission = std::fs::read_to_string(samples().join("adt_a01.hl7")).unwrap();
    std::fs::write(
        work.join("fixed.hl7"),
        admission.replace("4W^412", "4W^414"),
    )
    .unwrap();

    let commands = documented_commands();
    assert_eq!(
        commands, COMMANDS,
        "the page and this test list other commands"
    );
    // `test --env test` reads the example's environment (its values and table), as a
    // reader's copy of the example has it.
    for folder in ["environments", "tables"] {
        std::fs::create_dir(work.join(folder)).unwrap();
        let from = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/adt-fanout")
            .join(folder);
        for entry in std::fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, work.join(folder).join(path.file_name().unwrap())).unwrap();
        }
    }
    for command in &commands {
        let words: Vec<&str> = command.split_whitespace().collect();
        assert_eq!(words[0], "adt-fanout", "{command}");
        let output = Command::new(BINARY)
            .current_dir(work)
            .args(&words[1..])
            // `edit` without a file: the "editor" changes the room number.
            .env("VISUAL", "")
            .env("EDITOR", "sed -i s/4W^412/4W^413/")
            .env("TMPDIR", work.join("tmp"))
            .output()
            .expect("the interface binary runs");
        let out = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{command}: {out}{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // The two edits are messages of their own; the original is kept.
    let list = Command::new(BINARY)
        .current_dir(work)
        .args(["messages", "--db", "adt.redb", "list"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&list.stdout).lines().count(), 3);
    assert_eq!(std::fs::read_dir(work.join("tmp")).unwrap().count(), 0);
}
