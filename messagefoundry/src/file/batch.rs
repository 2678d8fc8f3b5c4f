//! Where the file transport meets HL7 batches: reading a file's messages out of it
//! ([`split`]), FHS/BHS envelopes recognised and left out.

use std::ops::Range;

/// The messages of a file, as byte ranges of its content, in order: each begins at an MSH
/// segment and runs to the next MSH or batch segment. FHS, BHS, BTS and FTS segments are left
/// out; blank lines between segments are skipped. Segments may end in `\r`, `\n` or `\r\n`.
///
/// An error (with the byte offset, never content) when a segment stands outside any message
/// or the file holds no message.
pub(crate) fn split(content: &[u8]) -> Result<Vec<Range<usize>>, String> {
    let mut messages = Vec::new();
    let mut current: Option<usize> = None;
    let mut at = 0;
    while at < content.len() {
        let end = memchr::memchr2(b'\r', b'\n', &content[at..]).map_or(content.len(), |i| at + i);
        let line = &content[at..end];
        if !line.iter().all(u8::is_ascii_whitespace) {
            match segment_id(line) {
                Some(b"MSH") => {
                    if let Some(start) = current.replace(at) {
                        messages.push(start..at);
                    }
                }
                Some(b"FHS" | b"BHS" | b"BTS" | b"FTS") => {
                    if let Some(start) = current.take() {
                        messages.push(start..at);
                    }
                }
                _ if current.is_none() => {
                    return Err(format!(
                        "byte {at}: a segment outside any message; a file holds messages that begin with MSH, optionally in an FHS/BHS batch"
                    ));
                }
                _ => {}
            }
        }
        at = end + 1;
    }
    if let Some(start) = current {
        messages.push(start..content.len());
    }
    if messages.is_empty() {
        return Err("the file holds no message (no MSH segment)".to_owned());
    }
    Ok(messages)
}

/// A segment's three-letter ID when the line starts like a header or batch segment: three
/// letters or digits, then the field separator.
fn segment_id(line: &[u8]) -> Option<&[u8]> {
    match line {
        [a, b, c, sep, ..]
            if [a, b, c].iter().all(|x| x.is_ascii_uppercase() || x.is_ascii_digit())
                && !sep.is_ascii_alphanumeric() =>
        {
            Some(&line[..3])
        }
        _ => None,
    }
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
            vec![&b"MSH|^~\\&|A|1\rPID|1\r\r"[..], &b"MSH|^~\\&|A|2\nPID|2\n"[..]]
        );
        assert_eq!(pieces(b"MSH|^~\\&|A"), vec![&b"MSH|^~\\&|A"[..]]);
        // An MSH-looking word inside a segment does not start a message.
        assert_eq!(pieces(b"MSH|1\rNTE|MSH|x\r").len(), 1);
    }

    #[test]
    fn stray_segments_and_empty_files_are_errors() {
        assert_eq!(
            split(b"\r\nPID|1\rMSH|x\r").unwrap_err(),
            "byte 2: a segment outside any message; a file holds messages that begin with MSH, optionally in an FHS/BHS batch"
        );
        assert!(split(b"").unwrap_err().contains("no message"));
        assert!(split(b"BHS|x\rBTS|0\r").unwrap_err().contains("no message"));
        assert!(split(b"MSH|1\rBTS|1\rPID|x\r").is_err());
    }
}
