//! `serve` follows a table file an environment names: an edit applies to the next messages
//! without a restart. Run as a user runs it: the binary, its environment file, MLLP on
//! loopback to downstreams this test holds.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

const A08: &str = include_str!("../samples/adt_a08.hl7");

/// Stops the serve it holds when the test ends, however it ends.
struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The fields of the segment `id` of an ER7 message.
fn fields<'a>(er7: &'a str, id: &str) -> Vec<&'a str> {
    er7.split(['\r', '\n'])
        .find(|s| s.starts_with(id))
        .map(|s| s.split('|').collect())
        .unwrap_or_default()
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

/// A downstream that acknowledges every message and hands on its PV1-3.1.
fn downstream(codes: mpsc::Sender<String>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a downstream of the test's");
    let port = listener.local_addr().expect("its address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let codes = codes.clone();
            std::thread::spawn(move || {
                while let Some(msg) = read_frame(&mut stream) {
                    let control = fields(&msg, "MSH").get(9).copied().unwrap_or("").to_owned();
                    let poc = fields(&msg, "PV1").get(3).copied().unwrap_or("").to_owned();
                    let point_of_care = poc.split('^').next().unwrap_or("").to_owned();
                    write_frame(
                        &mut stream,
                        &format!("MSH|^~\\&|||||||ACK|A{control}|P|2.5.1\rMSA|AA|{control}\r"),
                    );
                    if codes.send(point_of_care).is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

fn write_table(path: &std::path::Path, icu: &str, generation: u64) {
    std::fs::write(path, format!("code,downstream\nICU,{icu}\n")).expect("table file");
    // A time of its own, so the change is seen whatever the file system's clock granularity.
    std::fs::File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(generation)))
        .expect("table file time");
}

#[test]
fn an_edited_table_applies_to_the_next_messages_without_a_restart() {
    let dir = tempfile::tempdir().expect("test folder");
    let (codes_tx, codes) = mpsc::channel();
    let ehr = downstream(codes_tx.clone());
    let bed_board = downstream(codes_tx);
    let table = dir.path().join("poc.csv");
    write_table(&table, "FIRST", 1_000_000);
    std::fs::create_dir_all(dir.path().join("environments")).expect("test folder");
    std::fs::write(
        dir.path().join("environments/reload.toml"),
        format!(
            "[inbound.IB_ADT]\nbind = \"127.0.0.1\"\nport = 0\n\
             [outbound.OB_EHR_ADT]\nport = {ehr}\n[outbound.OB_BED_BOARD]\nport = {bed_board}\n\
             [tables]\npoint_of_care = \"poc.csv\"\n\
             [values]\nehr_facility = \"E\"\nbed_board_facility = \"B\"\n"
        ),
    )
    .expect("environment file");
    let mut serving = Serving(
        Command::new(env!("CARGO_BIN_EXE_adt-fanout"))
            .args(["serve", "--env", "reload", "--db", "adt.redb"])
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts"),
    );
    let banner = BufReader::new(serving.0.stdout.take().expect("its output"))
        .lines()
        .map_while(Result::ok)
        .find(|l| l.starts_with("MLLP listening on"))
        .expect("serve says where it listens");
    let address = banner
        .split(' ')
        .nth(3)
        .expect("the banner names the address")
        .to_owned();
    let mut peer = TcpStream::connect(&address).expect("connect to serve");
    let mut sent = 0;
    let mut send = |peer: &mut TcpStream| {
        sent += 1;
        write_frame(peer, &A08.replace("ADT100002", &format!("RELOAD{sent}")));
        let ack = read_frame(peer).expect("an ACK");
        assert_eq!(fields(&ack, "MSA").get(1).copied(), Some("AA"), "{ack}");
    };
    let patience = Duration::from_secs(60);
    send(&mut peer);
    for _ in 0..2 {
        assert_eq!(codes.recv_timeout(patience).expect("a delivery"), "FIRST");
    }

    write_table(&table, "SECOND", 2_000_000);
    let deadline = Instant::now() + patience;
    loop {
        send(&mut peer);
        let got = [
            codes.recv_timeout(patience).expect("a delivery"),
            codes.recv_timeout(patience).expect("a delivery"),
        ];
        if got == ["SECOND", "SECOND"] {
            break;
        }
        assert!(got.iter().all(|c| c == "FIRST" || c == "SECOND"), "{got:?}");
        assert!(Instant::now() < deadline, "the edit was not applied");
        std::thread::sleep(Duration::from_millis(500));
    }
}
