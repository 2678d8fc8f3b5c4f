//! `send` and `sink` run in-process, as an interface binary runs them: a round trip of files
//! through MLLP, each message acknowledged and its ACK checked, and a short load run.

use std::ffi::OsString;
use std::process::ExitCode;
use std::time::Duration;

use messagefoundry::cli::{Wiring, run};
use messagefoundry_tests::process::free_port;

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
    // The sink prints a line per message from its tasks: this also checks that nothing holds
    // stdout while they run.
    let wiring = Wiring {
        inbounds: &[],
        outbounds: &[],
    };
    let port = free_port();
    let dir = tempfile::tempdir().expect("test setup");
    let file = dir.path().join("two.hl7");
    let mut two = messagefoundry_tests::oru("S1", "F");
    two.extend_from_slice(&messagefoundry_tests::adt("S2"));
    std::fs::write(&file, &two).expect("test setup");
    let file = file.to_string_lossy().into_owned();

    let sink = std::thread::spawn(move || {
        let wiring = Wiring {
            inbounds: &[],
            outbounds: &[],
        };
        run(
            &wiring,
            args(&["sink", "--port", &port.to_string(), "--count", "12"]),
        )
    });
    std::thread::sleep(Duration::from_millis(300));
    let target = format!("127.0.0.1:{port}");
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
    assert_eq!(sink.join().expect("test setup"), ExitCode::SUCCESS);
}
