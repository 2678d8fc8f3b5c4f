//! The interface binary with the example's environments: `docs/tables.md` shows this example,
//! and each of its code blocks is a file of the example or a command run here; `serve` refuses
//! a table file or a value it cannot use.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn docs() -> String {
    std::fs::read_to_string(example().join("../../docs/tables.md")).expect("docs/tables.md")
}

/// The code blocks of a language in the docs page.
fn blocks(language: &str) -> Vec<String> {
    let page = docs();
    page.split(&format!("```{language}\n"))
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .map(str::to_owned)
        .collect()
}

/// The example's sources and files, together.
fn example_text() -> String {
    let mut text = String::new();
    for file in [
        "Cargo.toml",
        "src/lib.rs",
        "src/transform.rs",
        "src/tests.rs",
        "tables/point_of_care.csv",
        "environments/test.toml",
        "environments/prod.toml",
    ] {
        text.push_str(&std::fs::read_to_string(example().join(file)).expect("example file"));
    }
    text
}

#[test]
fn every_code_block_of_the_docs_is_in_the_example() {
    let example = example_text();
    for language in ["rust", "toml", "csv"] {
        let found = blocks(language);
        assert!(
            !found.is_empty(),
            "docs/tables.md shows no {language} block"
        );
        for block in found {
            assert!(
                example.contains(&block),
                "docs/tables.md shows a {language} block the example does not have:\n{block}"
            );
        }
    }
}

/// A copy of the example's environments and tables in a folder of the test's, with the
/// inbound on any free port and the downstreams on `downstream`, a port the test holds.
fn copy_of_the_example(downstream: u16) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("test folder");
    for sub in ["environments", "tables"] {
        std::fs::create_dir_all(dir.path().join(sub)).expect("test folder");
        for entry in std::fs::read_dir(example().join(sub)).expect("example folder") {
            let path = entry.expect("example file").path();
            let text = std::fs::read_to_string(&path).expect("example file");
            let text = text
                .replace("port = 12576", "port = 0")
                .replace("port = 16662", &format!("port = {downstream}"))
                .replace("port = 16663", &format!("port = {downstream}"));
            let name = path.file_name().expect("a file name");
            std::fs::write(dir.path().join(sub).join(name), text).expect("test file");
        }
    }
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_adt-fanout"))
        .args(args)
        .arg("--db")
        .arg(dir.join("adt.redb"))
        .current_dir(dir)
        .output()
        .expect("the interface binary runs")
}

#[test]
fn the_documented_checks_say_what_the_docs_show() {
    let downstream = TcpListener::bind("127.0.0.1:0").expect("a downstream of the test's");
    let dir = copy_of_the_example(downstream.local_addr().expect("its address").port());
    // Each command is a `sh` block of its own, and the `text` block right after it holds
    // lines it prints. The commands are written here too, so the docs check finds them in
    // this file; the test fails when the page shows others.
    const COMMANDS: [&str; 2] = ["adt-fanout check --env test", "adt-fanout check --env prod"];
    let page = docs();
    let mut commands = 0;
    for (n, session) in page.split("```sh\n").skip(1).enumerate() {
        let (command, rest) = session.split_once("```").expect("a closed block");
        let command = command.trim();
        assert_eq!(command, COMMANDS[n], "docs/tables.md shows another command");
        let shown = rest
            .split_once("```text\n")
            .and_then(|(_, text)| text.split_once("```"))
            .map(|(text, _)| text)
            .expect("a text block after the command");
        let args: Vec<&str> = command
            .strip_prefix("adt-fanout ")
            .expect("the commands shown run the example's binary")
            .split(' ')
            .collect();
        let output = run(dir.path(), &args);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{command}:\n{stdout}");
        for shown in shown.lines() {
            assert!(
                stdout.lines().any(|l| l == shown),
                "{command} does not print {shown:?}:\n{stdout}"
            );
        }
        commands += 1;
    }
    assert_eq!(commands, 2);
}

#[test]
fn a_table_file_or_a_value_that_cannot_be_used_is_an_error_of_check_and_serve() {
    let downstream = TcpListener::bind("127.0.0.1:0").expect("a downstream of the test's");
    let dir = copy_of_the_example(downstream.local_addr().expect("its address").port());
    let table = dir.path().join("tables/point_of_care.csv");
    std::fs::write(&table, "code,downstream\nSECRET4W,MED4W,EXTRA\n").expect("test file");
    let env = dir.path().join("environments/test.toml");
    let text = std::fs::read_to_string(&env).expect("test file");
    std::fs::write(&env, text.replace("ehr_facility = ", "ehr_facilty = ")).expect("test file");

    let check = run(dir.path(), &["check", "--env", "test"]);
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(1), "{stdout}");
    for expected in [
        "error table point_of_care: tables/point_of_care.csv: line 2: 3 field(s); the header has 2",
        "error environments/test.toml: [values] the interface has no value named ehr_facilty; \
         did you mean ehr_facility?",
        "error environments/test.toml: [values] ehr_facility is not set; it is text and has no \
         default",
    ] {
        assert!(
            stdout.lines().any(|l| l == expected),
            "{expected}\n{stdout}"
        );
    }
    assert!(!stdout.contains("SECRET"), "{stdout}");

    // serve stops at the values, before it binds anything.
    let serve = run(dir.path(), &["serve", "--env", "test"]);
    let stderr = String::from_utf8_lossy(&serve.stderr);
    assert_eq!(serve.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("ehr_facility is not set"), "{stderr}");
    // With the values right, at the table.
    std::fs::write(&env, text).expect("test file");
    let serve = run(dir.path(), &["serve", "--env", "test"]);
    let stderr = String::from_utf8_lossy(&serve.stderr);
    assert_eq!(serve.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("table point_of_care: tables/point_of_care.csv: line 2"),
        "{stderr}"
    );
    assert!(!stderr.contains("SECRET"), "{stderr}");
    assert!(!dir.path().join("adt.redb").exists());
}
