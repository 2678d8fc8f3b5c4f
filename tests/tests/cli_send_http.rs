//! `send` to an HTTP inbound (`http-serve`, a process of its own): one message with its ACK
//! printed, and the load mode over plaintext and TLS, every message stored; refusals and
//! options that do not go together are errors.

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use messagefoundry_tests::ports::Reserved;
use messagefoundry_tests::process::{Options, Served, serve_with};

const BINARY: &str = env!("CARGO_BIN_EXE_http-serve");
const TOKEN: &str = "http-test-token-0123456789";

/// The 2.7 KB ORU^R01 of the benchmarks.
fn message() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../messagefoundry-hl7/benches/data/oru_r01.hl7")
}

/// Starts the HTTP interface in `dir`, its downstream down.
fn start(dir: &Path, down: &Reserved) -> Served {
    let environment = format!(
        "[inbound.IB_Web]\nbind = \"127.0.0.1\"\nport = 0\n\n\
         [outbound.OB_Web]\nurl = \"http://127.0.0.1:{}/hl7\"\n",
        down.port()
    );
    let shell = format!("export MF_TEST_HTTP_TOKEN={TOKEN}");
    serve_with(
        BINARY,
        dir,
        Options {
            shell: Some(&shell),
            environment: Some(&environment),
            stderr: Stdio::null(),
            ..Options::default()
        },
    )
}

/// Runs `send` with `args` and the token in `MF_BENCH_TOKEN`.
fn send(args: &[&str]) -> Output {
    Command::new(BINARY)
        .arg("send")
        .args(args)
        .args(["--timeout", "20s", "--quiet"])
        .env("MF_BENCH_TOKEN", TOKEN)
        .env("MF_WRONG_TOKEN", "not-the-token-0123456789")
        .output()
        .expect("send runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Stops `served` and counts its stored messages (lines of `messages search`) and their
/// distinct control IDs.
fn stored(mut served: Served) -> (usize, usize) {
    served.child.kill().expect("the engine is stopped");
    served.child.wait().expect("the engine has ended");
    let (code, out) = served.messages(
        BINARY,
        &["search", "--inbound", "IB_Web", "--limit", "1000"],
    );
    assert_eq!(code, Some(0), "{out}");
    let ids: std::collections::HashSet<&str> = out
        .lines()
        .filter_map(|l| l.split_whitespace().nth(4))
        .collect();
    (out.lines().count(), ids.len())
}

#[test]
fn send_posts_a_message_and_prints_its_ack() {
    let (dir, down) = (tempfile::tempdir().unwrap(), Reserved::new());
    let served = start(dir.path(), &down);
    let url = format!("http://{}/hl7", served.addr);
    let file = message();
    let out = send(&[
        &url,
        file.to_str().unwrap(),
        "--auth-token-env",
        "MF_BENCH_TOKEN",
    ]);
    assert!(out.status.success(), "{out:?}");
    // The sample's own control ID, answered AA by the engine once stored.
    assert!(stdout(&out).contains("-> AA "), "{}", stdout(&out));
    assert_eq!(stored(served), (1, 1));
}

#[test]
fn load_mode_over_http_stores_every_message_once() {
    let (dir, down) = (tempfile::tempdir().unwrap(), Reserved::new());
    let served = start(dir.path(), &down);
    let url = format!("http://{}/hl7", served.addr);
    let file = message();
    let out = send(&[
        &url,
        file.to_str().unwrap(),
        "--count",
        "60",
        "--connections",
        "4",
        "--auth-token-env",
        "MF_BENCH_TOKEN",
    ]);
    let text = stdout(&out);
    assert!(out.status.success(), "{out:?}");
    assert!(
        text.contains("60 of 60 messages acknowledged over 4 connection(s)"),
        "{text}"
    );
    assert!(text.contains("answers: AA 60; errors: 0"), "{text}");
    assert_eq!(stored(served), (60, 60));
}

#[test]
fn load_mode_over_https_trusts_the_engines_certificate() {
    let (dir, down) = (tempfile::tempdir().unwrap(), Reserved::new());
    let served = start(dir.path(), &down);
    let url = format!("https://127.0.0.1:{}/hl7", served.addr.port());
    let cert = dir.path().join("serve-tls-cert.pem");
    let file = message();
    let out = send(&[
        &url,
        file.to_str().unwrap(),
        "--count",
        "30",
        "--connections",
        "3",
        "--auth-token-env",
        "MF_BENCH_TOKEN",
        "--tls-ca",
        cert.to_str().unwrap(),
        "--tls-server-name",
        "localhost",
    ]);
    let text = stdout(&out);
    assert!(out.status.success(), "{out:?}");
    assert!(text.contains("answers: AA 30; errors: 0"), "{text}");
    assert_eq!(stored(served), (30, 30));
}

#[test]
fn a_refused_post_fails_the_run_and_stores_nothing() {
    let (dir, down) = (tempfile::tempdir().unwrap(), Reserved::new());
    let served = start(dir.path(), &down);
    let url = format!("http://{}/hl7", served.addr);
    let file = message();
    let out = send(&[
        &url,
        file.to_str().unwrap(),
        "--count",
        "3",
        "--auth-token-env",
        "MF_WRONG_TOKEN",
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(text.contains("errors: 3"), "{text}");
    assert!(text.contains("HTTP 401"), "{text}");
    assert_eq!(stored(served), (0, 0));
}

#[test]
fn options_that_do_not_go_together_are_refused() {
    let file = message();
    let file = file.to_str().unwrap();
    let refused = |args: &[&str], why: &str| {
        let out = send(args);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(why), "{err}");
    };
    refused(
        &["127.0.0.1:9", file, "--auth-token-env", "MF_BENCH_TOKEN"],
        "--auth-token-env is for an http:// or https:// URL",
    );
    refused(
        &["https://127.0.0.1:9/hl7", file],
        "an https URL needs --tls-ca or --tls-fingerprint",
    );
    refused(
        &["http://127.0.0.1:9/hl7", file, "--tls-fingerprint", "00"],
        "TLS options need an https URL",
    );
    refused(
        &[
            "http://127.0.0.1:9/hl7",
            file,
            "--auth-token-env",
            "MF_NOT_SET_ANYWHERE",
        ],
        "MF_NOT_SET_ANYWHERE",
    );
}
