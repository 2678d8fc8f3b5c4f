use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;

use super::*;
use crate::config::FileOutSettings;
use crate::file::LocalFolder;
use crate::interface::FileOut;
use crate::store::Store;
use crate::store::test_messages::receive_routed;

const OB: &str = "OB_BATCHES";

/// A batch writer of at most `size` messages a file, into `dir`, over `store`.
fn writer(
    store: &Store,
    dir: &std::path::Path,
    name: &str,
    size: usize,
) -> FileSender<LocalFolder> {
    let mut settings = FileOutSettings::from(&FileOut::DEFAULT);
    settings.dir = dir.to_path_buf();
    settings.name = name.to_owned();
    settings.batch = Some(size);
    settings.retry.initial_backoff = Duration::from_millis(10);
    FileSender {
        name: OB,
        settings,
        folder: LocalFolder::new(dir),
        store: store.clone(),
        wake: Arc::new(Notify::new()),
        shutdown: CancellationToken::new(),
        status: watch::Sender::new(Default::default()),
        metrics: Arc::default(),
    }
}

/// A store in `dir` with messages 1 to `n` queued for the outbound, in order.
async fn queued(dir: &std::path::Path, n: u64) -> Store {
    let store = Store::open(dir.join("s.redb")).unwrap();
    for i in 1..=n {
        receive_routed(&store, i, 0, &[OB]).await;
    }
    store
}

/// The files of a folder (not its store), sorted by the number in their names.
fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".hl7"))
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect();
    // `lab_<seq>.hl7`
    let number = |s: &str| -> u64 {
        let seq = s.trim_start_matches("lab_").trim_end_matches(".hl7");
        seq.parse().unwrap()
    };
    out.sort_by_key(|(name, _)| number(name));
    out
}

/// The control IDs of a batch file's messages, checking its counts and envelope.
fn control_ids(content: &[u8]) -> Vec<String> {
    let split = batch::split(content).unwrap();
    assert!(split.file_header().is_some() && split.file_trailer().is_some());
    assert_eq!(split.file_trailer().unwrap().count(), Ok(Some(1)));
    assert_eq!(split.groups().len(), 1);
    let group = &split.groups()[0];
    assert_eq!(
        group.trailer().unwrap().count(),
        Ok(Some(group.messages().len()))
    );
    split
        .messages()
        .map(|m| m.parse().unwrap().control_id().to_string())
        .collect()
}

/// Runs the writer until it has written `files` files and the queue is empty, then stops it.
async fn run_until(sender: FileSender<LocalFolder>, dir: &std::path::Path, want: usize) {
    let store = sender.store.clone();
    let shutdown = sender.shutdown.clone();
    let task = tokio::spawn(sender.run());
    let deadline = Instant::now() + Duration::from_secs(30);
    while files(dir).len() < want || store.queue_count(OB).unwrap().depth > 0 {
        assert!(
            Instant::now() < deadline,
            "gave up waiting for {want} files"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    shutdown.cancel();
    task.await.unwrap();
}

#[test]
fn a_batch_file_has_its_envelope_counts_and_the_first_messages_fields() {
    let entries: Vec<QueueEntry> = (1..=3)
        .map(|n| QueueEntry {
            key: crate::store::QueueKey {
                outbound: OB.into(),
                seq: 40 + n,
            },
            message: crate::store::MessageId(n),
            payload: crate::store::test_messages::message(n, 0).0,
            attempts: 0,
            control_id: String::new(),
        })
        .collect();
    let first = Message::parse(entries[0].payload.clone()).unwrap();
    let bytes = batch_file(&first, 41, "lab_41.hl7", &entries).unwrap();
    assert_eq!(control_ids(&bytes), ["C1", "C2", "C3"]);
    let split = batch::split(&bytes).unwrap();
    let fhs = split.file_header().unwrap();
    assert_eq!(&fhs.field(3), "LAB");
    assert_eq!(&fhs.field(5), "EHR");
    assert_eq!(&fhs.field(9), "lab_41.hl7");
    assert_eq!(&fhs.control_id(), "41");
    assert_eq!(&split.groups()[0].header().unwrap().control_id(), "41");
    assert!(bytes.ends_with(b"BTS|3\rFTS|1\r"));
    // The messages are written as queued, and read back as they were.
    assert!(same_messages(&split, &first, &entries));
    assert!(!same_messages(&split, &first, &entries[..2]));
    // A batch's name takes the first message's values.
    assert_eq!(
        name::render("{MSH-10}_{seq}.hl7", &first, 41).unwrap(),
        "C1_41.hl7"
    );
}

#[tokio::test]
async fn messages_go_in_files_of_at_most_the_batch_size_in_queue_order() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let store = queued(dir.path(), 7).await;
    let first = store.queue_head(OB, 1).unwrap()[0].key.seq;
    run_until(
        writer(&store, out.path(), "lab_{seq}.hl7", 3),
        out.path(),
        3,
    )
    .await;
    let written = files(out.path());
    let names: Vec<&str> = written.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            format!("lab_{first}.hl7"),
            format!("lab_{}.hl7", first + 3),
            format!("lab_{}.hl7", first + 6)
        ]
    );
    let ids: Vec<Vec<String>> = written.iter().map(|(_, c)| control_ids(c)).collect();
    assert_eq!(
        ids,
        [vec!["C1", "C2", "C3"], vec!["C4", "C5", "C6"], vec!["C7"]]
    );
    assert_eq!(store.queue_count(OB).unwrap().depth, 0);
}

#[tokio::test]
async fn a_file_written_before_a_crash_counts_and_is_not_written_again() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let store = queued(dir.path(), 5).await;
    // The first three were written, and the crash came before they were recorded; two more
    // were queued since.
    let head = store.queue_head(OB, 3).unwrap();
    let first = Message::parse(head[0].payload.clone()).unwrap();
    let name = format!("lab_{}.hl7", head[0].key.seq);
    let before = batch_file(&first, head[0].key.seq, &name, &head).unwrap();
    std::fs::write(out.path().join(&name), &before).unwrap();
    run_until(
        writer(&store, out.path(), "lab_{seq}.hl7", 5),
        out.path(),
        2,
    )
    .await;
    let written = files(out.path());
    assert_eq!(
        written.len(),
        2,
        "{:?}",
        written.iter().map(|w| &w.0).collect::<Vec<_>>()
    );
    assert_eq!(written[0], (name, before));
    assert_eq!(control_ids(&written[1].1), ["C4", "C5"]);
    assert_eq!(store.queue_count(OB).unwrap().depth, 0);
}

#[tokio::test]
async fn a_name_taken_by_a_different_file_is_retried_then_its_message_dead_lettered() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let store = queued(dir.path(), 2).await;
    let seq = store.queue_head(OB, 1).unwrap()[0].key.seq;
    let other =
        b"FHS|^~\\&\rBHS|^~\\&\rMSH|^~\\&|X|Y|||20240101||ADT^A01|OTHER|P|2.5\rBTS|1\rFTS|1\r";
    std::fs::write(out.path().join(format!("lab_{seq}.hl7")), other).unwrap();
    let mut sender = writer(&store, out.path(), "lab_{seq}.hl7", 5);
    sender.settings.retry.max_attempts = 2;
    run_until(sender, out.path(), 2).await;
    let written = files(out.path());
    assert_eq!(written[0].1, other);
    assert_eq!(control_ids(&written[1].1), ["C2"]);
    let dead = store.dead_letters(Some(OB)).unwrap();
    assert_eq!(dead.len(), 1);
    assert!(
        dead[0].reason.contains("taken by a different file"),
        "{}",
        dead[0].reason
    );
}

#[tokio::test]
async fn at_shutdown_what_is_queued_is_written_as_a_partial_batch() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("s.redb")).unwrap();
    // Received just now, so not due for an hour.
    for n in 1..=4 {
        let (raw, _) = crate::store::test_messages::message(n, 0);
        let msg = Message::parse(raw.clone()).unwrap();
        let id = store
            .receive(crate::store::Incoming {
                inbound: Arc::from("IB"),
                raw: raw.into(),
                info: crate::store::MessageInfo::of("IB", now_micros(), &msg),
                refused: None,
                dedupe: None,
                index: Vec::new(),
            })
            .await
            .unwrap()
            .id;
        store
            .record_route(crate::store::RouteRecord {
                message: id,
                disposition: crate::interface::Disposition::Processed,
                detail: String::new(),
                handlers: Vec::new(),
                sends: vec![crate::store::SendRecord {
                    outbound: OB.into(),
                    handler: "h".into(),
                    payload: Vec::new(),
                    control_id: String::new(),
                }],
            })
            .await
            .unwrap();
    }
    let mut sender = writer(&store, out.path(), "lab_{seq}.hl7", 10);
    sender.settings.batch_wait = Duration::from_secs(3600);
    sender.shutdown.cancel();
    sender.run().await;
    let written = files(out.path());
    assert_eq!(written.len(), 1);
    assert_eq!(control_ids(&written[0].1), ["C1", "C2", "C3", "C4"]);
    assert_eq!(store.queue_count(OB).unwrap().depth, 0);
}

/// The batch file `docs/files.md` shows is the one these two orders make.
#[test]
fn the_docs_batch_file_is_the_one_written() {
    let page = include_str!("../../../../../docs/files.md");
    let shown = page
        .split("## Batch files")
        .nth(1)
        .and_then(|s| s.split("```text\n").nth(1))
        .and_then(|s| s.split("```").next())
        .expect("docs/files.md shows a batch file")
        .replace('\n', "\r");
    let entries: Vec<QueueEntry> = ["ORD1", "ORD2"]
        .iter()
        .enumerate()
        .map(|(i, id)| QueueEntry {
            key: crate::store::QueueKey {
                outbound: OB.into(),
                seq: 57 + i as u64,
            },
            message: crate::store::MessageId(1),
            payload: format!(
                "MSH|^~\\&|EHR|GH|LIS|GH|20240101120{i}00||ORM^O01|{id}|P|2.5.1\rPID|1||10000{}^^^GH\r",
                i + 1
            )
            .into_bytes(),
            attempts: 0,
            control_id: String::new(),
        })
        .collect();
    let first = Message::parse(entries[0].payload.clone()).unwrap();
    let name = name::render("orders_{seq}.hl7", &first, 57).unwrap();
    let built = String::from_utf8(batch_file(&first, 57, &name, &entries).unwrap()).unwrap();
    let created = built.split('|').nth(6).unwrap().to_owned();
    assert_eq!(built.replace(&created, "20240101120500"), shown);
}
