//! Validates every corpus message and compares the reports with the reviewed snapshot in
//! `corpus/VALIDATION.tsv`. Run with `UPDATE_EXPECT=1` to rewrite the snapshot after a
//! deliberate change, then review the diff (and `corpus/VALIDATION-NOTES.md`).
//!
//! Each file is split into its messages (`batch::split`; a file that does not split is read
//! as one message), each message parsed tolerantly and validated twice: with
//! `Options::tolerant()` and `Options::strict()`, against its declared version, or 2.5.1 when
//! MSH-12 is empty or names no version this library has. The snapshot holds counts and the
//! strict findings as `rule@location#code`, never a value.

#![cfg(feature = "all-versions")]

mod support;

use std::fmt::Write as _;
use std::path::PathBuf;

use support::p;

use messagefoundry_hl7::validate::{Options, Report, validate};
use messagefoundry_hl7::{Message, ack, batch, schema};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

fn files() -> Vec<String> {
    let index = std::fs::read_to_string(root().join("INDEX.tsv")).expect("corpus/INDEX.tsv");
    let mut files: Vec<String> = index
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .collect();
    files.sort();
    files
}

/// The messages of a file, as bytes; a file that does not split is one message.
fn messages(bytes: &[u8]) -> Vec<Vec<u8>> {
    match batch::split(bytes) {
        Ok(b) if b.message_count() > 0 => b.messages().map(|m| m.bytes().to_vec()).collect(),
        _ => vec![bytes.to_vec()],
    }
}

fn counts(r: &Report) -> String {
    let n = |s| r.findings.iter().filter(|f| f.severity == s).count();
    format!(
        "{}/{}/{}",
        n(ack::Severity::Error),
        n(ack::Severity::Warning),
        n(ack::Severity::Information)
    )
}

/// The snapshot text for the whole corpus.
fn snapshot() -> String {
    let mut out = String::from(
        "file\tmessage\tversion\tstructure\ttolerant E/W/I\tstrict E/W/I\tstrict findings (rule@location#code)\n",
    );
    for file in files() {
        let bytes = std::fs::read(root().join(&file)).expect("corpus file reads");
        for (i, raw) in messages(&bytes).into_iter().enumerate() {
            let n = i + 1;
            let msg = match Message::parse_tolerant(raw) {
                Ok(m) => m,
                Err(e) => {
                    let _ = writeln!(out, "{file}\t{n}\t-\t-\t-\t-\tunparsed: {:?}", e.kind);
                    continue;
                }
            };
            let declared = msg.version().text().into_owned();
            let version = if schema::version(&declared).is_some() {
                None
            } else {
                Some("2.5.1")
            };
            let tolerant = Options {
                version,
                ..Options::tolerant()
            };
            let strict = Options {
                version,
                ..Options::strict()
            };
            let t = validate(&msg, &tolerant);
            let s = validate(&msg, &strict);
            let _ = writeln!(
                out,
                "{file}\t{n}\t{}{}\t{}\t{}\t{}\t{}",
                s.version.unwrap_or("-"),
                if version.is_some() { " (fallback)" } else { "" },
                s.structure.unwrap_or("-"),
                counts(&t),
                counts(&s),
                s.summary()
            );
        }
    }
    out
}

#[test]
fn corpus_reports_match_the_reviewed_snapshot() {
    let path = root().join("VALIDATION.tsv");
    let actual = snapshot();
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &actual).expect("write corpus/VALIDATION.tsv");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .filter(|(e, a)| e != a)
            .take(5)
            .map(|(e, a)| format!("- {e}\n+ {a}"))
            .collect();
        panic!(
            "validation reports differ from corpus/VALIDATION.tsv ({} vs {} lines); first differences:\n{}\nrerun with UPDATE_EXPECT=1 and review the diff",
            expected.lines().count(),
            actual.lines().count(),
            diff.join("\n")
        );
    }
}

#[test]
fn no_message_text_leaks_into_findings() {
    // Identifiers and dates of the corpus messages must not appear in any finding.
    for file in files() {
        let bytes = std::fs::read(root().join(&file)).expect("corpus file reads");
        for raw in messages(&bytes) {
            let Ok(msg) = Message::parse_tolerant(raw) else {
                continue;
            };
            let report = validate(&msg, &Options::strict().with_version("2.5.1"));
            for path in ["MSH-10", "PID-3.1", "PID-7.1", "OBR-3.1"].map(p) {
                let value = msg.get(path).text();
                // Words may be field names too; identifiers and dates hold digits.
                if value.len() < 5 || !value.bytes().any(|b| b.is_ascii_digit()) {
                    continue;
                }
                for f in &report.findings {
                    assert!(!f.message.contains(value.as_ref()), "{file}: {f}");
                }
            }
        }
    }
}
