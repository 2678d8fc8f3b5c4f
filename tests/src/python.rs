//! Independent peers written in Python (`tests/python/`), started as processes that name the
//! port they listen on.

use std::io::{BufRead, BufReader, Lines};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};

/// The Python interpreter: `$PYTHON`, or `python3`.
pub fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// A script of `tests/python/`.
pub fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("python")
        .join(name)
}

/// Fails the test, saying how to install it, unless Python can import the module.
pub fn require(module: &str, package: &str) {
    let check = Command::new(python())
        .args(["-c", &format!("import {module}")])
        .output();
    assert!(
        check.is_ok_and(|o| o.status.success()),
        "{package} is not installed: run `python3 -m pip install {package}` (.ci/run does)"
    );
}

/// Whether Python can import the module. Missing, it fails the test under CI (`CI` set:
/// `.ci/run` installs it) and elsewhere says how to install it and lets the test skip.
pub fn available(module: &str, package: &str) -> bool {
    let check = Command::new(python())
        .args(["-c", &format!("import {module}")])
        .output();
    if check.is_ok_and(|o| o.status.success()) {
        return true;
    }
    let install = format!("python3 -m pip install {package}");
    assert!(
        std::env::var_os("CI").is_none(),
        "{package} is not installed under CI: .ci/run runs `{install}`"
    );
    eprintln!("skipped: {package} is not installed (run `{install}`, as .ci/run does)");
    false
}

/// A running Python peer that listens on a port of its choosing.
pub struct Listening {
    /// The process.
    pub child: Child,
    /// What it prints after its first line.
    pub lines: Lines<BufReader<ChildStdout>>,
    /// The port its first line, `LISTENING <port>`, named.
    pub port: u16,
}

/// Starts a script of `tests/python/` with these arguments and reads the port it listens on.
pub fn listening(script_name: &str, args: &[&str]) -> Listening {
    let mut child = Command::new(python())
        .arg(script(script_name))
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python starts");
    let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    let first = lines
        .next()
        .expect("the peer prints its port")
        .expect("the peer's output");
    let port = first
        .strip_prefix("LISTENING ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {first:?}"));
    Listening { child, lines, port }
}
