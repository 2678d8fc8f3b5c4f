//! SFTP connections end to end: the interface binary (`sftp-serve`) in a process of its own,
//! against Debian's OpenSSH server each test starts on a loopback port ([`Sshd`]). Result files
//! on the server reach an MLLP downstream; orders received over MLLP become files on the
//! server; a file that is not HL7 goes to the error folder with its reason; a SIGKILL in the
//! middle of a large file loses and repeats nothing; orders queued while the server is away are
//! written, in order, once it is back; a server with another host key is refused.

#![cfg(unix)]

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use messagefoundry_tests::downstream::{Downstream, Reply};
use messagefoundry_tests::process::{Options, Served, serve_with};
use messagefoundry_tests::sshd::Sshd;
use messagefoundry_tests::{Client, PATIENCE, ack_code, oru};

const BINARY: &str = env!("CARGO_BIN_EXE_sftp-serve");

/// The fingerprint of no key the tests make (SHA-256 of nothing).
const OTHER_PIN: &str = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";

/// The environment file: both SFTP connections on `sshd` with `pin`, the EHR on `ehr_port`.
fn environment(sshd: &Sshd, pin: &str, ehr_port: u16) -> String {
    let server = format!(
        "port = {}\nhost_key = \"{pin}\"\nkey = \"{}\"\n",
        sshd.port,
        sshd.client_key.display()
    );
    let (inbox, outbox) = (sshd.root.join("inbox"), sshd.root.join("outbox"));
    format!(
        "[inbound.IB_Lab_Sftp]\n{server}dir = \"{}\"\nsettle = \"100ms\"\npoll = \"100ms\"\n\n\
         [outbound.OB_EHR]\nport = {ehr_port}\nbackoff = \"100ms\"\nmax_backoff = \"500ms\"\n\n\
         [inbound.IB_Orders]\nbind = \"127.0.0.1\"\nport = 0\n\n\
         [outbound.OB_Order_Files]\n{server}dir = \"{}\"\nbackoff = \"100ms\"\nmax_backoff = \"500ms\"\n",
        inbox.display(),
        outbox.display()
    )
}

/// The server's folders, made on its disk.
fn folders(sshd: &Sshd) -> (PathBuf, PathBuf) {
    let (inbox, outbox) = (sshd.root.join("inbox"), sshd.root.join("outbox"));
    for folder in [&inbox, &outbox] {
        std::fs::create_dir_all(folder).expect("test setup: a folder on the server");
    }
    (inbox, outbox)
}

/// Starts the interface in `dir`, its log in `dir/serve.log`.
fn start(dir: &Path, sshd: &Sshd, pin: &str, ehr_port: u16) -> Served {
    let log = std::fs::File::create(dir.join("serve.log")).expect("test setup: the log");
    serve_with(
        BINARY,
        dir,
        Options {
            environment: Some(&environment(sshd, pin, ehr_port)),
            stderr: Stdio::from(log),
            ..Options::default()
        },
    )
}

/// An EHR that answers AA to everything.
async fn ehr() -> Downstream {
    Downstream::start(Arc::new(|_, _| Reply::Ack("AA"))).await
}

/// Waits until `done` holds, failing after the test's patience (a few times over: the machine
/// may be busy with other builds).
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE * 6;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Puts a file in a folder on the server's disk as a careful writer does: under a hidden
/// name, renamed in.
fn drop_file(folder: &Path, name: &str, content: &[u8]) {
    let hidden = folder.join(format!(".{name}.part"));
    std::fs::write(&hidden, content).expect("write the file");
    std::fs::rename(hidden, folder.join(name)).expect("rename it in");
}

fn order(id: &str) -> Vec<u8> {
    format!("MSH|^~\\&|EHR|GH|LIS|GH|20240101||ORM^O01|{id}|P|2.5.1\rPID|1||100001^^^GH\r")
        .into_bytes()
}

/// Sends orders over MLLP; each must be acknowledged AA (stored).
async fn send_orders(served: &Served, ids: &[&str]) {
    let mut client = Client::connect(served.addr).await.expect("connect");
    for id in ids {
        let ack = client
            .exchange(&order(id))
            .await
            .expect("send")
            .expect("an ACK");
        assert_eq!(ack_code(&ack), "AA", "{id}");
    }
}

/// The names in a folder on the server's disk, hidden ones too.
fn names(folder: &Path) -> HashSet<String> {
    std::fs::read_dir(folder)
        .expect("the folder")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

/// Runs the binary with `args` in `dir`; its exit code and standard output.
fn run(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(BINARY)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the interface binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// `check` with the environment `serve` was given.
fn check(dir: &Path) -> (Option<i32>, String) {
    let environments = dir.join("environments");
    let environments = environments.to_str().expect("a UTF-8 path");
    run(
        dir,
        &[
            "check",
            "--env",
            "test",
            "--environments",
            environments,
            "--db",
            "check.redb",
            "--admin",
            "127.0.0.1:0",
        ],
    )
}

/// A counter of the metrics page, by its name and labels.
async fn metric(admin: std::net::SocketAddr, series: &str) -> Option<u64> {
    let page = messagefoundry_tests::http::get(admin, "/metrics")
        .await
        .body;
    page.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
}

/// Waits until a counter of the metrics page reads `expected`, failing after the test's
/// patience with the last value read.
async fn metric_reaches(admin: std::net::SocketAddr, series: &str, expected: u64) {
    let deadline = Instant::now() + PATIENCE * 6;
    loop {
        let read = metric(admin, series).await;
        if read == Some(expected) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{series} read {read:?}, not {expected}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_on_the_server_reach_the_ehr_and_orders_become_files_on_it() {
    let (sshd_dir, dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let sshd = Sshd::start(sshd_dir.path());
    let (inbox, outbox) = folders(&sshd);
    let ehr = ehr().await;
    let served = start(dir.path(), &sshd, &sshd.host_key, ehr.addr.port());

    let batch = [oru("R1", "F"), oru("R2", "F"), oru("R3", "F")].concat();
    drop_file(&inbox, "results.hl7", &batch);
    // A file of another name is not picked up.
    drop_file(&inbox, "notes.txt", b"not for the interface");
    until("the EHR receives the file's messages", || {
        ehr.control_ids() == ["R1", "R2", "R3"]
    })
    .await;
    until("the file moved to done/ on the server", || {
        inbox.join("done/results.hl7").exists() && !inbox.join("results.hl7").exists()
    })
    .await;
    assert_eq!(
        std::fs::read(inbox.join("done/results.hl7")).unwrap(),
        batch
    );
    assert!(inbox.join("notes.txt").exists());

    send_orders(&served, &["ORD1", "ORD2"]).await;
    for id in ["ORD1", "ORD2"] {
        let file = outbox.join(format!("{id}.hl7"));
        until("the order's file on the server", || file.exists()).await;
        assert_eq!(std::fs::read(&file).unwrap(), order(id));
    }
    // Only the orders' files: no temporary file is left behind.
    assert_eq!(
        names(&outbox),
        HashSet::from(["ORD1.hl7".into(), "ORD2.hl7".into()])
    );

    // The metrics, `messages` and `check` know the SFTP connections.
    let received = "messagefoundry_inbound_messages_received_total{inbound=\"IB_Lab_Sftp\"}";
    metric_reaches(served.admin, received, 3).await;
    // The file is on the server a moment before its delivery is recorded and counted.
    let sent = "messagefoundry_outbound_messages_sent_total{outbound=\"OB_Order_Files\"}";
    metric_reaches(served.admin, sent, 2).await;
    let (_, queues) = served.messages(BINARY, &["queues"]);
    assert!(queues.contains("OB_Order_Files"), "{queues}");
    let (code, found) = check(dir.path());
    assert_eq!(code, Some(0), "{found}");
    let pinned = format!("is writable (host key {} verified)", sshd.host_key);
    for connection in ["inbound IB_Lab_Sftp", "outbound OB_Order_Files"] {
        let line = found
            .lines()
            .find(|l| l.contains(connection))
            .unwrap_or_else(|| panic!("no line for {connection}: {found}"));
        assert!(line.starts_with("ok") && line.ends_with(&pinned), "{line}");
    }
    // `check`'s probe file is gone.
    assert_eq!(names(&outbox).len(), 2);
    let (_, graph) = run(dir.path(), &["graph"]);
    assert!(
        graph.contains("inbound  IB_Lab_Sftp  sftp root@127.0.0.1:22 (host key SHA256:"),
        "{graph}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_is_not_hl7_goes_to_the_error_folder_with_its_reason() {
    let (sshd_dir, dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let sshd = Sshd::start(sshd_dir.path());
    let (inbox, _) = folders(&sshd);
    let ehr = ehr().await;
    let _served = start(dir.path(), &sshd, &sshd.host_key, ehr.addr.port());
    drop_file(&inbox, "broken.hl7", b"this is not HL7\r\n");
    let reason = inbox.join("error/broken.hl7.reason");
    until("the file in the error folder, with its reason", || {
        inbox.join("error/broken.hl7").exists() && reason.exists()
    })
    .await;
    assert!(!inbox.join("broken.hl7").exists());
    let reason = std::fs::read_to_string(reason).unwrap();
    assert!(reason.starts_with("broken.hl7: "), "{reason}");
    assert!(
        !reason.contains("this is not"),
        "content in the reason: {reason}"
    );
    // Nothing of it was sent; a good file after it goes through.
    drop_file(&inbox, "good.hl7", &oru("GOOD1", "F"));
    until("the good file's message", || ehr.control_ids() == ["GOOD1"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_in_the_middle_of_a_large_file_nothing_is_lost_or_stored_twice() {
    const MESSAGES: usize = 5_000;
    let (sshd_dir, dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let sshd = Sshd::start(sshd_dir.path());
    let (inbox, _) = folders(&sshd);
    let ehr = ehr().await;
    let ids: Vec<String> = (1..=MESSAGES).map(|n| format!("BIG{n:06}")).collect();
    let content: Vec<u8> = ids.iter().flat_map(|id| oru(id, "F")).collect();
    let mut served = start(dir.path(), &sshd, &sshd.host_key, ehr.addr.port());
    drop_file(&inbox, "big.hl7", &content);
    // SIGKILL once some, not all, of the file's messages are stored.
    let series = "messagefoundry_inbound_messages_received_total{inbound=\"IB_Lab_Sftp\"}";
    let deadline = Instant::now() + PATIENCE * 6;
    let at_kill = loop {
        let stored = metric(served.admin, series).await.unwrap_or(0);
        if stored > 0 {
            break stored;
        }
        assert!(Instant::now() < deadline, "nothing of the file was stored");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    served.child.kill().expect("SIGKILL");
    served.child.wait().expect("killed");
    assert!(
        (at_kill as usize) < MESSAGES && inbox.join("big.hl7").exists(),
        "the kill came after the whole file was stored ({at_kill} messages): nothing was checked"
    );
    eprintln!("killed with {at_kill} of {MESSAGES} messages stored");
    let served = start(dir.path(), &sshd, &sshd.host_key, ehr.addr.port());
    until("the file moved to done/", || {
        inbox.join("done/big.hl7").exists()
    })
    .await;
    until("every message delivered", || {
        ehr.control_ids().into_iter().collect::<HashSet<_>>().len() == MESSAGES
    })
    .await;
    assert_eq!(
        ehr.control_ids().into_iter().collect::<HashSet<_>>(),
        ids.iter().cloned().collect::<HashSet<_>>()
    );
    // The store holds each message of the file exactly once.
    let (code, listed) = served.messages(
        BINARY,
        &["search", "--inbound", "IB_Lab_Sftp", "--limit", "100000"],
    );
    assert_eq!(code, Some(0), "{listed}");
    let stored: Vec<&str> = listed
        .split_whitespace()
        .filter(|w| w.starts_with("BIG"))
        .collect();
    let distinct: HashSet<&str> = stored.iter().copied().collect();
    assert_eq!((stored.len(), distinct.len()), (MESSAGES, MESSAGES));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_queued_while_the_server_is_away_are_written_in_order_once_it_is_back() {
    let (sshd_dir, dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut sshd = Sshd::start(sshd_dir.path());
    let (_, outbox) = folders(&sshd);
    let ehr = ehr().await;
    let served = start(dir.path(), &sshd, &sshd.host_key, ehr.addr.port());
    // A first order, so the outbound holds a connection the server's death breaks.
    send_orders(&served, &["FIRST"]).await;
    let first = outbox.join("FIRST.hl7");
    until("the first order's file", || first.exists()).await;

    sshd.kill();
    let ids = ["AWAY1", "AWAY2", "AWAY3", "AWAY4", "AWAY5"];
    // Stored and acknowledged while the server is away.
    send_orders(&served, &ids).await;
    let log = dir.path().join("serve.log");
    until("the outbound notices the server is away", || {
        std::fs::read_to_string(&log).is_ok_and(|l| l.contains("cannot write to"))
    })
    .await;
    assert_eq!(names(&outbox).len(), 1);
    sshd.restart();
    let files: Vec<PathBuf> = ids
        .iter()
        .map(|id| outbox.join(format!("{id}.hl7")))
        .collect();
    until("every order's file once the server is back", || {
        files.iter().all(|f| f.exists())
    })
    .await;
    for (id, file) in ids.iter().zip(&files) {
        assert_eq!(std::fs::read(file).unwrap(), order(id));
    }
    // Written in the order they were queued: each after the one before.
    let written: Vec<_> = files
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().modified().unwrap())
        .collect();
    assert!(written.windows(2).all(|w| w[0] < w[1]), "{written:?}");
    let left = names(&outbox);
    assert_eq!(
        left.len(),
        1 + ids.len(),
        "no temporary file left: {left:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_with_another_host_key_is_refused_with_a_clear_error() {
    let (sshd_dir, dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let sshd = Sshd::start(sshd_dir.path());
    let (inbox, _) = folders(&sshd);
    let ehr = ehr().await;
    let _served = start(dir.path(), &sshd, OTHER_PIN, ehr.addr.port());
    drop_file(&inbox, "results.hl7", &oru("R1", "F"));
    let refusal = format!(
        "shows the host key {}, but {OTHER_PIN} is pinned: refusing to connect",
        sshd.host_key
    );
    let log = dir.path().join("serve.log");
    until("serve logs the refusal", || {
        std::fs::read_to_string(&log).is_ok_and(|l| l.contains(&refusal))
    })
    .await;
    let (code, found) = check(dir.path());
    assert_eq!(code, Some(1), "{found}");
    for connection in ["inbound IB_Lab_Sftp", "outbound OB_Order_Files"] {
        assert!(
            found
                .lines()
                .any(|l| l.starts_with("error") && l.contains(connection) && l.contains(&refusal)),
            "{found}"
        );
    }
    // Nothing was read from the server nor handed to it: no login, the file where it was.
    assert_eq!(sshd.logins(), 0, "{}", sshd.log());
    assert!(inbox.join("results.hl7").exists());
    assert!(ehr.control_ids().is_empty());
}
