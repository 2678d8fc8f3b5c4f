//! Whatever the batch splitter finds, the builder writes back as a batch that splits strictly
//! into the same envelope control IDs and the same messages, with counts that check.

#![no_main]

use libfuzzer_sys::fuzz_target;
use messagefoundry_hl7::batch::{self, BatchBuilder, HeaderFields, SplitOptions};
use messagefoundry_hl7::{Message, ParseOptions};

/// A message's bytes without the terminators after its last segment.
fn trimmed(bytes: &[u8]) -> &[u8] {
    let end = bytes.len() - bytes.iter().rev().take_while(|b| matches!(b, b'\r' | b'\n')).count();
    &bytes[..end]
}

fuzz_target!(|data: &[u8]| {
    let Ok(split) = batch::split_with(data, SplitOptions { tolerant: true }) else {
        return;
    };
    let mut builder = BatchBuilder::new();
    let mut file_id = None;
    if let Some(header) = split.file_header() {
        let id = header.control_id().text().into_owned();
        builder = builder.file(HeaderFields::new().control_id(id.clone()));
        file_id = Some(id);
    }
    let mut expected: Vec<(String, Vec<Message>)> = Vec::new();
    for group in split.groups() {
        let id = group
            .header()
            .map(|h| h.control_id().text().into_owned())
            .unwrap_or_default();
        let messages: Vec<Message> = group
            .messages()
            .iter()
            .filter_map(|m| m.parse_with(ParseOptions { tolerant: false }).ok())
            .collect();
        builder = builder.batch(HeaderFields::new().control_id(id.clone()), &messages);
        expected.push((id, messages));
    }
    let Ok(bytes) = builder.build() else {
        // Only delimiters the builder cannot write refuse: those of a first message that
        // parsed, which are valid, never do.
        assert!(expected.iter().all(|(_, ms)| ms.is_empty()), "a batch of valid messages was refused");
        return;
    };
    // The envelope takes the first message's delimiters. Without an escape character, text
    // that would need one (a delimiter, a control byte) is written as a space, as
    // `escape::escape` documents, so control IDs are compared only when it can be kept.
    let ids_kept = expected
        .iter()
        .find_map(|(_, ms)| ms.first())
        .is_none_or(|m| m.delimiters().escape.is_some());
    if expected.is_empty() && file_id.is_none() {
        // Nothing to build (the input held only a stray trailer, say): nothing is written.
        assert!(bytes.is_empty(), "an empty batch wrote bytes");
        return;
    }
    let again = batch::split(&bytes).expect("a built batch splits strictly");
    assert!(again.warnings().is_empty());
    if ids_kept {
        assert_eq!(
            again.file_header().map(|h| h.control_id().text().into_owned()),
            file_id
        );
    }
    assert_eq!(again.groups().len(), expected.len());
    for (group, (id, messages)) in again.groups().iter().zip(&expected) {
        let header = group.header().expect("every built batch has a BHS");
        if ids_kept {
            assert_eq!(&header.control_id().text(), id);
        }
        assert_eq!(group.trailer().and_then(|t| t.count().ok().flatten()), Some(messages.len()));
        assert_eq!(group.messages().len(), messages.len());
        for (raw, msg) in group.messages().iter().zip(messages) {
            assert_eq!(trimmed(raw.bytes()), trimmed(msg.as_bytes()));
        }
    }
});
