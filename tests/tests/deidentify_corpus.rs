//! De-identification over every message of the corpus (see corpus/README.md for where each
//! comes from): what it returns still parses, keeps its structure and routing fields,
//! validates no worse than the original, and no longer holds the patient's ID or family name.

use std::path::PathBuf;

use messagefoundry::deidentify::{Deidentifier, Options, Report};
use messagefoundry::hl7::batch::{self, SplitOptions};
use messagefoundry::hl7::validate::{self, Options as ValidateOptions};
use messagefoundry::hl7::{Message, Path};

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

/// Every message of the corpus that parses tolerantly.
fn corpus_messages() -> Vec<(String, Message)> {
    let index =
        std::fs::read_to_string(corpus_dir().join("INDEX.tsv")).expect("corpus/INDEX.tsv reads");
    let mut messages = Vec::new();
    for file in index.lines().skip(1).filter_map(|l| l.split('\t').next()) {
        let bytes = std::fs::read(corpus_dir().join(file)).expect("the corpus file reads");
        let Ok(split) = batch::split_with(&bytes, SplitOptions { tolerant: true }) else {
            continue;
        };
        for (n, raw) in split.messages().enumerate() {
            if let Ok(msg) = Message::parse_tolerant(raw.bytes().to_vec()) {
                messages.push((format!("{file}#{}", n + 1), msg));
            }
        }
    }
    messages
}

fn errors(msg: &Message) -> usize {
    validate::validate(msg, &ValidateOptions::tolerant())
        .errors()
        .count()
}

#[test]
fn every_corpus_message_de_identifies_cleanly() {
    let deidentifier = Deidentifier::new(b"corpus test key, not a secret", Options::default());
    let messages = corpus_messages();
    assert!(messages.len() > 300, "{} messages", messages.len());
    let mut total = Report::default();
    let (mut ids_checked, mut names_checked) = (0, 0);
    for (name, original) in &messages {
        let mut msg = original.clone();
        let report = deidentifier
            .apply(&mut msg)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        total.add(&report);
        let again = Message::parse_tolerant(msg.as_bytes().to_vec())
            .unwrap_or_else(|e| panic!("{name} no longer parses: {e}"));
        let ids = |m: &Message| m.segments().map(|s| s.id()).collect::<Vec<_>>();
        assert_eq!(ids(&again), ids(original), "{name}: segments changed");
        for path in ["MSH-9", "MSH-10", "MSH-12"] {
            let p = Path::parse(path).unwrap();
            assert_eq!(again.get(p).raw(), original.get(p).raw(), "{name}: {path}");
        }
        assert!(
            errors(&again) <= errors(original),
            "{name}: validates worse"
        );
        let read = |m: &Message, p: &str| m[Path::parse(p).unwrap()].to_string();
        let id = read(original, "PID-3.1");
        if id.len() >= 4 && id.bytes().any(|b| b.is_ascii_digit()) {
            assert_ne!(read(&again, "PID-3.1"), id, "{name}: PID-3.1 kept");
            ids_checked += 1;
        }
        let family = read(original, "PID-5.1");
        if family.len() >= 2 {
            assert_ne!(read(&again, "PID-5.1"), family, "{name}: PID-5.1 kept");
            names_checked += 1;
        }
    }
    println!(
        "{} messages; {ids_checked} patient IDs and {names_checked} family names checked gone; {total}",
        messages.len()
    );
    assert!(ids_checked > 100 && names_checked > 100);
}
