//! Every corpus file that holds several messages or batch segments splits as expected.

use std::path::PathBuf;

use messagefoundry_hl7::batch::{self, BatchErrorKind, EnvelopeSegment};
use messagefoundry_hl7::{ParseOptions, SegmentId};

fn corpus(file: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus")
        .join(file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What a file splits into.
enum Expect {
    /// Messages in all, batches (BHS…BTS or implicit), and whether there is an FHS.
    Split {
        messages: usize,
        groups: usize,
        file_header: bool,
    },
    /// The error and its byte offset.
    Error(BatchErrorKind, usize),
}

use Expect::*;

const fn split(messages: usize, groups: usize, file_header: bool) -> Expect {
    Split {
        messages,
        groups,
        file_header,
    }
}

/// The files INDEX.tsv marks "batch/multi-message", plus the one with a BTS but no BHS.
const FILES: &[(&str, Expect)] = &[
    (
        "python-hl7/batch_bhs_bts_adt_a04_1msg.hl7",
        split(1, 1, false),
    ),
    (
        "python-hl7/batch_bhs_bts_adt_a04_2msgs.hl7",
        split(2, 1, false),
    ),
    ("python-hl7/batch_no_bhs_2msgs.hl7", split(2, 1, false)),
    ("python-hl7/batch_bhs_without_bts.hl7", split(1, 1, false)),
    ("python-hl7/batch_bts_without_bhs.hl7", split(1, 1, false)),
    (
        "python-hl7/file_fhs_bhs_bts_fts_1batch.hl7",
        split(1, 1, true),
    ),
    ("python-hl7/file_fhs_2batches_3msgs.hl7", split(3, 2, true)),
    ("python-hl7/file_fhs_no_bhs_2msgs.hl7", split(2, 1, true)),
    (
        "python-hl7/batch_bad_missing_msh.hl7",
        Error(BatchErrorKind::SegmentOutsideMessage, 65),
    ),
    (
        "python-hl7/batch_bad_bhs_inside_message.hl7",
        Error(
            BatchErrorKind::HeaderInsideMessage(EnvelopeSegment::Bhs),
            183,
        ),
    ),
    (
        "python-hl7/file_bad_fhs_inside_message.hl7",
        Error(
            BatchErrorKind::HeaderInsideMessage(EnvelopeSegment::Fhs),
            250,
        ),
    ),
    ("hapi-hl7v2/oml_o21_v251_example.hl7", split(13, 1, false)),
    (
        "open-integration-engine/multi_siu_s12_s14_s15_stream_batch01.hl7",
        split(3, 1, false),
    ),
    (
        "open-integration-engine/multi_adt_a40_oru_r01_stream_batch03.hl7",
        split(2, 1, false),
    ),
    (
        "open-integration-engine/multi_adt_a01_a04_a31_stream_124msgs_crlf.hl7",
        split(124, 1, false),
    ),
    (
        "cdc-data-exchange-hl7/multi_oru_r01_v25_genv1_two_msh_no_bhs.hl7",
        split(2, 1, false),
    ),
];

#[test]
fn batch_files_split_as_expected() {
    for (file, expect) in FILES {
        let bytes = corpus(file);
        match (batch::split(&bytes), expect) {
            (
                Ok(b),
                Split {
                    messages,
                    groups,
                    file_header,
                },
            ) => {
                assert_eq!(b.message_count(), *messages, "{file}: messages");
                assert_eq!(b.groups().len(), *groups, "{file}: batches");
                assert_eq!(b.file_header().is_some(), *file_header, "{file}: FHS");
                assert!(b.warnings().is_empty(), "{file}");
                // Every message parses (strictly or tolerantly), and its bytes come back
                // (line feeds become carriage returns).
                for raw in b.messages() {
                    let msg = raw
                        .parse()
                        .or_else(|_| raw.parse_with(ParseOptions { tolerant: true }))
                        .unwrap_or_else(|e| panic!("{file}: message at {}: {e}", raw.offset()));
                    assert!(
                        msg.segment(0).is_some_and(|s| s.id() == SegmentId::MSH),
                        "{file}"
                    );
                    let normalised: Vec<u8> = String::from_utf8_lossy(raw.bytes())
                        .replace("\r\n", "\r")
                        .replace('\n', "\r")
                        .into_bytes();
                    if normalised.is_ascii() {
                        assert_eq!(msg.as_bytes(), normalised, "{file}");
                    }
                }
            }
            (Err(e), Error(kind, offset)) => {
                assert_eq!((&e.kind, e.offset), (kind, *offset), "{file}");
            }
            (Ok(_), Error(kind, _)) => panic!("{file}: split, expected {kind}"),
            (Err(e), Split { .. }) => panic!("{file}: {e}"),
        }
    }
}

/// Every other corpus file either splits into one message or fails without panicking; none is
/// silently split into several.
#[test]
fn single_message_files_stay_whole() {
    let index = String::from_utf8(corpus("INDEX.tsv")).expect("INDEX.tsv is UTF-8");
    for line in index.lines().skip(1) {
        let Some(file) = line.split('\t').next() else {
            continue;
        };
        if FILES.iter().any(|(f, _)| *f == file) {
            continue;
        }
        let bytes = corpus(file);
        for options in [
            batch::SplitOptions::default(),
            batch::SplitOptions { tolerant: true },
        ] {
            if let Ok(b) = batch::split_with(&bytes, options) {
                assert!(b.message_count() <= 1, "{file}");
                assert!(b.file_header().is_none(), "{file}");
            }
        }
    }
}
