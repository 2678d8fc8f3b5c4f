//! `send` and `sink`, as an interface binary runs them: a round trip of files through MLLP,
//! each message acknowledged and its ACK checked, and a short load run. `send` runs in-process;
//! `sink` as a process, on a port it picks and names.

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use messagefoundry::cli::{Wiring, run};

fn args(list: &[&str]) -> Vec<OsString> {
    std::iter::once("interface")
        .chain(list.iter().copied())
        .map(OsString::from)
        .collect()
}

#[test]
fn send_talks_to_sink() {
    // A lost ACK or a stuck connection fails the test within a minute instead of stalling it.
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        round_trip();
        let _ = done.send(());
    });
    finished
        .recv_timeout(Duration::from_secs(60))
        .expect("send and sink finished within a minute");
}

fn round_trip() {
    let wiring = Wiring {
        inbounds: &[],
        outbounds: &[],
    };
    let dir = tempfile::tempdir().expect("test setup");
    let file = dir.path().join("two.hl7");
    let mut two = messagefoundry_tests::oru("S1", "F");
    two.extend_from_slice(&messagefoundry_tests::adt("S2"));
    std::fs::write(&file, &two).expect("test setup");
    let file = file.to_string_lossy().into_owned();

    // The sink prints a line per message from its tasks: this also checks that nothing holds
    // its stdout while they run.
    let mut sink = Stopped(
        Command::new(env!("CARGO_BIN_EXE_lab-serve"))
            .args(["sink", "--port", "0", "--count", "12"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("the sink starts"),
    );
    let mut lines = BufReader::new(sink.0.stdout.take().expect("piped stdout")).lines();
    let banner = lines.next().expect("a banner").expect("test setup");
    let target = banner
        .strip_prefix("sink listening on ")
        .unwrap_or_else(|| panic!("no address in {banner:?}"))
        .to_owned();
    let sent = run(&wiring, args(&["send", &target, &file, "--timeout", "5s"]));
    assert_eq!(sent, ExitCode::SUCCESS);
    let load = run(
        &wiring,
        args(&[
            "send",
            &target,
            &file,
            "--connections",
            "4",
            "--count",
            "10",
            "--timeout",
            "5s",
        ]),
    );
    assert_eq!(load, ExitCode::SUCCESS);
    let printed: Vec<String> = lines.map(|l| l.expect("test setup")).collect();
    assert!(sink.0.wait().expect("test setup").success());
    assert_eq!(printed.len(), 13, "{printed:?}");
    assert!(printed[0].ends_with(" S1"), "{printed:?}");
    assert!(
        printed[12].starts_with("received 12 messages"),
        "{printed:?}"
    );
}

/// A child process that is killed if the test ends before it does.
struct Stopped(std::process::Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_sink_answers_the_code_it_is_given() {
    let dir = tempfile::tempdir().expect("test setup");
    let file = dir.path().join("one.hl7");
    std::fs::write(&file, messagefoundry_tests::oru("R1", "F")).expect("test setup");
    let mut sink = Stopped(
        Command::new(env!("CARGO_BIN_EXE_lab-serve"))
            .args(["sink", "--port", "0", "--code", "AR", "--count", "1"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("the sink starts"),
    );
    let mut banner = String::new();
    BufReader::new(sink.0.stdout.take().expect("piped stdout"))
        .read_line(&mut banner)
        .expect("a banner");
    let target = banner
        .trim()
        .strip_prefix("sink listening on ")
        .unwrap_or_else(|| panic!("no address in {banner:?}"));
    let sent = Command::new(env!("CARGO_BIN_EXE_lab-serve"))
        .args(["send", target])
        .arg(&file)
        .output()
        .expect("send runs");
    let said = String::from_utf8_lossy(&sent.stdout);
    assert!(!sent.status.success(), "{said}");
    assert!(said.contains("R1 -> AR R1"), "{said}");
}
