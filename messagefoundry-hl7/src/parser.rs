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
///
/// Error offsets are offsets in the input. When the bytes had to be rewritten (a `\r\n`
/// became `\r`, framing or blank lines were dropped), the segments are checked here too, so
/// that an error found in the rewritten bytes can still name the offset in the input.
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
    let mut repaired = OffsetMap::default();
    let mut unblanked = OffsetMap::default();
    // Only unusual input pays for the slow path.
    if has_control_bytes(&bytes) {
        bytes = repair_control_bytes(bytes, options, &mut repaired)?;
    }
    if options.tolerant {
        bytes = drop_blank_lines(bytes, &mut unblanked);
        if bytes.is_empty() {
            return Err(ParseError::new(0, ParseErrorKind::Empty));
        }
    }
    let to_input = |e: ParseError| {
        let offset = repaired.to_input(unblanked.to_input(e.offset));
        ParseError::new(offset, e.kind)
    };
    let (delims, _) = Delimiters::from_header(&bytes).map_err(to_input)?;
    if &bytes[..3] != b"MSH" {
        return Err(to_input(ParseError::new(0, ParseErrorKind::NoHeader)));
    }
    if !(repaired.is_identity() && unblanked.is_identity()) {
        index(&bytes, &delims).map_err(to_input)?;
    }
    Ok((bytes, delims))
}

/// Where rewritten bytes came from: a list of (offset in the output, offset in the input) at
/// each place where the two stop moving together. Between entries, bytes map one to one.
#[derive(Default, Debug)]
struct OffsetMap(Vec<(usize, usize)>);

impl OffsetMap {
    /// From output offset `output` on, bytes come from input offset `input` on.
    fn resume(&mut self, output: usize, input: usize) {
        if output != input || !self.0.is_empty() {
            self.0.push((output, input));
        }
    }

    fn is_identity(&self) -> bool {
        self.0.is_empty()
    }

    /// The input offset of the output byte at `offset`.
    fn to_input(&self, offset: usize) -> usize {
        let after = self.0.partition_point(|&(output, _)| output <= offset);
        match after.checked_sub(1).map(|i| self.0[i]) {
            Some((output, input)) => input + (offset - output),
            None => offset,
        }
    }
}

/// Turns `\r\n` and `\n` into `\r`; in tolerant mode strips framing bytes and NULs at either end;
/// rejects any other control byte.
fn repair_control_bytes(
    bytes: Vec<u8>,
    options: ParseOptions,
    map: &mut OffsetMap,
) -> Result<Vec<u8>, ParseError> {
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
    map.resume(0, skipped);
    if let Some(at) = first_control_byte(slice, b"\r\n\t") {
        return Err(ParseError::new(skipped + at, ParseErrorKind::ControlByte));
    }
    // Only line feeds are left to rewrite: copy the runs between them.
    let mut out = Vec::with_capacity(slice.len());
    let mut start = 0;
    for at in memchr::memchr_iter(b'\n', slice) {
        out.extend_from_slice(&slice[start..at]);
        if at > start && slice[at - 1] == b'\r' {
            // `\r\n`: the `\r` is copied, the `\n` dropped.
            map.resume(out.len(), skipped + at + 1);
        } else {
            out.push(b'\r');
        }
        start = at + 1;
    }
    out.extend_from_slice(&slice[start..]);
    if ended_with_terminator {
        out.push(b'\r');
    }
    Ok(out)
}

/// Removes empty segments and leading terminators (tolerant mode only).
fn drop_blank_lines(bytes: Vec<u8>, map: &mut OffsetMap) -> Vec<u8> {
    let has_blank =
        bytes.first() == Some(&b'\r') || memchr::memmem::find(&bytes, b"\r\r").is_some();
    if !has_blank {
        return bytes;
    }
    let mut out = Vec::with_capacity(bytes.len());
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\r' && (out.is_empty() || out.last() == Some(&b'\r')) {
            map.resume(out.len(), i + 1);
            continue;
        }
        out.push(b);
    }
    out
}

/// Whether `bytes` holds a control byte other than `\r` and `\t`.
///
/// Checked 64 bytes at a time with no early exit inside a block, so that the compiler
/// vectorises it; `any` over the whole slice would test one byte at a time.
fn has_control_bytes(bytes: &[u8]) -> bool {
    let is_control = |b: u8| u8::from(b < 0x20 && b != b'\r' && b != b'\t');
    let (blocks, rest) = bytes.as_chunks::<64>();
    blocks
        .iter()
        .any(|block| block.iter().fold(0, |acc, &b| acc | is_control(b)) != 0)
        || rest.iter().any(|&b| is_control(b) != 0)
}

/// The offset of the first byte below 0x20 that is not in `allowed`.
///
/// Looks at 64-byte blocks without an early exit inside a block (which the compiler vectorises)
/// and searches byte by byte only inside the block that has one.
fn first_control_byte(bytes: &[u8], allowed: &[u8]) -> Option<usize> {
    let is_control = |b: u8| b < 0x20 && !allowed.contains(&b);
    let (blocks, _) = bytes.as_chunks::<64>();
    let block = blocks
        .iter()
        .position(|block| block.iter().fold(false, |acc, &b| acc | is_control(b)))
        .unwrap_or(blocks.len());
    let from = block * 64;
    bytes[from..]
        .iter()
        .position(|&b| is_control(b))
        .map(|at| from + at)
}

/// One bit per byte of `block`, set where the byte is `sep` or `\r`.
///
/// The compares are written byte by byte into an array, which the compiler vectorises; each
/// eight 0/1 bytes are then gathered into eight bits with one multiply (the partial products
/// of `0x0102040810204080` put byte `i` at bit `56 + i` and never overlap, so nothing carries).
#[inline]
fn separator_mask(block: &[u8; 64], sep: u8) -> u64 {
    let mut flags = [0u8; 64];
    for (flag, &b) in flags.iter_mut().zip(block) {
        *flag = u8::from(b == sep) | u8::from(b == b'\r');
    }
    let (words, _) = flags.as_chunks::<8>();
    words.iter().enumerate().fold(0, |mask, (i, word)| {
        let bits = u64::from_le_bytes(*word).wrapping_mul(0x0102_0408_1020_4080) >> 56;
        mask | (bits << (8 * i))
    })
}

/// Indexes prepared bytes: every segment and every field separator.
///
/// Separators are dense (one every few bytes), so rather than searching for each one, every
/// block of 64 bytes is turned into a bit mask of separator positions that is then walked.
pub(crate) fn index(bytes: &[u8], delims: &Delimiters) -> Result<Index, ParseError> {
    let mut idx = Index {
        segments: Vec::with_capacity(bytes.len() / 96 + 4),
        seps: Vec::with_capacity(bytes.len() / 8),
    };
    let mut seg_start = 0usize;
    let mut seps_start = 0usize;
    let mut on_separator = |idx: &mut Index, pos: usize| -> Result<(), ParseError> {
        if bytes[pos] == b'\r' {
            close_segment(idx, bytes, seg_start, pos, seps_start)?;
            seg_start = pos + 1;
            seps_start = idx.seps.len();
        } else {
            idx.seps.push(pos as u32);
        }
        Ok(())
    };
    let (blocks, rest) = bytes.as_chunks::<64>();
    for (n, block) in blocks.iter().enumerate() {
        let mut mask = separator_mask(block, delims.field);
        while mask != 0 {
            on_separator(&mut idx, n * 64 + mask.trailing_zeros() as usize)?;
            mask &= mask - 1;
        }
    }
    let rest_start = blocks.len() * 64;
    for (i, &b) in rest.iter().enumerate() {
        if b == delims.field || b == b'\r' {
            on_separator(&mut idx, rest_start + i)?;
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
        assert_eq!(idx.segments[1].id.as_str(), "PID");
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

    /// The index as a plain byte-by-byte scan would build it.
    fn naive_index(bytes: &[u8], field: u8) -> (Vec<(u32, u32)>, Vec<u32>) {
        let seps = (0..bytes.len())
            .filter(|&i| bytes[i] == field)
            .map(|i| i as u32)
            .collect();
        let mut segments = Vec::new();
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\r' {
                segments.push((start as u32, i as u32));
                start = i + 1;
            }
        }
        if start < bytes.len() {
            segments.push((start as u32, bytes.len() as u32));
        }
        (segments, seps)
    }

    #[test]
    fn block_scan_matches_a_plain_scan_across_block_edges() {
        // Separators and terminators at every offset around the 64-byte block edges.
        for len in [1, 62, 63, 64, 65, 127, 128, 129, 200] {
            for shift in 0..3 {
                let mut b = b"MSH|^~\\&".to_vec();
                let mut n = 0;
                while b.len() < len + 9 {
                    b.extend_from_slice(if (b.len() + shift).is_multiple_of(7) {
                        b"\rOBX"
                    } else {
                        b"|a"
                    });
                    n += 1;
                }
                let d = Delimiters::STANDARD;
                let idx = index(&b, &d).unwrap();
                let (segs, seps) = naive_index(&b, b'|');
                let got: Vec<(u32, u32)> = idx.segments.iter().map(|s| (s.start, s.end)).collect();
                assert_eq!(got, segs, "len {len} shift {shift} parts {n}");
                assert_eq!(idx.seps, seps, "len {len} shift {shift}");
            }
        }
    }

    #[test]
    fn separator_mask_sets_one_bit_per_match() {
        let mut block = [b'a'; 64];
        for i in [0, 7, 8, 31, 32, 55, 63] {
            block[i] = b'|';
        }
        block[9] = b'\r';
        block[62] = b'\r';
        let want = [0, 7, 8, 9, 31, 32, 55, 62, 63]
            .iter()
            .fold(0u64, |m, &i| m | 1 << i);
        assert_eq!(separator_mask(&block, b'|'), want);
        assert_eq!(separator_mask(&[0xFF; 64], b'|'), 0);
        assert_eq!(separator_mask(&[b'|'; 64], b'|'), u64::MAX);
    }

    #[test]
    fn control_bytes_found_anywhere() {
        assert!(!has_control_bytes(b""));
        for len in [1, 63, 64, 65, 130] {
            let clean = vec![b'a'; len];
            assert!(!has_control_bytes(&clean));
            for at in [0, len / 2, len - 1] {
                for ctl in [0x00, 0x0B, b'\n', 0x1C, 0x1F] {
                    let mut b = clean.clone();
                    b[at] = ctl;
                    assert!(has_control_bytes(&b), "len {len} at {at} byte {ctl:#x}");
                }
                let mut b = clean.clone();
                b[at] = b'\r';
                b[len - 1 - at] = b'\t';
                assert!(!has_control_bytes(&b));
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn index_matches_a_plain_scan(
            body in proptest::collection::vec(
                proptest::sample::select(b"|^\rAB1 \xff".to_vec()),
                0..400,
            )
        ) {
            let mut b = b"MSH|^~\\&".to_vec();
            b.extend_from_slice(&body);
            let (segs, seps) = naive_index(&b, b'|');
            match index(&b, &Delimiters::STANDARD) {
                Ok(idx) => {
                    let got: Vec<(u32, u32)> =
                        idx.segments.iter().map(|s| (s.start, s.end)).collect();
                    proptest::prop_assert_eq!(got, segs);
                    proptest::prop_assert_eq!(idx.seps, seps);
                }
                Err(e) => {
                    // The first bad segment (empty or badly named) is the one reported.
                    let bad = segs.iter().find(|&&(s, e)| {
                        let seg = &b[s as usize..e as usize];
                        let name = seg.split(|&c| c == b'|').next().unwrap_or_default();
                        seg.is_empty() || SegmentId::from_slice(name).is_none()
                    });
                    proptest::prop_assert_eq!(bad.map(|&(s, _)| s as usize), Some(e.offset));
                }
            }
        }
    }

    #[test]
    fn error_offsets_are_input_offsets_after_rewriting() {
        // The blank line starts at input offset 20, after two CRLFs that became one byte each.
        let input = b"MSH|^~\\&\r\nPID|1\r\n\r\nPV1|2\r\n";
        let e = parse(input, false).unwrap_err();
        assert_eq!((e.offset, e.kind), (17, ParseErrorKind::EmptySegment));
        assert_eq!(&input[e.offset - 2..e.offset], b"\r\n");
        let input = b"MSH|^~\\&\r\nPID|1\r\nPI|2\r\n";
        let e = parse(input, false).unwrap_err();
        assert_eq!((e.offset, e.kind), (17, ParseErrorKind::BadSegmentName));
        // Tolerant: framing and blank lines dropped before the bad segment.
        let input = b"\x0b\r\nMSH|^~\\&\r\n\r\nPID|1\n\nPI|2\r\x1c\r";
        let e = parse(input, true).unwrap_err();
        assert_eq!((e.offset, e.kind), (22, ParseErrorKind::BadSegmentName));
        assert_eq!(&input[e.offset..e.offset + 3], b"PI|");
        let e = parse(b"\x0b\x0bMSX|^~\\&\r", true).unwrap_err();
        assert_eq!((e.offset, e.kind), (2, ParseErrorKind::NoHeader));
        let e = parse(b"\n\nMSH|^^\\&\n", true).unwrap_err();
        assert_eq!((e.offset, e.kind), (7, ParseErrorKind::RepeatedDelimiter));
    }

    #[test]
    fn offset_map_follows_each_rewrite() {
        let mut map = OffsetMap::default();
        map.resume(0, 0);
        assert!(map.is_identity());
        map.resume(5, 6);
        map.resume(9, 12);
        assert_eq!(
            [0, 4, 5, 8, 9, 20].map(|o| map.to_input(o)),
            [0, 4, 6, 9, 12, 23]
        );
    }

    proptest::proptest! {
        #[test]
        fn line_feeds_rewritten_and_errors_point_into_the_input(
            body in proptest::collection::vec(
                proptest::sample::select(b"PID|\r\n\t\x01".to_vec()),
                0..200,
            )
        ) {
            let mut input = b"MSH|^~\\&|".to_vec();
            input.extend_from_slice(&body);
            let mut want = Vec::new();
            let mut i = 0;
            while i < input.len() {
                if input[i] == b'\r' && input.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                want.push(if input[i] == b'\n' { b'\r' } else { input[i] });
                i += 1;
            }
            let control = input.iter().position(|&b| b == 0x01);
            match (prepare(input.clone(), ParseOptions::default()), control) {
                (Ok((bytes, _)), None) => proptest::prop_assert_eq!(bytes, want),
                (Err(e), Some(at)) => {
                    proptest::prop_assert_eq!((e.offset, e.kind), (at, ParseErrorKind::ControlByte));
                }
                (Err(e), None) => {
                    // A bad segment: the offset is where its line starts in the input.
                    proptest::prop_assert!(matches!(
                        e.kind,
                        ParseErrorKind::EmptySegment | ParseErrorKind::BadSegmentName
                    ));
                    proptest::prop_assert!(matches!(input[e.offset - 1], b'\r' | b'\n'));
                    proptest::prop_assert!(
                        !(input[e.offset - 1] == b'\r' && input.get(e.offset) == Some(&b'\n'))
                    );
                }
                (Ok(_), Some(_)) => proptest::prop_assert!(false, "control byte accepted"),
            }
        }
    }

    #[test]
    fn first_control_byte_in_any_block() {
        let mut b = vec![b'a'; 200];
        assert_eq!(first_control_byte(&b, b"\r\n\t"), None);
        b[150] = b'\n';
        b[10] = b'\t';
        assert_eq!(first_control_byte(&b, b"\r\n\t"), None);
        assert_eq!(first_control_byte(&b, b"\r"), Some(10));
        b[199] = 0x1C;
        b[70] = 0x00;
        assert_eq!(first_control_byte(&b, b"\r\n\t"), Some(70));
        assert_eq!(first_control_byte(&b[71..], b"\r\n\t"), Some(128));
    }

    #[test]
    fn tolerant_repairs() {
        let (b, idx) = parse(b"\x0b\r\nMSH|^~\\&\r\r\nPID|1\r\x1c\r", true).unwrap();
        assert_eq!(b, b"MSH|^~\\&\rPID|1\r");
        assert_eq!(idx.segments.len(), 2);
    }
}
