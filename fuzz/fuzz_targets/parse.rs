//! Parses arbitrary bytes as an HL7 message, strictly and tolerantly. Neither may panic; what
//! parses must read without panicking and serialize to bytes that parse again to the same
//! message.

#![no_main]

use libfuzzer_sys::fuzz_target;
use messagefoundry_hl7::{Message, Path};

/// Paths read from every message that parses: leaves, whole fields, repetitions, deep and absent.
const PATHS: &[Path] = &[
    Path::parse_const("MSH-1"),
    Path::parse_const("MSH-2"),
    Path::parse_const("MSH-9"),
    Path::parse_const("MSH-9.1"),
    Path::parse_const("MSH-10"),
    Path::parse_const("MSH-12.1"),
    Path::parse_const("MSH-18"),
    Path::parse_const("PID-3[2].1"),
    Path::parse_const("PID-5.1.1"),
    Path::parse_const("OBX[2]-5"),
    Path::parse_const("OBX-5.2.3"),
    Path::parse_const("ZZZ[3]-999[9].9.9"),
];

fuzz_target!(|data: &[u8]| {
    let strict = Message::parse(data);
    let tolerant = Message::parse_tolerant(data);
    // Tolerant parsing accepts everything strict parsing does.
    if strict.is_ok() {
        assert!(
            tolerant.is_ok(),
            "tolerant parsing rejects what strict accepts"
        );
    }
    if let Ok(msg) = &strict {
        // Strict parsing keeps the bytes, only rewriting line feeds to `\r`.
        let mut expected = Vec::with_capacity(data.len());
        let mut bytes = data.iter().peekable();
        while let Some(&b) = bytes.next() {
            if b == b'\r' && bytes.peek() == Some(&&b'\n') {
                bytes.next();
            }
            expected.push(if b == b'\n' { b'\r' } else { b });
        }
        assert_eq!(
            msg.as_bytes(),
            expected.as_slice(),
            "strict parse changed the bytes"
        );
    }
    for msg in [strict, tolerant].iter().flatten() {
        check_message(msg);
    }
});

/// Reads the message and checks that its bytes parse strictly to the same message.
fn check_message(msg: &Message) {
    let again = match Message::parse(msg.as_bytes()) {
        Ok(again) => again,
        Err(e) => panic!("a parsed message does not parse again: {e}"),
    };
    assert_eq!(
        again.as_bytes(),
        msg.as_bytes(),
        "re-parse changed the bytes"
    );
    assert_eq!(again.segment_count(), msg.segment_count());
    for path in PATHS {
        assert_eq!(
            &msg[path], &again[path],
            "{path} reads differently after re-parse"
        );
        let value = msg.get(path);
        let _ = (value.presence(), value.try_text(), value.raw());
        let _ = msg.repetitions(path).len();
    }
    for seg in msg.segments() {
        let count = u16::try_from(seg.field_count()).unwrap_or(u16::MAX);
        for n in 0..=count.saturating_add(1) {
            let _ = (seg.field(n).text(), seg.field_raw(n));
        }
    }
}
