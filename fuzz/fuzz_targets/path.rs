//! The HL7 path parser on arbitrary text never panics; an error points inside the text; a
//! path that parses displays as text that parses to the same path (and displays the same).
//! The path then reads and writes a small message without panicking, and a value written at
//! it reads back unchanged.

#![no_main]

use libfuzzer_sys::fuzz_target;
use messagefoundry_hl7::{Message, Path};

/// Repetitions, components, sub-components, a repeated segment and a Z-segment to aim at.
const MESSAGE: &[u8] = b"MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240101120000||ORU^R01|42|P|2.5.1\r\
PID|1||123^^^H~456^^^B||Doe^John^^Jr&Sr\rOBX|1|ST|GLU||5.6\rOBX|2|NM|K||4.1\rZZ1|a~b^c&d\r";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = match Path::parse(text) {
        Ok(path) => path,
        Err(e) => {
            assert!(e.offset() <= text.len(), "error offset past the end");
            return;
        }
    };
    let shown = path.to_string();
    assert_eq!(
        Path::parse(&shown),
        Ok(path),
        "the display does not parse back"
    );
    assert_eq!(path.to_string(), shown);

    let Ok(msg) = Message::parse(MESSAGE) else {
        panic!("the fixed message parses");
    };
    let read = msg.get(path);
    let _ = (read.presence(), read.raw());
    assert_eq!(
        &msg[path],
        &*read.text(),
        "{path}: index and get agree"
    );
    let _ = msg.repetitions(path).len();

    let mut edited = msg.clone();
    if edited.set(path, "v").is_ok() {
        assert_eq!(edited.get(path).text(), "v", "{path} reads back");
        let again = Message::parse(edited.as_bytes()).expect("an edited message parses");
        assert_eq!(again.as_bytes(), edited.as_bytes());
    }
});
