//! The order files as batch files, set by an environment file (`batch`, `batch_wait` and a
//! batch's name under `[outbound.OB_ORDER_FILES]`), run with the real binary: orders sent over
//! MLLP with its `send` command end up in files of at most `batch` messages, in order, which
//! this crate's batch reader and python-hl7 both read with the right counts; a partial batch
//! is written when its wait is over and at shutdown; a SIGKILL while files are written loses
//! and repeats nothing; an outbox that is away holds the batches until it is back.

#![cfg(unix)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use messagefoundry::hl7::batch;

mod common;
use common::{PATIENCE, Serving, wait_for};

/// Starts `serve` in `dir`, the order files in batches of `size` written after `wait`.
/// `ehr` is a port the test holds open: nothing is sent to it.
fn serve(dir: &Path, ehr: &TcpListener, size: usize, wait: &str) -> Serving {
    let env = dir.join("environments");
    std::fs::create_dir_all(&env).expect("test folder");
    std::fs::create_dir_all(dir.join("inbox")).expect("inbox");
    let ehr_port = ehr.local_addr().expect("its address").port();
    std::fs::write(
        env.join("t.toml"),
        format!(
            "[outbound.OB_EHR]\nport = {ehr_port}\n\
             [inbound.IB_EHR_ORDERS]\nbind = \"127.0.0.1\"\nport = 0\nduplicate_window = \"1h\"\n\
             [outbound.OB_ORDER_FILES]\nname = \"orders_{{seq}}.hl7\"\nbatch = {size}\n\
             batch_wait = \"{wait}\"\nbackoff = \"100ms\"\nmax_backoff = \"300ms\"\n"
        ),
    )
    .expect("environment file");
    common::start(dir)
}

/// `count` orders, one after the other in one file, with control IDs `<prefix><n>`.
fn orders(dir: &Path, prefix: &str, count: usize) -> (PathBuf, Vec<String>) {
    let ids: Vec<String> = (1..=count).map(|n| format!("{prefix}{n:05}")).collect();
    let content: String = ids
        .iter()
        .map(|id| {
            format!("MSH|^~\\&|EHR|GH|LIS|GH|20240101||ORM^O01|{id}|P|2.5.1\rPID|1||100001^^^GH\r")
        })
        .collect();
    let file = dir.join(format!("{prefix}.hl7"));
    std::fs::write(&file, content).expect("the orders file");
    (file, ids)
}

/// Sends a file of orders with the binary's `send`; whether every one was answered AA.
fn send(serving: &Serving, file: &Path) -> bool {
    Command::new(env!("CARGO_BIN_EXE_file-bridge"))
        .args(["send", &serving.orders, "--quiet"])
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("send runs")
        .success()
}

/// The order files' queue depth, from `/metrics`.
fn queued(admin: &str) -> Option<u64> {
    common::metric(
        admin,
        "messagefoundry_outbound_queued_messages{outbound=\"OB_ORDER_FILES\"}",
    )
}

/// The batch files of the outbox, in the order of the queue places in their names; a
/// temporary file being written is not one.
fn batch_files(outbox: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(outbox) else {
        return Vec::new();
    };
    let mut files: Vec<(u64, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let seq = name.strip_prefix("orders_")?.strip_suffix(".hl7")?;
            Some((seq.parse().ok()?, e.path()))
        })
        .collect();
    files.sort();
    files.into_iter().map(|(_, path)| path).collect()
}

/// The control IDs of each file, read by this crate's batch reader, which checks BTS-1 and
/// FTS-1; each file is one FHS/BHS batch.
fn read_files(files: &[PathBuf]) -> Vec<Vec<String>> {
    files
        .iter()
        .map(|path| {
            let content = std::fs::read(path).expect("a batch file");
            let split = batch::split(&content).expect("a batch file with the right counts");
            assert!(split.file_header().is_some() && split.file_trailer().is_some());
            assert_eq!(split.groups().len(), 1, "{}", path.display());
            let bts = split.groups()[0].trailer().expect("a BTS").count();
            assert_eq!(bts, Ok(Some(split.message_count())));
            split
                .messages()
                .map(|m| m.parse().expect("a message").control_id().to_string())
                .collect()
        })
        .collect()
}

/// The same files read by python-hl7: the same messages, and FTS-1 and BTS-1 as counted.
/// Skipped (saying how to install it) where python-hl7 is not installed, but under CI.
fn python_reads(files: &[PathBuf], expected: &[Vec<String>]) {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let import = Command::new(&python).args(["-c", "import hl7"]).output();
    if !import.is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var_os("CI").is_none(),
            "python-hl7 is not installed under CI: .ci/run installs it"
        );
        eprintln!("skipped: python-hl7 is not installed (python3 -m pip install hl7==0.4.5)");
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/read_batches.py");
    let out = Command::new(&python)
        .arg(script)
        .args(files)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut want = String::new();
    for ids in expected {
        want.push_str(&format!("FILE 1 1\nBATCH {} {}\n", ids.len(), ids.len()));
        for id in ids {
            want.push_str(&format!("MSG {id}\n"));
        }
    }
    assert_eq!(String::from_utf8_lossy(&out.stdout), want);
}

/// Stops `serve` as an operator does, with SIGTERM, and waits for it to exit.
fn stop(mut serving: Serving) {
    let pid = serving.child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status();
    assert!(sent.is_ok_and(|s| s.success()), "SIGTERM sent");
    let deadline = Instant::now() + PATIENCE;
    while serving.child.try_wait().expect("serve's state").is_none() {
        assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn orders_become_batch_files_that_both_readers_count_and_shutdown_writes_the_rest() {
    let dir = tempfile::tempdir().expect("test folder");
    let outbox = dir.path().join("outbox");
    std::fs::create_dir(&outbox).expect("outbox");
    let ehr = TcpListener::bind("127.0.0.1:0").expect("a port of the test's");
    let serving = serve(dir.path(), &ehr, 4, "1h");
    let (file, ids) = orders(dir.path(), "ORD", 10);
    assert!(send(&serving, &file));
    // Two full files at once; the last two orders wait for more, then for shutdown.
    wait_for("two full batch files, two orders queued", || {
        batch_files(&outbox).len() == 2 && queued(&serving.admin) == Some(2)
    });
    stop(serving);
    let files = batch_files(&outbox);
    assert_eq!(files.len(), 10_usize.div_ceil(4));
    let read = read_files(&files);
    let expected: Vec<Vec<String>> = ids.chunks(4).map(<[String]>::to_vec).collect();
    assert_eq!(read, expected);
    python_reads(&files, &expected);
    // Nothing else is left in the folder: no temporary file.
    let all: Vec<String> = std::fs::read_dir(&outbox)
        .expect("outbox")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(all.len(), files.len(), "{all:?}");
}

#[test]
fn a_partial_batch_is_written_when_its_wait_is_over() {
    let dir = tempfile::tempdir().expect("test folder");
    let outbox = dir.path().join("outbox");
    std::fs::create_dir(&outbox).expect("outbox");
    let ehr = TcpListener::bind("127.0.0.1:0").expect("a port of the test's");
    let serving = serve(dir.path(), &ehr, 100, "300ms");
    let (file, ids) = orders(dir.path(), "WAIT", 3);
    assert!(send(&serving, &file));
    // However the three orders fall (one file, or more on a slow machine), each file is
    // written without its batch of 100 being full.
    wait_for("the partial batch files", || {
        read_files(&batch_files(&outbox)).concat().len() == ids.len()
    });
    assert_eq!(read_files(&batch_files(&outbox)).concat(), ids);
    drop(serving);
}

#[test]
fn killed_while_files_are_written_every_order_is_in_exactly_one_file_in_order() {
    const ORDERS: usize = 900;
    let dir = tempfile::tempdir().expect("test folder");
    let outbox = dir.path().join("outbox");
    std::fs::create_dir(&outbox).expect("outbox");
    let ehr = TcpListener::bind("127.0.0.1:0").expect("a port of the test's");
    let (file, ids) = orders(dir.path(), "KILL", ORDERS);
    let mut serving = serve(dir.path(), &ehr, 3, "1h");
    let sending = {
        let orders = serving.orders.clone();
        let file = file.clone();
        std::thread::spawn(move || {
            Command::new(env!("CARGO_BIN_EXE_file-bridge"))
                .args(["send", &orders, "--quiet"])
                .arg(file)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
        })
    };
    wait_for("some batch files", || batch_files(&outbox).len() >= 5);
    serving.child.kill().expect("SIGKILL");
    serving.child.wait().expect("killed");
    let at_kill = batch_files(&outbox).len();
    assert!(
        at_kill < ORDERS / 3,
        "every file was written before the kill ({at_kill}): nothing was checked"
    );
    eprintln!("killed with {at_kill} of {} files written", ORDERS / 3);
    let _ = sending.join();
    // Restarted, the orders are sent again: those stored before the kill are answered as
    // duplicates and not queued again; the rest are queued in their order.
    let serving = serve(dir.path(), &ehr, 3, "1h");
    assert!(send(&serving, &file));
    wait_for("every order in a file", || {
        batch_files(&outbox).len() == ORDERS / 3
    });
    let files = batch_files(&outbox);
    let read = read_files(&files);
    assert!(read.iter().all(|ids| ids.len() == 3));
    let written: Vec<String> = read.into_iter().flatten().collect();
    assert_eq!(written, ids, "each order once, in the order sent");
    drop(serving);
}

#[test]
fn an_outbox_that_is_away_holds_the_batches_until_it_is_back() {
    let dir = tempfile::tempdir().expect("test folder");
    let outbox = dir.path().join("outbox");
    let ehr = TcpListener::bind("127.0.0.1:0").expect("a port of the test's");
    let serving = serve(dir.path(), &ehr, 3, "1h");
    let (file, ids) = orders(dir.path(), "AWAY", 6);
    // Stored and acknowledged while the folder is away; written once it is back.
    assert!(send(&serving, &file));
    std::thread::sleep(Duration::from_millis(500));
    assert!(!outbox.exists());
    std::fs::create_dir(&outbox).expect("the outbox is back");
    wait_for("both batch files", || batch_files(&outbox).len() == 2);
    let files = batch_files(&outbox);
    let expected: Vec<Vec<String>> = ids.chunks(3).map(<[String]>::to_vec).collect();
    assert_eq!(read_files(&files), expected);
    python_reads(&files, &expected);
    drop(serving);
}
