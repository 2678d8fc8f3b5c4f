//! What the file bridge's process tests share: `serve` started in a test's folder, waiting
//! with patience, and reading `/metrics`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a test waits for anything before it fails.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// A running `serve`, killed when the test ends however it ends.
pub struct Serving {
    /// The process.
    pub child: Child,
    /// Where the orders inbound listens.
    pub orders: String,
    /// Where the admin server listens.
    pub admin: String,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `serve --env t` in `dir` (whose `environments/t.toml` the test wrote) and reads
/// where it listens from its banners.
pub fn start(dir: &Path) -> Serving {
    let mut child = Command::new(env!("CARGO_BIN_EXE_file-bridge"))
        .args(["serve", "--env", "t", "--db", "bridge.redb"])
        .args(["--admin", "127.0.0.1:0"])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut lines = BufReader::new(child.stdout.take().expect("its output")).lines();
    let mut admin = None;
    let orders = loop {
        let line = lines.next().and_then(Result::ok).expect("serve's banners");
        let address = line
            .split(' ')
            .nth(3)
            .map(|a| a.trim_start_matches("http://").to_owned());
        if line.starts_with("admin listening on") {
            admin = address;
        } else if line.starts_with("MLLP listening on") {
            break address.expect("an address");
        }
    };
    Serving {
        child,
        orders,
        admin: admin.expect("the admin banner"),
    }
}

/// Waits until `done` holds, failing after the test's patience.
pub fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The value of the `/metrics` line that starts with `series` (name and labels).
pub fn metric(admin: &str, series: &str) -> Option<u64> {
    let mut stream = TcpStream::connect(admin).ok()?;
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut page = String::new();
    stream.read_to_string(&mut page).ok()?;
    page.lines()
        .find(|l| l.starts_with(series))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
}
