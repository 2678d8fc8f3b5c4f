//! Where the file transport meets HL7 batches: a file's messages read out of it ([`split`])
//! by the same batch reader MLLP intake uses, FHS/BHS envelopes checked and left out.

use std::ops::Range;

use messagefoundry_hl7::batch;

/// The messages of a file, as byte ranges of its content, in order. The file is a run of
/// messages, optionally in FHS/BHS batches whose BTS-1 and FTS-1 counts must match.
///
/// An error (with the byte offset, never content) when the envelope is wrong, a segment
/// stands outside any message, or the file holds no message.
pub(crate) fn split(content: &[u8]) -> Result<Vec<Range<usize>>, String> {
    let split = batch::split(content).map_err(|e| e.to_string())?;
    let messages: Vec<Range<usize>> = split.messages().map(|m| m.range()).collect();
    if messages.is_empty() {
        return Err("the file holds no message (no MSH segment)".to_owned());
    }
    Ok(messages)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(content: &[u8]) -> Vec<&[u8]> {
        split(content)
            .unwrap()
            .into_iter()
            .map(|r| &content[r])
            .collect()
    }

    #[test]
    fn splits_messages_and_drops_envelopes() {
        let file = b"FHS|^~\\&|LAB\rBHS|^~\\&|LAB\rMSH|^~\\&|A|1\rPID|1\r\rMSH|^~\\&|A|2\nPID|2\nBTS|2\rFTS|1\r";
        assert_eq!(
            pieces(file),
            vec![
                &b"MSH|^~\\&|A|1\rPID|1\r"[..],
                &b"MSH|^~\\&|A|2\nPID|2\n"[..]
            ]
        );
        assert_eq!(pieces(b"MSH|^~\\&|A"), vec![&b"MSH|^~\\&|A"[..]]);
        // An MSH-looking word inside a segment does not start a message.
        assert_eq!(pieces(b"MSH|1\rNTE|MSH|x\r").len(), 1);
    }

    #[test]
    fn stray_segments_and_empty_files_are_errors() {
        let stray = split(b"\r\nPID|1\rMSH|x\r").unwrap_err();
        assert!(stray.contains("outside any message"), "{stray}");
        assert!(stray.contains("at byte 2"), "{stray}");
        let miscounted = split(b"BHS|^~\\&\rMSH|^~\\&|A|1\rBTS|2\r").unwrap_err();
        assert!(miscounted.contains("BTS-1 says 2 but 1"), "{miscounted}");
        assert!(split(b"").unwrap_err().contains("empty"));
        assert!(
            split(b"BHS|^~\\&\rBTS|0\r")
                .unwrap_err()
                .contains("no message")
        );
        assert!(split(b"MSH|1\rBTS|1\rPID|x\r").is_err());
    }
}
