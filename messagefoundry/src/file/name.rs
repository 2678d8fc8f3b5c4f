//! The name of the file a file outbound writes for a message, from its template.
//!
//! Values put in a name keep letters, digits, `.`, `-` and `_`; any other character becomes
//! `_`, so a value cannot reach outside the folder or make a name the file system refuses.

use messagefoundry_hl7::{Message, Path};
use messagefoundry_options::{Piece, name_template};

/// The file name for `msg`, queued at `seq`. An error (naming the path, never its value)
/// when the template is unusable or a path it names is empty in the message.
pub(crate) fn render(template: &str, msg: &Message, seq: u64) -> Result<String, String> {
    let mut name = String::new();
    for (_, piece) in name_template(template)? {
        match piece {
            Piece::Text(text) => name.push_str(text),
            Piece::Seq => name.push_str(&seq.to_string()),
            Piece::Path(text) => {
                let path = Path::parse(text).map_err(|e| format!("{text}: {e}"))?;
                let value = msg.get(path).text();
                let value = value.trim();
                if value.is_empty() {
                    return Err(format!(
                        "{text} is empty in this message, so the file name `{template}` cannot be made"
                    ));
                }
                name.extend(value.chars().map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                        c
                    } else {
                        '_'
                    }
                }));
            }
        }
    }
    // A leading dot would hide the file, and `.`/`..` are no names.
    if name.starts_with('.') {
        name.replace_range(..1, "_");
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_take_the_message_values() {
        let msg = Message::parse(
            "MSH|^~\\&|LAB|H|EHR|H|20240101||ORU^R01|C/1 x|P|2.5.1\rPID|1||..^^^MRN\r",
        )
        .unwrap();
        assert_eq!(render("{MSH-10}.hl7", &msg, 7).unwrap(), "C_1_x.hl7");
        assert_eq!(render("{MSH-9.1}_{seq}.hl7", &msg, 7).unwrap(), "ORU_7.hl7");
        assert_eq!(render("{PID-3.1}", &msg, 7).unwrap(), "_.");
        assert_eq!(
            render("{PID-8}.hl7", &msg, 7).unwrap_err(),
            "PID-8 is empty in this message, so the file name `{PID-8}.hl7` cannot be made"
        );
    }
}
