//! Properties of batches: whatever `BatchBuilder` writes, `batch::split` reads back as the same
//! envelope, the same messages byte for byte and counts that check.

use messagefoundry_hl7::batch::{self, BatchBuilder, HeaderFields};
use messagefoundry_hl7::{Delimiters, Message};
use proptest::prelude::*;

/// Delimiters HL7 allows, without the characters the generated texts use.
const PUNCTUATION: &[u8] = b"!#$%&*+/:;<=>?@\\^_`|~";

fn delimiters() -> impl Strategy<Value = Delimiters> {
    proptest::sample::subsequence(PUNCTUATION, 5)
        .prop_shuffle()
        .prop_map(|c| Delimiters {
            field: c[0],
            component: c[1],
            repetition: c[2],
            escape: Some(c[3]),
            subcomponent: Some(c[4]),
            truncation: None,
        })
}

/// A message with its own delimiters, a control ID and a few segments of plain text.
fn message() -> impl Strategy<Value = Message> {
    (
        delimiters(),
        "[A-Z0-9]{1,8}",
        proptest::collection::vec(proptest::collection::vec("[A-Za-z0-9 ]{0,6}", 0..5), 0..4),
    )
        .prop_map(|(d, control_id, segments)| {
            let f = char::from(d.field);
            let c = char::from(d.component);
            let encoding = String::from_utf8(d.encoding_characters()).expect("ASCII");
            let mut text = format!("MSH{f}{encoding}{f}LAB{f}H{f}{f}{f}20240101{f}{f}ADT{c}A01{f}{control_id}{f}P{f}2.5\r");
            for (n, fields) in segments.iter().enumerate() {
                text.push_str(&format!("NTE{f}{}", n + 1));
                for field in fields {
                    text.push(f);
                    text.push_str(field);
                }
                text.push('\r');
            }
            Message::parse(text).expect("a generated message parses")
        })
}

/// Header fields 3 to 12 with any printable text (delimiters included, which are escaped).
fn header() -> impl Strategy<Value = Vec<(u16, String)>> {
    proptest::collection::vec((3u16..=12, "[ -~]{0,10}"), 0..4)
}

fn fields(given: &[(u16, String)]) -> HeaderFields {
    given.iter().fold(HeaderFields::new(), |h, (n, text)| {
        h.field(*n, text.clone())
    })
}

/// The text a header field should read back as: the last value given for it.
fn expected(given: &[(u16, String)], n: u16) -> String {
    given
        .iter()
        .rev()
        .find(|(m, _)| *m == n)
        .map(|(_, t)| t.clone())
        .unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn built_batches_split_back(
        file in proptest::option::of(header()),
        batches in proptest::collection::vec((header(), proptest::collection::vec(message(), 0..4)), 1..4),
        own_delimiters in proptest::option::of(delimiters()),
    ) {
        let mut builder = BatchBuilder::new();
        if let Some(d) = own_delimiters {
            builder = builder.delimiters(d);
        }
        if let Some(file) = &file {
            builder = builder.file(fields(file));
        }
        for (header, messages) in &batches {
            builder = builder.batch(fields(header), messages);
        }
        let bytes = builder.build().expect("builds");
        let split = batch::split(&bytes).expect("what was built splits strictly");
        prop_assert!(split.warnings().is_empty());
        prop_assert_eq!(split.file_header().is_some(), file.is_some());
        prop_assert_eq!(split.file_trailer().and_then(|t| t.count().ok().flatten()), file.as_ref().map(|_| batches.len()));
        if let (Some(given), Some(read)) = (&file, split.file_header()) {
            for n in 3..=12 {
                prop_assert_eq!(read.field(n).text().into_owned(), expected(given, n));
            }
        }
        prop_assert_eq!(split.groups().len(), batches.len());
        for (group, (given, messages)) in split.groups().iter().zip(&batches) {
            let header = group.header().expect("every built batch has a BHS");
            // The envelope takes the given delimiters, else the first message's.
            let first = batches.iter().flat_map(|(_, ms)| ms.first()).next();
            let delims = own_delimiters.or(first.map(|m| *m.delimiters())).unwrap_or(Delimiters::STANDARD);
            prop_assert_eq!(header.delimiters().field, delims.field);
            for n in 3..=12 {
                prop_assert_eq!(header.field(n).text().into_owned(), expected(given, n));
            }
            prop_assert_eq!(group.trailer().and_then(|t| t.count().ok().flatten()), Some(messages.len()));
            prop_assert_eq!(group.messages().len(), messages.len());
            for (raw, msg) in group.messages().iter().zip(messages) {
                prop_assert_eq!(raw.bytes(), msg.as_bytes());
                prop_assert_eq!(&raw.parse().expect("parses"), msg);
            }
        }
    }

    #[test]
    fn plain_streams_split_into_their_messages(messages in proptest::collection::vec(message(), 1..6)) {
        let bytes: Vec<u8> = messages.iter().flat_map(|m| m.as_bytes().to_vec()).collect();
        let split = batch::split(&bytes).expect("a stream of messages splits");
        prop_assert!(split.file_header().is_none());
        let read: Vec<Message> = split.messages().map(|m| m.parse().expect("parses")).collect();
        prop_assert_eq!(read, messages);
    }
}
