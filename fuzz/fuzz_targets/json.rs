//! JSON import on arbitrary text never panics. An error's JSON Pointer names a place in the
//! input (a missing key aside). What imports exports to JSON that imports to the same message,
//! and that export is a fixed point.

#![no_main]

use libfuzzer_sys::fuzz_target;
use messagefoundry_hl7::json::{self, JsonErrorKind};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let msg = match json::from_json_str(text) {
        Ok(msg) => msg,
        Err(e) => {
            let value: Result<serde_json::Value, _> = serde_json::from_str(text);
            if let Ok(value) = value
                && !matches!(e.kind, JsonErrorKind::MissingKey(_))
            {
                assert!(
                    value.pointer(&e.pointer).is_some(),
                    "the error points at {:?}, which the input does not have",
                    e.pointer
                );
            }
            return;
        }
    };
    let exported = json::to_json_string(&msg);
    let again = match json::from_json_str(&exported) {
        Ok(again) => again,
        Err(e) => panic!("the export of an imported message does not import: {e}"),
    };
    assert_eq!(
        again.as_bytes(),
        msg.as_bytes(),
        "the round trip changed the message"
    );
    assert_eq!(
        json::to_json_string(&again),
        exported,
        "the export is not stable"
    );
});
