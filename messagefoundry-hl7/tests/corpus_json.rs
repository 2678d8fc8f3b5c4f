//! ER7 → JSON → ER7 is byte-exact for every corpus message that parses.

use std::path::PathBuf;

use messagefoundry_hl7::batch;
use messagefoundry_hl7::{Message, ParseOptions, json};

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

/// Every file INDEX.tsv lists.
fn corpus_files() -> Vec<String> {
    let index = std::fs::read_to_string(corpus_dir().join("INDEX.tsv")).expect("INDEX.tsv");
    index
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .map(str::to_owned)
        .collect()
}

/// The messages of a file: the file itself when it parses as one message (strictly, or
/// tolerantly), else each message of the stream or batch it holds.
fn messages(bytes: &[u8]) -> Vec<Message> {
    let tolerant = ParseOptions { tolerant: true };
    if let Ok(m) = Message::parse(bytes).or_else(|_| Message::parse_with(bytes, tolerant)) {
        return vec![m];
    }
    let Ok(b) = batch::split_with(bytes, batch::SplitOptions { tolerant: true }) else {
        return Vec::new();
    };
    b.messages()
        .filter_map(|raw| raw.parse().or_else(|_| raw.parse_with(tolerant)).ok())
        .collect()
}

fn assert_round_trip(file: &str, msg: &Message) {
    let value = json::to_json(msg);
    let back = json::from_json(&value).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert!(back.as_bytes() == msg.as_bytes(), "{file}: bytes differ");
    let text = json::to_json_string(msg);
    let back = json::from_json_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert!(back.as_bytes() == msg.as_bytes(), "{file}: bytes differ");
    let pretty = serde_json::to_string_pretty(&value).expect("JSON serializes");
    let back = json::from_json_str(&pretty).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert!(back.as_bytes() == msg.as_bytes(), "{file}: bytes differ");
}

#[test]
fn every_parsing_corpus_message_round_trips() {
    let mut converted = 0;
    let mut encodings = std::collections::BTreeMap::new();
    let mut unparsed = Vec::new();
    for file in corpus_files() {
        let bytes = std::fs::read(corpus_dir().join(&file)).expect("corpus file");
        let msgs = messages(&bytes);
        if msgs.is_empty() {
            unparsed.push(file.clone());
        }
        for msg in msgs {
            assert_round_trip(&file, &msg);
            *encodings
                .entry(json::JsonEncoding::of(&msg).as_str())
                .or_insert(0) += 1;
            converted += 1;
        }
    }
    // 199 files, about 338 messages; a few dozen are broken on purpose and do not parse.
    assert!(converted > 300, "only {converted} messages converted");
    eprintln!("{converted} messages round-tripped; encodings: {encodings:?}");
    eprintln!("files with no message that parses: {unparsed:#?}");
}

#[test]
fn stream_files_round_trip_message_by_message() {
    let file = "open-integration-engine/multi_adt_a01_a04_a31_stream_124msgs_crlf.hl7";
    let bytes = std::fs::read(corpus_dir().join(file)).expect("corpus file");
    let msgs = messages(&bytes);
    assert_eq!(msgs.len(), 124);
    for msg in &msgs {
        assert_round_trip(file, msg);
    }
}
