//! The bridge run as a user runs it: the binary, an environment file, folders and an MLLP
//! downstream this test holds. Files in, messages out over MLLP; MLLP in, files out; a file
//! that is not HL7; a kill in the middle of a large file; a folder that is away.

#![cfg(unix)]

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

const BATCH: &str = include_str!("../samples/results_batch.hl7");

mod common;
use common::{PATIENCE, Serving, wait_for};

/// Writes the environment file and starts `serve` in `dir`.
fn serve(dir: &Path, ehr_port: u16) -> Serving {
    let env = dir.join("environments");
    std::fs::create_dir_all(&env).expect("test folder");
    std::fs::write(
        env.join("t.toml"),
        format!(
            "[inbound.IB_LAB_FILES]\nsettle = \"100ms\"\npoll = \"100ms\"\n\
             [outbound.OB_EHR]\nport = {ehr_port}\nbackoff = \"100ms\"\nmax_backoff = \"500ms\"\n\
             [inbound.IB_EHR_ORDERS]\nbind = \"127.0.0.1\"\nport = 0\n\
             [outbound.OB_ORDER_FILES]\nbackoff = \"100ms\"\nmax_backoff = \"300ms\"\n"
        ),
    )
    .expect("environment file");
    common::start(dir)
}

/// Reads one MLLP frame's content.
fn read_frame(stream: &mut TcpStream) -> Option<String> {
    let mut frame = Vec::new();
    let mut byte = [0u8];
    loop {
        stream.read_exact(&mut byte).ok()?;
        match byte[0] {
            0x0B => frame.clear(),
            0x1C => {
                stream.read_exact(&mut byte).ok()?;
                return Some(String::from_utf8_lossy(&frame).into_owned());
            }
            b => frame.push(b),
        }
    }
}

fn write_frame(stream: &mut TcpStream, text: &str) {
    let mut frame = vec![0x0B];
    frame.extend_from_slice(text.as_bytes());
    frame.extend_from_slice(&[0x1C, 0x0D]);
    stream.write_all(&frame).expect("write a frame");
}

/// MSH-10 of an ER7 message.
fn control_id(er7: &str) -> String {
    er7.split('|').nth(9).unwrap_or("").to_owned()
}

/// An EHR that acknowledges every message and hands on its control ID.
fn ehr() -> (u16, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("an EHR of the test's");
    let port = listener.local_addr().expect("its address").port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let tx = tx.clone();
            std::thread::spawn(move || {
                while let Some(msg) = read_frame(&mut stream) {
                    let id = control_id(&msg);
                    write_frame(
                        &mut stream,
                        &format!("MSH|^~\\&|EHR|GH|||||ACK|A{id}|P|2.5.1\rMSA|AA|{id}\r"),
                    );
                    if tx.send(id).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, rx)
}

/// Writes a file into a folder as a careful writer does: under a hidden name, renamed in.
fn drop_file(folder: &Path, name: &str, content: &[u8]) {
    let hidden = folder.join(format!(".{name}.part"));
    std::fs::write(&hidden, content).expect("write the file");
    std::fs::rename(hidden, folder.join(name)).expect("rename it in");
}

fn folders(dir: &Path) -> (PathBuf, PathBuf) {
    let inbox = dir.join("inbox");
    let outbox = dir.join("outbox");
    std::fs::create_dir_all(&inbox).expect("inbox");
    std::fs::create_dir_all(&outbox).expect("outbox");
    (inbox, outbox)
}

fn order(id: &str) -> String {
    format!("MSH|^~\\&|EHR|GH|LIS|GH|20240101||ORM^O01|{id}|P|2.5.1\rPID|1||100001^^^GH\r")
}

/// Sends orders to the bridge and checks each is acknowledged AA.
fn send_orders(serving: &Serving, ids: &[&str]) {
    let mut peer = TcpStream::connect(&serving.orders).expect("connect to the bridge");
    for id in ids {
        write_frame(&mut peer, &order(id));
        let ack = read_frame(&mut peer).expect("an ACK");
        assert!(ack.contains(&format!("MSA|AA|{id}")), "{ack}");
    }
}

#[test]
fn files_reach_the_ehr_and_orders_become_files() {
    let dir = tempfile::tempdir().expect("test folder");
    let (inbox, outbox) = folders(dir.path());
    let (port, received) = ehr();
    let serving = serve(dir.path(), port);
    drop_file(&inbox, "results.hl7", BATCH.as_bytes());
    // A file of another name is not picked up.
    drop_file(&inbox, "notes.txt", b"not for the bridge");
    for expected in ["RES1", "RES2"] {
        assert_eq!(
            received.recv_timeout(PATIENCE).expect("a delivery"),
            expected
        );
    }
    wait_for("the file moved to done/", || {
        inbox.join("done/results.hl7").exists() && !inbox.join("results.hl7").exists()
    });
    assert!(inbox.join("notes.txt").exists());

    send_orders(&serving, &["ORD1", "ORD2"]);
    for id in ["ORD1", "ORD2"] {
        let file = outbox.join(format!("{id}.hl7"));
        wait_for("the order's file", || file.exists());
        assert_eq!(std::fs::read_to_string(&file).expect("the file"), order(id));
    }
    // Only the orders' files: no temporary file is left behind.
    let names: HashSet<String> = std::fs::read_dir(&outbox)
        .expect("outbox")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, HashSet::from(["ORD1.hl7".into(), "ORD2.hl7".into()]));
}

#[test]
fn a_file_that_is_not_hl7_goes_to_the_error_folder_with_its_reason() {
    let dir = tempfile::tempdir().expect("test folder");
    let (inbox, _) = folders(dir.path());
    let (port, received) = ehr();
    let _serving = serve(dir.path(), port);
    // A good message, then a segment outside any message: the whole file is refused.
    let broken = "MSH|^~\\&|LIS|REFLAB|EHR|GH|20240101||ORU^R01|GOOD1|P|2.5.1\rPID|1||100001^^^GH||DOE^JANE\rBTS|1\rPID|2||100002^^^GH||ROE^RICHARD\r";
    drop_file(&inbox, "broken.hl7", broken.as_bytes());
    let reason = inbox.join("error/broken.hl7.reason");
    wait_for("the file in the error folder", || {
        inbox.join("error/broken.hl7").exists() && reason.exists()
    });
    assert!(!inbox.join("broken.hl7").exists());
    let reason = std::fs::read_to_string(reason).expect("the reason");
    assert_eq!(
        reason,
        "broken.hl7: a segment outside any message (an MSH was expected) (at byte 94)\n"
    );
    // Nothing of it was stored or sent; a good file after it goes through.
    drop_file(&inbox, "good.hl7", BATCH.as_bytes());
    assert_eq!(received.recv_timeout(PATIENCE).expect("a delivery"), "RES1");
}

/// The inbound's stored message count, from `/metrics`.
fn received_count(admin: &str) -> Option<u64> {
    common::metric(
        admin,
        "messagefoundry_inbound_messages_received_total{inbound=\"IB_LAB_FILES\"}",
    )
}

#[test]
fn killed_in_the_middle_of_a_large_file_nothing_is_lost_or_stored_twice() {
    const MESSAGES: usize = 20_000;
    let dir = tempfile::tempdir().expect("test folder");
    let (inbox, _) = folders(dir.path());
    let (port, received) = ehr();
    let ids: Vec<String> = (1..=MESSAGES).map(|n| format!("BIG{n:06}")).collect();
    let content: String = ids
        .iter()
        .map(|id| format!("MSH|^~\\&|LIS|REFLAB|EHR|GH|20240101||ORU^R01|{id}|P|2.5.1\rPID|1||1^^^GH\rOBX|1|NM|GLU||5.4\r"))
        .collect();
    let mut serving = serve(dir.path(), port);
    drop_file(&inbox, "big.hl7", content.as_bytes());
    // SIGKILL once some, not all, of the file's messages are stored.
    let mut at_kill = 0;
    wait_for("part of the file stored", || {
        at_kill = received_count(&serving.admin).unwrap_or(0);
        at_kill > 0
    });
    serving.child.kill().expect("SIGKILL");
    serving.child.wait().expect("killed");
    assert!(
        (at_kill as usize) < MESSAGES && inbox.join("big.hl7").exists(),
        "the kill came after the whole file was stored ({at_kill} messages): nothing was checked"
    );
    eprintln!("killed with {at_kill} of {MESSAGES} messages stored");
    let serving = serve(dir.path(), port);
    wait_for("the file moved to done/", || {
        inbox.join("done/big.hl7").exists()
    });
    let mut seen = HashSet::new();
    while seen.len() < MESSAGES {
        seen.insert(
            received
                .recv_timeout(PATIENCE)
                .expect("every message delivered"),
        );
    }
    assert_eq!(seen, ids.iter().cloned().collect::<HashSet<_>>());
    drop(serving);
    // The store holds each message of the file exactly once.
    let listed = Command::new(env!("CARGO_BIN_EXE_file-bridge"))
        .args([
            "messages",
            "search",
            "--db",
            "bridge.redb",
            "--inbound",
            "IB_LAB_FILES",
        ])
        .args(["--limit", "100000"])
        .current_dir(dir.path())
        .output()
        .expect("messages list runs");
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let listed = String::from_utf8_lossy(&listed.stdout);
    let stored: Vec<&str> = listed
        .split_whitespace()
        .filter(|w| w.starts_with("BIG"))
        .collect();
    let distinct: HashSet<&str> = stored.iter().copied().collect();
    assert_eq!((stored.len(), distinct.len()), (MESSAGES, MESSAGES));
}

#[test]
fn an_outbox_that_is_away_holds_the_orders_until_it_is_back() {
    let dir = tempfile::tempdir().expect("test folder");
    let (_, outbox) = folders(dir.path());
    std::fs::remove_dir(&outbox).expect("the outbox is away");
    let (port, _received) = ehr();
    let serving = serve(dir.path(), port);
    // Stored and acknowledged while the folder is away; written once it is back.
    send_orders(&serving, &["AWAY1", "AWAY2", "AWAY3"]);
    std::thread::sleep(Duration::from_millis(700));
    assert!(!outbox.exists());
    std::fs::create_dir(&outbox).expect("the outbox is back");
    for id in ["AWAY1", "AWAY2", "AWAY3"] {
        let file = outbox.join(format!("{id}.hl7"));
        wait_for("the order's file once the folder is back", || file.exists());
        assert_eq!(std::fs::read_to_string(&file).expect("the file"), order(id));
    }
}
