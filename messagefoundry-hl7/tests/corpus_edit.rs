//! Editing the real messages of the corpus: re-delimiting keeps every value, setting keeps the
//! message well formed.

use std::path::PathBuf;

use messagefoundry_hl7::{Delimiters, EditError, Message, Path, SegmentId};

/// Every `.hl7` file under the workspace's `corpus/`.
fn corpus_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("the corpus is readable") {
            let path = entry.expect("the corpus is readable").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "hl7") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The corpus messages that parse (batches and broken samples do not).
fn corpus_messages() -> Vec<(PathBuf, Message)> {
    let messages: Vec<_> = corpus_files()
        .into_iter()
        .filter_map(|file| {
            let bytes = std::fs::read(&file).expect("the corpus file is readable");
            Message::parse_tolerant(bytes).ok().map(|m| (file, m))
        })
        .collect();
    assert!(messages.len() > 100, "the corpus went missing");
    messages
}

/// Every leaf value's path (sub-component level), MSH-1 and MSH-2 aside.
fn leaf_paths(msg: &Message) -> Vec<Path> {
    let d = *msg.delimiters();
    let mut paths = Vec::new();
    let mut seen: Vec<SegmentId> = Vec::new();
    for segment in msg.segments() {
        seen.push(segment.id());
        let occurrence = seen.iter().filter(|&&id| id == segment.id()).count();
        let first = if segment.id() == SegmentId::MSH { 3 } else { 1 };
        for field in first..=segment.field_count() {
            let field = u16::try_from(field).expect("few fields");
            let raw = segment.field_raw(field).unwrap_or_default();
            for (r, rep) in raw.split(|&b| b == d.repetition).enumerate() {
                for (c, comp) in rep.split(|&b| b == d.component).enumerate() {
                    let subs = match d.subcomponent {
                        Some(s) => comp.split(|&b| b == s).count(),
                        None => 1,
                    };
                    for s in 0..subs {
                        let n = |i: usize| Some(u16::try_from(i + 1).expect("few parts"));
                        paths.push(Path {
                            segment: segment.id(),
                            occurrence: n(occurrence - 1),
                            field,
                            repetition: n(r),
                            component: n(c),
                            subcomponent: n(s),
                        });
                    }
                }
            }
        }
    }
    paths
}

/// Delimiters unlike any in the corpus, with the same parts present as `old`.
fn unusual(old: &Delimiters) -> Delimiters {
    Delimiters {
        field: b'!',
        component: b'@',
        repetition: b'%',
        escape: old.escape.map(|_| b'$'),
        subcomponent: old.subcomponent.map(|_| b'*'),
        truncation: old.truncation.map(|_| b'`'),
    }
}

#[test]
fn redelimiting_keeps_every_value() {
    for (file, original) in corpus_messages() {
        let old = *original.delimiters();
        let mut msg = original.clone();
        msg.set_delimiters(unusual(&old))
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let reparsed = Message::parse(msg.as_bytes().to_vec()).expect("re-delimited parses");
        assert_eq!(reparsed, msg);
        assert_eq!(
            leaf_paths(&msg),
            leaf_paths(&original),
            "{}",
            file.display()
        );
        msg.set_delimiters(old)
            .expect("the old delimiters hold the message");
        // The same text everywhere; escapes may come back written the standard way.
        for path in leaf_paths(&original) {
            assert_eq!(&msg[path], &original[path], "{} {path}", file.display());
        }
        // And what comes back is a fixed point.
        let once = msg.clone();
        msg.set_delimiters(unusual(&old))
            .expect("still re-delimits");
        msg.set_delimiters(old).expect("and back");
        assert_eq!(msg, once, "{}", file.display());
    }
}

#[test]
fn setting_keeps_messages_well_formed() {
    let text = "O'Brien|Smith^Jr~&\\#\r\n";
    for (file, mut msg) in corpus_messages() {
        let segments = msg.segment_count();
        let d = *msg.delimiters();
        for path in ["MSH-10", "MSH-9.3", "PID-5[2].1.2", "OBX[3]-5.3"] {
            match msg.set(path, text) {
                Ok(()) => assert_eq!(&msg[path], text, "{} {path}", file.display()),
                Err(EditError::NoSuchSegment { .. }) => {}
                Err(EditError::NoEscapeCharacter { .. }) if d.escape.is_none() => {}
                Err(EditError::NoSubcomponentSeparator { .. }) if d.subcomponent.is_none() => {}
                Err(e) => panic!("{} {path}: {e}", file.display()),
            }
        }
        msg.push_segment(
            "ZMF|1|test"
                .replace('|', &char::from(d.field).to_string())
                .as_str(),
        )
        .expect("a Z-segment appends");
        let reparsed = Message::parse(msg.as_bytes().to_vec()).expect("the edited message parses");
        assert_eq!(reparsed, msg);
        assert_eq!(reparsed.segment_count(), segments + 1);
        assert_eq!(&reparsed["ZMF-2"], "test");
    }
}
