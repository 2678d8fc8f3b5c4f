//! Search indexes declared per inbound (`index = ["PID-3.1", "PID-5.1"]` in `inbound!`): the
//! declarations, gathered at link time, and the values a message gives them.
//!
//! The values are patient data (an MRN, a name): they go to the store's index tables and
//! nowhere else, never to a log or an error.

use messagefoundry_hl7::{Message, Path};

/// The fields one inbound indexes, as `inbound!` declares them.
#[derive(Debug)]
pub struct IndexDef {
    /// The inbound's name.
    pub inbound: &'static str,
    /// Each field, as written (`PID-3.1`): the name the store keeps and searches use.
    pub names: &'static [&'static str],
    /// Each field's path, checked against the schema when the crate was built.
    pub paths: &'static [Path],
}

/// The longest value kept, in bytes; a longer one is kept cut at a character boundary, and
/// searches cut what they look for the same way.
pub const MAX_VALUE: usize = 256;

/// One indexed value of a message: the field's name and its text.
pub type IndexValue = (&'static str, String);

/// The declaration of an inbound's index, if it declares one.
pub fn declared(inbound: &str) -> Option<&'static IndexDef> {
    crate::__private::INDEXES
        .iter()
        .find(|def| def.inbound == inbound)
}

/// Every index the binary declares.
pub fn all() -> &'static [IndexDef] {
    &crate::__private::INDEXES
}

/// The values of a message at the fields its inbound indexes: every repetition of a repeating
/// field unless the path names one, empty values left out, each value once per field.
pub fn values_of(inbound: &str, msg: &Message) -> Vec<IndexValue> {
    declared(inbound).map_or_else(Vec::new, |def| values(def, msg))
}

/// The values of a message at the fields of `def`.
pub fn values(def: &IndexDef, msg: &Message) -> Vec<IndexValue> {
    values_at(
        def.names.iter().copied().zip(def.paths.iter().copied()),
        msg,
    )
}

/// The values of a message at each (name, path) field, as [`values`] reads them: what the
/// store uses to read a field again from its name when the binary's declarations are not at
/// hand (a key rotation, a verify).
pub fn values_at<'n>(
    fields: impl IntoIterator<Item = (&'n str, Path)>,
    msg: &Message,
) -> Vec<(&'n str, String)> {
    let mut out: Vec<(&'n str, String)> = Vec::new();
    for (name, path) in fields {
        let repetitions = if path.repetition.is_some() {
            1
        } else {
            msg.repetitions(path).len().max(1)
        };
        for n in 1..=repetitions {
            let at = if path.repetition.is_some() {
                path
            } else {
                Path {
                    repetition: Some(n as u16),
                    ..path
                }
            };
            let text = cut(&msg.get(at).text()).to_owned();
            if !text.is_empty() && !out.iter().any(|(f, v)| *f == name && *v == text) {
                out.push((name, text));
            }
        }
    }
    out
}

/// `text` cut to at most [`MAX_VALUE`] bytes, at a character boundary.
pub fn cut(text: &str) -> &str {
    if text.len() <= MAX_VALUE {
        return text;
    }
    let mut end = MAX_VALUE;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    static DEF: IndexDef = IndexDef {
        inbound: "IB",
        names: &["PID-3.1", "PID-5.1", "PID-3[2].1"],
        paths: &[
            Path::parse_const("PID-3.1"),
            Path::parse_const("PID-5.1"),
            Path::parse_const("PID-3[2].1"),
        ],
    };

    fn msg(pid: &str) -> Message {
        let text = format!("MSH|^~\\&|LAB|H|EHR|H|20240101||ADT^A01|C1|P|2.5.1\rPID|1||{pid}\r");
        Message::parse(text.into_bytes()).expect("test message")
    }

    #[test]
    fn every_repetition_is_indexed_unless_the_path_names_one() {
        let m = msg("111^^^H~222^^^X||DOE\\T\\SON^JANE");
        assert_eq!(
            values(&DEF, &m),
            vec![
                ("PID-3.1", "111".to_owned()),
                ("PID-3.1", "222".to_owned()),
                // Unescaped: what an operator types.
                ("PID-5.1", "DOE&SON".to_owned()),
                ("PID-3[2].1", "222".to_owned()),
            ]
        );
    }

    #[test]
    fn empty_and_repeated_values_are_left_out() {
        let m = msg("111~111~||");
        assert_eq!(
            values(&DEF, &m),
            vec![
                ("PID-3.1", "111".to_owned()),
                ("PID-3[2].1", "111".to_owned())
            ]
        );
        assert!(values_of("not declared", &m).is_empty());
    }

    #[test]
    fn long_values_are_cut_at_a_character_boundary() {
        let long = "é".repeat(200);
        let cut = cut(&long);
        assert!(cut.len() <= MAX_VALUE && cut.len() >= MAX_VALUE - 1);
        assert!(long.starts_with(cut));
    }
}
