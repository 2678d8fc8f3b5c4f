//! Progress of the long commands as a user meets it: with standard error not a terminal (a
//! pipe, as in CI or a script) `send`, `test` and `hl7 validate` draw nothing and print one
//! plain line per result; on a terminal (a pseudo-terminal made by `script`) `send` draws a bar
//! with the count and the time left, and `--quiet` draws none. A folder stands for its files.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_lab-serve");
/// The sample files the commands are given, as a folder.
const FILES: usize = 30;

/// A sink on a port of its choosing, stopped when the test ends; and its address.
struct Sink(Child, String);

impl Sink {
    fn start() -> Sink {
        let mut child = Command::new(BIN)
            .args(["sink", "--port", "0", "--quiet"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("the sink starts");
        let mut banner = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut banner)
            .expect("a banner");
        let addr = banner
            .trim()
            .strip_prefix("sink listening on ")
            .unwrap_or_else(|| panic!("no address in {banner:?}"))
            .to_owned();
        Sink(child, addr)
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn samples(dir: &Path) -> std::path::PathBuf {
    let folder = dir.join("samples");
    std::fs::create_dir(&folder).expect("test setup");
    for n in 0..FILES {
        let id = format!("P{n:03}");
        std::fs::write(
            folder.join(format!("{id}.hl7")),
            messagefoundry_tests::oru(&id, "F"),
        )
        .expect("test setup");
    }
    folder
}

/// Runs the binary with standard output and error piped (not terminals) and returns its
/// exit status and output, having checked that nothing was drawn: nothing on standard error,
/// no carriage return or escape sequence on standard output.
fn piped(args: &[&str]) -> (bool, String) {
    let output = Command::new(BIN)
        .args(args)
        .output()
        .expect("the binary runs");
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.is_empty(), "{args:?} wrote to standard error: {err:?}");
    assert!(!out.contains('\r') && !out.contains('\x1b'), "{out:?}");
    (output.status.success(), out)
}

#[test]
fn without_a_terminal_each_result_is_one_plain_line_and_nothing_is_drawn() {
    let dir = tempfile::tempdir().expect("test setup");
    let folder = samples(dir.path());
    let folder = folder.to_str().expect("a UTF-8 path");
    let sink = Sink::start();

    let (ok, out) = piped(&["send", &sink.1, folder, "--timeout", "10s"]);
    assert!(ok, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), FILES, "{out}");
    assert!(lines[0].ends_with("P000 -> AA P000 "), "{out}");

    let (ok, out) = piped(&[
        "send",
        &sink.1,
        folder,
        "--count",
        "300",
        "--connections",
        "2",
    ]);
    assert!(ok, "{out}");
    assert!(out.starts_with("300 of 300 messages acknowledged"), "{out}");

    let (ok, out) = piped(&["test", folder]);
    assert!(ok, "{out}");
    let processed = out
        .lines()
        .filter(|l| l.starts_with(folder) && l.ends_with(": PROCESSED"));
    assert_eq!(processed.count(), FILES, "{out}");

    let (_, out) = piped(&["hl7", "validate", folder]);
    let validated = out.lines().filter(|l| l.contains(" message 1: "));
    assert_eq!(validated.count(), FILES, "{out}");
}

/// Runs a command line under `script`, which gives it a pseudo-terminal; returns what the
/// terminal received.
fn on_a_terminal(command: &str) -> String {
    let output = Command::new("script")
        .args(["-qec", command, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .expect("`script` (util-linux) runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn on_a_terminal_a_bar_counts_the_messages_unless_quiet() {
    let dir = tempfile::tempdir().expect("test setup");
    let folder = samples(dir.path());
    let sink = Sink::start();
    // Long enough for the bar to be drawn more than once.
    let load = format!(
        "{BIN} send {} {} --count 3000 --connections 2",
        sink.1,
        folder.display()
    );
    let shown = on_a_terminal(&load);
    assert!(shown.contains("/3,000 messages"), "{shown:?}");
    assert!(shown.contains(" left"), "{shown:?}");
    assert!(
        shown.contains("3000 of 3000 messages acknowledged"),
        "{shown:?}"
    );

    let quiet = on_a_terminal(&format!("{load} --quiet"));
    assert!(!quiet.contains("/3,000 messages"), "{quiet:?}");
    assert!(
        quiet.contains("3000 of 3000 messages acknowledged"),
        "{quiet:?}"
    );
}
