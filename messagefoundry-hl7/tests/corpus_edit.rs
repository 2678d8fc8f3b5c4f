//! Editing the real messages of the corpus: re-delimiting keeps every value, setting keeps the
//! message well formed.

mod support;

use messagefoundry_hl7::{Delimiters, EditError, Message};
use support::{corpus_messages, leaf_positions, p};

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
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let reparsed = Message::parse(msg.as_bytes().to_vec()).expect("re-delimited parses");
        assert_eq!(reparsed, msg);
        assert_eq!(leaf_positions(&msg), leaf_positions(&original), "{}", file);
        msg.set_delimiters(old)
            .expect("the old delimiters hold the message");
        // The same text everywhere; escapes may come back written the standard way.
        for path in leaf_positions(&original) {
            assert_eq!(&msg[path], &original[path], "{file} {path}");
        }
        // And what comes back is a fixed point.
        let once = msg.clone();
        msg.set_delimiters(unusual(&old))
            .expect("still re-delimits");
        msg.set_delimiters(old).expect("and back");
        assert_eq!(msg, once, "{file}");
    }
}

#[test]
fn setting_keeps_messages_well_formed() {
    let text = "O'Brien|Smith^Jr~&\\#\r\n";
    for (file, mut msg) in corpus_messages() {
        let segments = msg.segment_count();
        let d = *msg.delimiters();
        for path in ["MSH-10", "MSH-9.3", "PID-5[2].1.2", "OBX[3]-5.3"].map(p) {
            match msg.set(path, text) {
                Ok(()) => assert_eq!(&msg[path], text, "{file} {path}"),
                Err(EditError::NoSuchSegment { .. }) => {}
                Err(EditError::NoEscapeCharacter { .. }) if d.escape.is_none() => {}
                Err(EditError::NoSubcomponentSeparator { .. }) if d.subcomponent.is_none() => {}
                Err(e) => panic!("{file} {path}: {e}"),
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
        assert_eq!(&reparsed[p("ZMF-2")], "test");
    }
}
