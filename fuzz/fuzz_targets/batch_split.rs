//! The batch splitter never panics, and what it finds is consistent: message ranges lie in the
//! input, and every message that parses converts to JSON and back byte for byte.

#![no_main]

use libfuzzer_sys::fuzz_target;
use messagefoundry_hl7::batch::{self, SplitOptions};
use messagefoundry_hl7::{ParseOptions, json};

fuzz_target!(|data: &[u8]| {
    for tolerant in [false, true] {
        let Ok(split) = batch::split_with(data, SplitOptions { tolerant }) else {
            continue;
        };
        if !tolerant {
            assert!(split.warnings().is_empty());
        }
        let mut previous_end = 0;
        for raw in split.messages() {
            let range = raw.range();
            assert!(range.start >= previous_end && range.end <= data.len());
            assert_eq!(&data[range.clone()], raw.bytes());
            assert!(raw.bytes().starts_with(b"MSH"));
            previous_end = range.end;
            if let Ok(msg) = raw.parse_with(ParseOptions { tolerant }) {
                let back = json::from_json(&json::to_json(&msg))
                    .expect("the JSON of a parsed message reads back");
                assert_eq!(back.as_bytes(), msg.as_bytes());
            }
        }
        for group in split.groups() {
            if let Some(header) = group.header() {
                let _ = header.control_id().text();
            }
            if let Some(trailer) = group.trailer() {
                let _ = trailer.count();
            }
        }
        if let Some(header) = split.file_header() {
            let _ = header.field(3).text();
        }
    }
});
