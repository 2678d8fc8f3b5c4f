//! What a message's header must hold before the engine routes it and answers it positively:
//! a message type (MSH-9) to route by, and a control ID (MSH-10) that the sender can match the
//! acknowledgment against.
//!
//! A message that parses but lacks either is stored for the operator, recorded as ERROR and
//! never routed; the sender gets AR (CR in enhanced mode) with an ERR naming each empty field.
//! Without MSH-10 an AA would carry an empty MSA-2 that no sender can match.

use messagefoundry_hl7::{Message, Path, ack};

/// A header field the engine needs, and the words an ACK and the store use for it.
struct Required {
    /// The component that must not be empty.
    path: Path,
    /// The field, named as the error text names it.
    name: &'static str,
}

/// The fields checked, in the order their errors are reported.
const REQUIRED: [Required; 2] = [
    Required {
        path: Path::parse_const("MSH-9.1"),
        name: "MSH-9 (message type)",
    },
    Required {
        path: Path::parse_const("MSH-10"),
        name: "MSH-10 (message control ID)",
    },
];

/// The header fields a message lacks (empty or only blanks), as ACK errors; empty when the
/// header holds what the engine needs.
pub(crate) fn missing_fields(msg: &Message) -> Vec<ack::ErrorEntry> {
    REQUIRED
        .iter()
        .filter(|r| msg.get(r.path).text().trim().is_empty())
        .map(|r| {
            ack::ErrorEntry::new(ack::ErrorEntry::REQUIRED_FIELD_MISSING)
                .at(r.path)
                .with_text(format!("{} is empty", r.name))
        })
        .collect()
}

/// The reason recorded with such a message: the ACK errors' texts, joined.
pub(crate) fn reason(missing: &[ack::ErrorEntry]) -> String {
    let texts: Vec<&str> = missing.iter().filter_map(|e| e.text.as_deref()).collect();
    format!("header incomplete: {}", texts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn missing(text: &str) -> Vec<String> {
        let msg = Message::parse(text).expect("test message parses");
        missing_fields(&msg)
            .into_iter()
            .filter_map(|e| e.text)
            .collect()
    }

    #[test]
    fn a_complete_header_lacks_nothing() {
        assert!(missing("MSH|^~\\&|LAB|H|EHR|H|20260101||ORU^R01|C1|P|2.5.1\r").is_empty());
    }

    #[test]
    fn a_bare_header_lacks_type_and_control_id() {
        assert_eq!(
            missing("MSH|^~\\&"),
            [
                "MSH-9 (message type) is empty",
                "MSH-10 (message control ID) is empty"
            ]
        );
    }

    #[test]
    fn blanks_count_as_empty() {
        assert_eq!(
            missing("MSH|^~\\&|LAB|H|EHR|H|20260101||ORU^R01|  |P|2.5.1\r"),
            ["MSH-10 (message control ID) is empty"]
        );
        assert_eq!(
            missing("MSH|^~\\&|LAB|H|EHR|H|20260101||^R01|C1|P|2.5.1\r"),
            ["MSH-9 (message type) is empty"]
        );
    }
}
