//! Parses every file of the public test corpus (`corpus/`, listed in `corpus/INDEX.tsv`) strictly
//! and tolerantly, and compares the outcomes with the ones kept in `corpus/EXPECTED.tsv`.
//!
//! Regenerate the expectations after a deliberate change of behaviour with
//! `UPDATE_EXPECT=1 cargo test -p messagefoundry-hl7 --test corpus`, then review the diff.
//!
//! On top of the kept outcomes, these rules hold for every file:
//! - a file that is not marked MALFORMED / INVALID / FUZZ and holds one message parses strictly
//!   (or, if listed in [`NEEDS_TOLERANT`] with the reason, tolerantly) and serializes back to its
//!   bytes exactly (line feeds aside, which become `\r`);
//! - MSH-9 and MSH-12 read what the index says they hold;
//! - nothing panics, whatever the input: a broken file gives an error or a tolerant parse.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use messagefoundry_hl7::{Message, ParseError, Path};

/// Clean single-message files that strict parsing rejects and tolerant parsing accepts, with the
/// reason. Strict parsing is right to reject each of them; the test checks that they still do.
const NEEDS_TOLERANT: &[(&str, &str)] = &[
    (
        "hapi-hl7v2/ack_a01_weird_delims_in_fields.hl7",
        "three blank lines (LF LF LF) between MSH and MSA",
    ),
    (
        "hl7-dotnetcore/adt_o01_v23_crlf_blank_line.hl7",
        "a blank line between NK1 and PV1, and a space after the last CRLF",
    ),
];

/// Paths read from every message that parses, to exercise reading on real data.
const PATHS: &[&str] = &[
    "MSH-1",
    "MSH-2",
    "MSH-3",
    "MSH-4.1",
    "MSH-7",
    "MSH-9",
    "MSH-9.1",
    "MSH-9.2",
    "MSH-9.3",
    "MSH-10",
    "MSH-12",
    "MSH-12.1",
    "MSH-18",
    "EVN-2",
    "PID-3",
    "PID-3.1",
    "PID-3[2].1",
    "PID-3.4.2",
    "PID-5",
    "PID-5.1",
    "PID-5.1.1",
    "PID-5[2].2",
    "PID-7",
    "PID-11",
    "PID-11.3",
    "PID-13[3]",
    "PV1-2",
    "PV1-3.1",
    "ORC-2",
    "OBR-4",
    "OBR-4.1",
    "OBR-25",
    "OBX-2",
    "OBX-3.2",
    "OBX-5",
    "OBX-5.1",
    "OBX[2]-5",
    "OBX[3]-3.2",
    "OBX[20]-5",
    "NTE-3",
    "ZZZ-1",
    "PID-999",
    "OBX[999]-1",
];

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

/// One row of `INDEX.tsv`: the columns the test uses.
struct Entry {
    file: String,
    msh9: String,
    msh12: String,
    features: String,
}

impl Entry {
    /// Marked as broken on purpose (or by accident) in the index.
    fn is_broken(&self) -> bool {
        let f = &self.features;
        f.contains("MALFORMED") || f.contains("INVALID on purpose") || f.contains("FUZZ")
    }
}

fn read_index() -> Vec<Entry> {
    let text = std::fs::read_to_string(corpus_dir().join("INDEX.tsv")).expect("corpus/INDEX.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .expect("INDEX.tsv header")
        .split('\t')
        .collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("INDEX.tsv has no column {name}"))
    };
    let (file, msh9, msh12, features) = (
        col("file"),
        col("message_type_MSH9"),
        col("version_MSH12"),
        col("notable_features"),
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cells: Vec<&str> = l.split('\t').collect();
            let cell = |i: usize| cells.get(i).copied().unwrap_or_default().to_owned();
            Entry {
                file: cell(file),
                msh9: cell(msh9),
                msh12: cell(msh12),
                features: cell(features),
            }
        })
        .collect()
}

/// The lines of a file, split at `\r`, `\n` or `\r\n`, without blank ones.
fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes
        .split(|&b| b == b'\r' || b == b'\n')
        .filter(|l| !l.is_empty())
}

/// Whether the file holds more than one message or a batch envelope: parsed as one message, it
/// can only give an error or a tolerant result. Splitting batches is tested elsewhere.
fn is_multi(entry: &Entry, bytes: &[u8]) -> bool {
    let headers = lines(bytes).filter(|l| l.starts_with(b"MSH")).count();
    let envelope = lines(bytes).any(|l| {
        [&b"BHS"[..], b"BTS", b"FHS", b"FTS"]
            .iter()
            .any(|h| l.starts_with(h))
    });
    entry.features.contains("batch/multi-message") || headers > 1 || envelope
}

/// The bytes a strict parse keeps: `\r\n` and `\n` become `\r`, nothing else changes.
fn normalise(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                out.push(b'\r');
                i += 1;
            }
            b'\n' => out.push(b'\r'),
            b => out.push(b),
        }
        i += 1;
    }
    out
}

fn outcome(result: &Result<Message, ParseError>) -> String {
    match result {
        Ok(m) => format!("ok {} segments", m.segment_count()),
        Err(e) => format!("error {:?} at {}", e.kind, e.offset),
    }
}

/// Reads every path of [`PATHS`] and every field of every segment, in each way the API offers.
/// Returns a checksum so that the reads are not optimised away.
fn read_everything(msg: &Message) -> usize {
    let mut sum = 0;
    for text in PATHS {
        let path = Path::parse(text).expect("PATHS are valid path texts");
        sum += msg[path].len();
        let value = msg.get(path);
        sum += value.raw().len() + value.text().len();
        sum += usize::from(value.try_text().is_ok()) + usize::from(value.is_null());
        sum += msg.repetitions(path).len();
    }
    sum += msg.version().raw().len() + msg.control_id().raw().len();
    for seg in msg.segments() {
        sum += seg.raw().len() + seg.id().as_str().len();
        let count = u16::try_from(seg.field_count()).unwrap_or(u16::MAX);
        for n in 0..=count.saturating_add(1) {
            sum += seg.field(n).text().len();
            sum += seg.field_raw(n).map_or(0, <[u8]>::len);
        }
    }
    sum
}

/// What one file gave.
struct Report {
    file: String,
    strict: String,
    tolerant: String,
    /// Rule violations and panics, each naming the file.
    failures: Vec<String>,
    /// Clean single-message file that needed tolerant parsing.
    needed_tolerant: bool,
}

fn check_file(entry: &Entry, tolerant_allowed: &BTreeSet<&str>) -> Report {
    let path = corpus_dir().join(&entry.file);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut report = Report {
        file: entry.file.clone(),
        strict: String::new(),
        tolerant: String::new(),
        failures: Vec::new(),
        needed_tolerant: false,
    };
    let file = entry.file.as_str();
    let guarded = |what: &str, f: &mut dyn FnMut() -> Result<(), String>| -> Vec<String> {
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(Ok(())) => Vec::new(),
            Ok(Err(e)) => vec![format!("{file}: {e}")],
            Err(panic) => {
                let text = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                vec![format!("{file}: PANIC while {what}: {text}")]
            }
        }
    };

    let mut strict = None;
    let mut tolerant = None;
    report.failures.extend(guarded("parsing", &mut || {
        strict = Some(Message::parse(bytes.clone()));
        tolerant = Some(Message::parse_tolerant(bytes.clone()));
        Ok(())
    }));
    let (Some(strict), Some(tolerant)) = (strict, tolerant) else {
        report.strict = "panic".into();
        report.tolerant = "panic".into();
        return report;
    };
    report.strict = outcome(&strict);
    report.tolerant = outcome(&tolerant);

    for (mode, result) in [("strict", &strict), ("tolerant", &tolerant)] {
        let Ok(msg) = result else { continue };
        report
            .failures
            .extend(guarded(&format!("reading ({mode})"), &mut || {
                read_everything(msg);
                // Whatever parsed serializes to a message that parses strictly to itself.
                let again = Message::parse(msg.as_bytes().to_vec())
                    .map_err(|e| format!("{mode} result does not parse strictly again: {e}"))?;
                if again.as_bytes() != msg.as_bytes() {
                    return Err(format!("{mode} result is not stable when parsed again"));
                }
                Ok(())
            }));
    }
    if let Ok(msg) = &strict {
        if msg.as_bytes() != normalise(&bytes).as_slice() {
            report.failures.push(format!(
                "{file}: strict parse does not round-trip byte-exact"
            ));
        }
        if !bytes.contains(&b'\n') && msg.as_bytes() != bytes.as_slice() {
            report
                .failures
                .push(format!("{file}: pure-CR input is not kept exactly"));
        }
    }
    if strict.is_ok() && tolerant.is_err() {
        report.failures.push(format!(
            "{file}: tolerant parsing rejects what strict accepts"
        ));
    }

    if entry.is_broken() || is_multi(entry, &bytes) {
        return report;
    }
    // A clean file holding one message.
    let listed = tolerant_allowed.contains(file);
    let msg = match (&strict, &tolerant) {
        (Ok(m), _) if !listed => m,
        (Ok(_), _) => {
            report.failures.push(format!(
                "{file}: listed in NEEDS_TOLERANT but parses strictly; remove it from the list"
            ));
            return report;
        }
        (Err(_), Ok(m)) => {
            report.needed_tolerant = true;
            if !listed {
                report.failures.push(format!(
                    "{file}: clean file needs tolerant parsing ({}); fix the parser or list it in \
                     NEEDS_TOLERANT with the reason",
                    report.strict
                ));
            }
            m
        }
        (Err(_), Err(_)) => {
            report.failures.push(format!(
                "{file}: clean file does not parse (strict: {}, tolerant: {})",
                report.strict, report.tolerant
            ));
            return report;
        }
    };
    // MSH-9 and MSH-12 whole, as the index read them (split with the message's own separator).
    let msh = msg.segment(0).expect("a parsed message has its MSH");
    for (n, want) in [(9, &entry.msh9), (12, &entry.msh12)] {
        let got = msh.field_raw(n).unwrap_or_default();
        let expected: &[u8] = match want.as_str() {
            "(empty)" | "(absent)" | "-" => b"",
            w => w.as_bytes(),
        };
        if got != expected {
            report.failures.push(format!(
                "{file}: MSH-{n} reads {:?}, the index says {want:?}",
                String::from_utf8_lossy(got)
            ));
        }
    }
    report
}

fn run_corpus() -> Vec<Report> {
    let index = read_index();
    let allowed: BTreeSet<&str> = NEEDS_TOLERANT.iter().map(|(f, _)| *f).collect();
    index.iter().map(|e| check_file(e, &allowed)).collect()
}

fn expected_tsv(reports: &[Report]) -> String {
    let mut out = String::from("file\tstrict\ttolerant\n");
    for r in reports {
        writeln!(out, "{}\t{}\t{}", r.file, r.strict, r.tolerant).expect("write to String");
    }
    out
}

#[test]
fn every_corpus_file_is_indexed() {
    let indexed: BTreeSet<String> = read_index().into_iter().map(|e| e.file).collect();
    let mut missing = Vec::new();
    let root = corpus_dir();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read corpus dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.parent() != Some(root.as_path()) {
                let rel = path.strip_prefix(&root).expect("under corpus/");
                let rel = rel.to_string_lossy().replace('\\', "/");
                if !indexed.contains(&rel) {
                    missing.push(rel);
                }
            }
        }
    }
    assert!(missing.is_empty(), "files not in INDEX.tsv: {missing:?}");
}

#[test]
fn corpus_outcomes_match_expected() {
    let reports = run_corpus();
    let actual = expected_tsv(&reports);
    let path = corpus_dir().join("EXPECTED.tsv");
    if std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1") {
        std::fs::write(&path, &actual).expect("write corpus/EXPECTED.tsv");
        return;
    }
    let kept = std::fs::read_to_string(&path).unwrap_or_default();
    if kept == actual {
        return;
    }
    let kept_lines: BTreeSet<&str> = kept.lines().collect();
    let actual_lines: BTreeSet<&str> = actual.lines().collect();
    let mut diff = String::new();
    for l in kept_lines.difference(&actual_lines) {
        writeln!(diff, "- {l}").expect("write to String");
    }
    for l in actual_lines.difference(&kept_lines) {
        writeln!(diff, "+ {l}").expect("write to String");
    }
    panic!(
        "corpus outcomes differ from corpus/EXPECTED.tsv (- kept, + now):\n{diff}\n\
         If the change is intended, run with UPDATE_EXPECT=1 and review the diff."
    );
}

#[test]
fn corpus_rules_hold() {
    let reports = run_corpus();
    let needed: Vec<&str> = reports
        .iter()
        .filter(|r| r.needed_tolerant)
        .map(|r| r.file.as_str())
        .collect();
    if !needed.is_empty() {
        eprintln!("clean files that need tolerant parsing: {needed:?}");
    }
    let failures: Vec<&String> = reports.iter().flat_map(|r| &r.failures).collect();
    assert!(
        failures.is_empty(),
        "{} corpus rule violations:\n{}",
        failures.len(),
        failures
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
