//! `check`, run as the interface binary: a clean pre-flight, a missing certificate, plaintext
//! under `--require-tls`, an unreachable downstream, and a mistake in the environment file.

use std::path::Path;
use std::sync::Arc;

use messagefoundry_tests::downstream::{Downstream, Reply};
use messagefoundry_tests::ports::down_port;

/// Runs `check` with this environment file; returns the exit code and the standard output.
fn check(dir: &Path, environment: &str, extra: &[&str]) -> (Option<i32>, String) {
    let environments = dir.join("environments");
    std::fs::create_dir_all(&environments).expect("test setup");
    std::fs::write(environments.join("test.toml"), environment).expect("test setup");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_lab-serve"))
        .args(["check", "--env", "test", "--environments"])
        .arg(&environments)
        .arg("--db")
        .arg(dir.join("check.redb"))
        // An admin address no other program can hold, so the findings depend on this setup only.
        .args(["--admin", "127.0.0.1:0"])
        .args(extra)
        .output()
        .expect("the interface binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sound_setup_passes_and_says_what_it_checked() {
    let dir = tempfile::tempdir().unwrap();
    let down = Downstream::start(Arc::new(|_, _| Reply::Ack("AA"))).await;
    let environment = format!(
        "[inbound.IB_Lab_ORU]\nbind = \"127.0.0.1\"\nport = 0\n\n\
         [outbound.OB_EHR_ORU]\nhost = \"127.0.0.1\"\nport = {}\n",
        down.addr.port()
    );
    let dir_path = dir.path().to_path_buf();
    let (code, out) = tokio::task::spawn_blocking(move || check(&dir_path, &environment, &[]))
        .await
        .unwrap();
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("can be bound"), "{out}");
    assert!(
        out.contains("self-signed TLS certificate will be generated"),
        "{out}"
    );
    assert!(out.contains("OB_EHR_ORU: 127.0.0.1:"), "{out}");
    assert!(out.contains("reachable"), "{out}");
    assert!(out.ends_with("0 error(s), 0 warning(s)\n"), "{out}");
    // Nothing was created: check only looks.
    assert!(!dir.path().join("check.redb").exists());
    assert!(!dir.path().join("check-tls-cert.pem").exists());
}

#[test]
fn a_missing_certificate_and_plaintext_under_require_tls_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere.pem");
    let environment = format!(
        "[inbound.IB_Lab_ORU]\nbind = \"0.0.0.0\"\nport = 0\ntls_cert = \"{}\"\ntls_key = \"{}\"\n\n\
         [outbound.OB_EHR_ORU]\nhost = \"127.0.0.1\"\nport = {}\n",
        missing.display(),
        missing.display(),
        down_port()
    );
    let (code, out) = check(dir.path(), &environment, &["--require-tls"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(&format!("cannot read {}", missing.display())),
        "{out}"
    );
    assert!(
        out.contains("error plaintext allowed off loopback"),
        "{out}"
    );
    // The downstream is down: a warning, not an error.
    assert!(out.contains("warn  outbound OB_EHR_ORU"), "{out}");
    assert!(out.ends_with("2 error(s), 1 warning(s)\n"), "{out}");
}

#[test]
fn a_misspelled_key_is_one_error_naming_the_file_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let environment = format!(
        "[inbound.IB_Lab_ORU]\nbind = \"127.0.0.1\"\nport = 0\nidle_timout = \"5m\"\n\n\
         [outbound.OB_EHR_ORU]\nhost = \"127.0.0.1\"\nport = {}\n",
        down_port()
    );
    let (code, out) = check(dir.path(), &environment, &[]);
    assert_eq!(code, Some(1), "{out}");
    let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 1, "{out}");
    let file = dir.path().join("environments").join("test.toml");
    assert!(
        errors[0].starts_with(&format!(
            "error {}: [inbound.IB_Lab_ORU] unknown option `idle_timout`; did you mean `idle_timeout`?",
            file.display()
        )),
        "{out}"
    );
    // The outbound's settings were sound: it is still checked.
    assert!(out.contains("warn  outbound OB_EHR_ORU"), "{out}");
}

#[test]
fn certificate_expiry_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let write_cert = |name: &str, not_after: (i32, u8, u8)| {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(not_after.0, not_after.1, not_after.2);
        let cert = params.self_signed(&key).unwrap();
        let cert_path = dir.path().join(format!("{name}.pem"));
        let key_path = dir.path().join(format!("{name}-key.pem"));
        std::fs::write(&cert_path, cert.pem()).unwrap();
        std::fs::write(&key_path, key.serialize_pem()).unwrap();
        (cert_path, key_path)
    };
    let environment = |(cert, key): (std::path::PathBuf, std::path::PathBuf)| {
        format!(
            "[inbound.IB_Lab_ORU]\nbind = \"127.0.0.1\"\nport = 0\ntls_cert = \"{}\"\ntls_key = \"{}\"\nplaintext = \"refuse\"\n\n\
             [outbound.OB_EHR_ORU]\nhost = \"127.0.0.1\"\nport = {}\n",
            cert.display(),
            key.display(),
            down_port()
        )
    };
    let (code, out) = check(
        dir.path(),
        &environment(write_cert("old", (2021, 1, 1))),
        &[],
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("EXPIRED on 2021-01-01"), "{out}");
    let (code, out) = check(
        dir.path(),
        &environment(write_cert("new", (2099, 1, 1))),
        &[],
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("expires 2099-01-01"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_serve_is_recognised_and_its_queues_shown() {
    let binary = env!("CARGO_BIN_EXE_lab-serve");
    let dir = tempfile::tempdir().unwrap();
    let engine = messagefoundry_tests::process::serve(binary, dir.path(), None);
    // serve took any free port; check looks at the one it got.
    std::fs::write(
        dir.path().join("environments/test.toml"),
        format!(
            "[inbound.IB_Lab_ORU]\nbind = \"127.0.0.1\"\nport = {}\n\n\
             [outbound.OB_EHR_ORU]\nhost = \"127.0.0.1\"\nport = {}\n",
            engine.addr.port(),
            down_port()
        ),
    )
    .unwrap();
    let run = {
        let dir = dir.path().to_path_buf();
        let db = engine.db.clone();
        move || {
            std::process::Command::new(binary)
                .args(["check", "--env", "test", "--environments"])
                .arg(dir.join("environments"))
                .arg("--db")
                .arg(db)
                .output()
                .expect("the interface binary runs")
        }
    };
    let output = tokio::task::spawn_blocking(run).await.unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(out.contains("in use by a running serve"), "{out}");
    assert!(
        out.contains("ok    outbound OB_EHR_ORU  queued 0  dead letters 0"),
        "{out}"
    );
    assert!(out.contains("in use (serve runs on this store)"), "{out}");
    engine.terminate();
    let mut engine = engine;
    assert_eq!(engine.exit_status().await.code(), Some(0));
}

#[test]
fn a_pinned_fingerprint_is_shown_as_the_engine_compares_it() {
    let dir = tempfile::tempdir().unwrap();
    // Written the loose way a partner may send it: lower case, no colons, a prefix.
    let print = "sha256:".to_owned() + &"ab".repeat(32);
    let environment = format!(
        "[inbound.IB_Lab_ORU]\nbind = \"127.0.0.1\"\nport = 0\n\n\
         [outbound.OB_EHR_ORU]\nhost = \"127.0.0.1\"\nport = {}\ntls_fingerprint = \"{print}\"\n",
        down_port()
    );
    let (code, out) = check(dir.path(), &environment, &[]);
    assert_eq!(code, Some(0), "{out}");
    let shown = vec!["AB"; 32].join(":");
    assert!(
        out.contains(&format!(
            "ok    outbound OB_EHR_ORU: pinned to SHA-256 {shown}\n"
        )),
        "{out}"
    );
}
