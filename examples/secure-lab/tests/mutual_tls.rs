//! The secure lab interface as processes: certificates made by `secure-lab-certs` in a
//! temporary folder, a stand-in EHR (`sink`) that requires a client certificate, `check`
//! showing the fingerprints, `serve`, and the lab's `send` with its client certificate. A lab
//! without a client certificate, and one speaking plaintext, are refused.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

const BIN: &str = env!("CARGO_BIN_EXE_secure-lab");
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/oru_r01.hl7");
/// How long anything may take before the test gives up on it.
const PATIENCE: Duration = Duration::from_secs(60);

/// A process stopped when the test ends, and the lines it prints.
struct Running {
    child: Child,
    lines: Receiver<String>,
}

impl Running {
    fn start(command: &mut Command) -> Running {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running { child, lines }
    }

    /// Waits for a line containing `text` and returns it.
    fn line_with(&self, text: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(text) => return line,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        panic!("no line with {text:?}");
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The address a banner line ends with, before any "(…)".
fn address(banner: &str) -> String {
    banner
        .split_whitespace()
        .find(|w| w.parse::<std::net::SocketAddr>().is_ok())
        .unwrap_or_else(|| panic!("no address in {banner:?}"))
        .to_owned()
}

/// The SHA-256 fingerprint of a PEM certificate file, as partners write it.
fn fingerprint(path: &Path) -> String {
    let cert = CertificateDer::from_pem_file(path).expect("a PEM certificate");
    ring::digest::digest(&ring::digest::SHA256, cert.as_ref())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn results_travel_over_mutual_tls_and_strangers_are_refused() {
    let dir = tempfile::tempdir().expect("test setup");
    let dir = dir.path();
    let made = Command::new(env!("CARGO_BIN_EXE_secure-lab-certs"))
        .current_dir(dir)
        .output()
        .expect("the certificate maker runs");
    assert!(made.status.success(), "{made:?}");

    let ehr = Running::start(Command::new(BIN).current_dir(dir).args([
        "sink",
        "--port",
        "0",
        "--tls-cert",
        "tls/ehr.pem",
        "--tls-key",
        "tls/ehr-key.pem",
        "--tls-client-ca",
        "tls/ca.pem",
    ]));
    let ehr_addr = address(&ehr.line_with("sink listening on"));
    let ehr_port = ehr_addr.rsplit_once(':').expect("host:port").1;

    // The declared certificate files (tls/…, relative to the folder), the EHR on the sink's
    // port, and a port of the engine's choosing.
    std::fs::create_dir(dir.join("environments")).expect("test setup");
    std::fs::write(
        dir.join("environments/test.toml"),
        format!(
            "[inbound.IB_Lab_ORU]\nbind = \"127.0.0.1\"\nport = 0\n\n\
             [outbound.OB_EHR_ORU]\nhost = \"127.0.0.1\"\nport = {ehr_port}\n"
        ),
    )
    .expect("test setup");

    let check = run(dir, &["check", "--env", "test"]);
    let out = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{out}");
    let engine = fingerprint(&dir.join("tls/engine.pem"));
    let ca = fingerprint(&dir.join("tls/ca.pem"));
    let client = fingerprint(&dir.join("tls/engine-client.pem"));
    for line in [
        format!("inbound IB_Lab_ORU: TLS certificate tls/engine.pem (SHA-256 {engine})"),
        format!(
            "inbound IB_Lab_ORU: client certificates must be signed by tls/ca.pem (SHA-256 {ca})"
        ),
        format!("outbound OB_EHR_ORU: trusts CA tls/ca.pem (SHA-256 {ca})"),
        format!("outbound OB_EHR_ORU: client certificate tls/engine-client.pem (SHA-256 {client})"),
        format!("outbound OB_EHR_ORU: 127.0.0.1:{ehr_port} reachable, TLS handshake done"),
    ] {
        assert!(out.contains(&line), "no {line:?} in:\n{out}");
    }

    let serve = Running::start(
        Command::new(BIN)
            .current_dir(dir)
            .args(["serve", "--env", "test", "--db", "lab.redb"]),
    );
    let engine_addr = address(&serve.line_with("MLLP listening on"));

    let lab = |extra: &[&str]| {
        let mut args = vec!["send", &engine_addr, SAMPLE, "--timeout", "10s"];
        args.extend_from_slice(extra);
        run(dir, &args)
    };
    let trusted = ["--tls-ca", "tls/ca.pem", "--tls-server-name", "localhost"];
    let with_certificate = lab(&[
        &trusted[..],
        &["--tls-cert", "tls/lab.pem", "--tls-key", "tls/lab-key.pem"],
    ]
    .concat());
    let said = String::from_utf8_lossy(&with_certificate.stdout);
    assert!(with_certificate.status.success(), "{said}");
    assert!(said.contains("SEC000001 -> AA SEC000001"), "{said}");
    ehr.line_with("ORU^R01^ORU_R01 SEC000001");

    // The engine's certificate pinned instead of trusted through the CA: the same answer.
    let pinned = lab(&[
        "--tls-fingerprint",
        &engine,
        "--tls-cert",
        "tls/lab.pem",
        "--tls-key",
        "tls/lab-key.pem",
    ]);
    assert!(pinned.status.success(), "{pinned:?}");

    let without_certificate = lab(&trusted);
    assert!(!without_certificate.status.success());
    let plaintext = lab(&[]);
    assert!(!plaintext.status.success());
    let stored = run(dir, &["messages", "--db", "lab.redb", "list"]);
    let listed = String::from_utf8_lossy(&stored.stdout);
    assert_eq!(listed.matches("SEC000001").count(), 2, "{listed}");
}
