//! Indexing a message: one pass over the bytes that records where segments and fields start.
//!
//! Nothing is copied or unescaped here: components, repetitions and escapes are found when a
//! value is read. Line feeds (`\n`, `\r\n`) are the only thing rewritten, into `\r`, so that the
//! stored bytes are always the message as it will be sent.

use crate::delimiters::Delimiters;
use crate::error::{ParseError, ParseErrorKind};
use crate::path::SegmentId;

/// How forgiving parsing is.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ParseOptions {
    /// Repair what a person would: leading blank lines or MLLP framing bytes, blank lines
    /// between segments, trailing NUL or framing bytes, line feeds. Strict parsing rejects blank
    /// lines and control bytes. Both accept `\n` and `\r\n` as terminators and a missing final
    /// terminator.
    pub tolerant: bool,
}

/// One segment of the index: its ID, its byte range without the terminator, and the range of
/// its field separators in [`Index::seps`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct SegmentEntry {
    pub id: SegmentId,
    pub start: u32,
    pub end: u32,
    pub seps_start: u32,
    pub seps_end: u32,
}

/// Where everything is in a message's bytes.
#[derive(Clone, Debug, Default)]
pub(crate) struct Index {
    pub segments: Vec<SegmentEntry>,
    /// Offsets of every field separator, segment after segment.
    pub seps: Vec<u32>,
}

/// Prepares the bytes (line feeds, and in tolerant mode blank lines and framing) and reads the
/// delimiters. Returns the bytes to keep.
pub(crate) fn prepare(
    mut bytes: Vec<u8>,
    options: ParseOptions,
) -> Result<(Vec<u8>, Delimiters), ParseError> {
    if bytes.is_empty() {
        return Err(ParseError::new(0, ParseErrorKind::Empty));
    }
    if u32::try_from(bytes.len()).is_err() {
        return Err(ParseError::new(0, ParseErrorKind::TooLarge));
    }
    // Fast check, vectorised by the compiler: only unusual input pays for the slow path.
    if bytes.iter().any(|&b| b < 0x20 && b != b'\r' && b != b'\t') {
        bytes = repair_control_bytes(bytes, options)?;
    }
    if options.tolerant {
        bytes = drop_blank_lines(bytes);
        if bytes.is_empty() {
            return Err(ParseError::new(0, ParseErrorKind::Empty));
        }
    }
    let (delims, _) = Delimiters::from_header(&bytes)?;
    if &bytes[..3] != b"MSH" {
        return Err(ParseError::new(0, ParseErrorKind::NoHeader));
    }
    Ok((bytes, delims))
}

/// Turns `\r\n` and `\n` into `\r`; in tolerant mode strips framing bytes and NULs at either end;
/// rejects any other control byte.
fn repair_control_bytes(bytes: Vec<u8>, options: ParseOptions) -> Result<Vec<u8>, ParseError> {
    let mut slice: &[u8] = &bytes;
    let mut skipped = 0;
    let mut ended_with_terminator = false;
    if options.tolerant {
        let is_junk = |b: &u8| matches!(b, 0x0B | 0x1C | 0x00) || b.is_ascii_whitespace();
        let lead = slice.iter().take_while(|b| is_junk(b)).count();
        slice = &slice[lead..];
        skipped = lead;
        let trail = slice.iter().rev().take_while(|b| is_junk(b)).count();
        ended_with_terminator = slice[slice.len() - trail..]
            .iter()
            .any(|&b| b == b'\r' || b == b'\n');
        slice = &slice[..slice.len() - trail];
    }
    let mut out = Vec::with_capacity(slice.len());
    let mut i = 0;
    while i < slice.len() {
        let b = slice[i];
        match b {
            b'\r' if slice.get(i + 1) == Some(&b'\n') => {
                out.push(b'\r');
                i += 1;
            }
            b'\n' => out.push(b'\r'),
            b'\r' | b'\t' => out.push(b),
            0x00..=0x1F => {
                return Err(ParseError::new(skipped + i, ParseErrorKind::ControlByte));
            }
            _ => out.push(b),
        }
        i += 1;
    }
    if ended_with_terminator {
        out.push(b'\r');
    }
    Ok(out)
}

/// Removes empty segments and leading terminators (tolerant mode only).
fn drop_blank_lines(bytes: Vec<u8>) -> Vec<u8> {
    let has_blank =
        bytes.first() == Some(&b'\r') || memchr::memmem::find(&bytes, b"\r\r").is_some();
    if !has_blank {
        return bytes;
    }
    let mut out = Vec::with_capacity(bytes.len());
    for &b in &bytes {
        if b == b'\r' && (out.is_empty() || out.last() == Some(&b'\r')) {
            continue;
        }
        out.push(b);
    }
    out
}

/// Indexes prepared bytes: every segment and every field separator.
pub(crate) fn index(bytes: &[u8], delims: &Delimiters) -> Result<Index, ParseError> {
    let mut idx = Index {
        segments: Vec::with_capacity(16),
        seps: Vec::with_capacity(bytes.len() / 8),
    };
    let mut seg_start = 0usize;
    let mut seps_start = 0usize;
    for pos in memchr::memchr2_iter(delims.field, b'\r', bytes) {
        if bytes[pos] == b'\r' {
            close_segment(&mut idx, bytes, seg_start, pos, seps_start)?;
            seg_start = pos + 1;
            seps_start = idx.seps.len();
        } else {
            idx.seps.push(pos as u32);
        }
    }
    if seg_start < bytes.len() {
        close_segment(&mut idx, bytes, seg_start, bytes.len(), seps_start)?;
    }
    Ok(idx)
}

fn close_segment(
    idx: &mut Index,
    bytes: &[u8],
    start: usize,
    end: usize,
    seps_start: usize,
) -> Result<(), ParseError> {
    if start == end {
        return Err(ParseError::new(start, ParseErrorKind::EmptySegment));
    }
    let name_end = idx
        .seps
        .get(seps_start)
        .map_or(end, |&s| s as usize)
        .min(end);
    let id = SegmentId::from_slice(&bytes[start..name_end])
        .ok_or(ParseError::new(start, ParseErrorKind::BadSegmentName))?;
    if !idx.segments.is_empty() && matches!(id.as_bytes(), b"MSH" | b"BHS" | b"FHS") {
        return Err(ParseError::new(start, ParseErrorKind::NestedHeader));
    }
    idx.segments.push(SegmentEntry {
        id,
        start: start as u32,
        end: end as u32,
        seps_start: seps_start as u32,
        seps_end: idx.seps.len() as u32,
    });
    Ok(())
}

/// Indexes one segment given as text (for inserting segments); returns its ID.
pub(crate) fn check_segment(
    bytes: &[u8],
    delims: &Delimiters,
) -> Result<SegmentId, ParseErrorKind> {
    if bytes.is_empty() {
        return Err(ParseErrorKind::EmptySegment);
    }
    if bytes.iter().any(|&b| b < 0x20 && b != b'\t') {
        return Err(ParseErrorKind::ControlByte);
    }
    let name_end = memchr::memchr(delims.field, bytes).unwrap_or(bytes.len());
    let id = SegmentId::from_slice(&bytes[..name_end]).ok_or(ParseErrorKind::BadSegmentName)?;
    if matches!(id.as_bytes(), b"MSH" | b"BHS" | b"FHS") {
        return Err(ParseErrorKind::NestedHeader);
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(b: &[u8], tolerant: bool) -> Result<(Vec<u8>, Index), ParseError> {
        let (bytes, d) = prepare(b.to_vec(), ParseOptions { tolerant })?;
        let idx = index(&bytes, &d)?;
        Ok((bytes, idx))
    }

    #[test]
    fn indexes_segments_and_fields() {
        let (_, idx) = parse(b"MSH|^~\\&|A|B\rPID|1||X\r", false).unwrap();
        assert_eq!(idx.segments.len(), 2);
        assert_eq!(idx.segments[1].id, "PID");
        assert_eq!(idx.seps, vec![3, 8, 10, 16, 18, 19]);
    }

    #[test]
    fn line_feeds_become_carriage_returns() {
        let (b, idx) = parse(b"MSH|^~\\&\r\nPID|1\nPV1|2", false).unwrap();
        assert_eq!(b, b"MSH|^~\\&\rPID|1\rPV1|2");
        assert_eq!(idx.segments.len(), 3);
    }

    #[test]
    fn strict_errors_name_the_offset() {
        let e = parse(b"MSH|^~\\&\r\rPID|1", false).unwrap_err();
        assert_eq!((e.offset, e.kind), (9, ParseErrorKind::EmptySegment));
        let e = parse(b"MSH|^~\\&\rPI|1", false).unwrap_err();
        assert_eq!((e.offset, e.kind), (9, ParseErrorKind::BadSegmentName));
        let e = parse(b"MSH|^~\\&\rPID|\x01", false).unwrap_err();
        assert_eq!((e.offset, e.kind), (13, ParseErrorKind::ControlByte));
        let e = parse(b"MSH|^~\\&\rMSH|^~\\&", false).unwrap_err();
        assert_eq!(e.kind, ParseErrorKind::NestedHeader);
        let e = parse(b"", false).unwrap_err();
        assert_eq!(e.kind, ParseErrorKind::Empty);
    }

    #[test]
    fn tolerant_repairs() {
        let (b, idx) = parse(b"\x0b\r\nMSH|^~\\&\r\r\nPID|1\r\x1c\r", true).unwrap();
        assert_eq!(b, b"MSH|^~\\&\rPID|1\r");
        assert_eq!(idx.segments.len(), 2);
    }
}
