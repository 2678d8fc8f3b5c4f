//! Batch files and message streams: splitting them into messages, and building them.
//!
//! HL7 v2 groups messages as `[FHS] { [BHS] { MSH … } [BTS] } [FTS]`: a file of batches of
//! messages, every envelope segment optional. Interfaces also send plain streams, several
//! messages one after the other with no envelope at all. [`split`] reads all of these without
//! copying: it finds where each message starts and ends and hands out byte ranges, which
//! [`RawMessage::parse`] turns into [`Message`]s one by one, so that one broken message never
//! loses the others.
//!
//! What [`split`] accepts:
//! * segments ended by `\r`, `\n` or `\r\n`, blank lines anywhere between messages and envelope
//!   segments (a blank line inside a message is kept in that message's bytes, for its parser to
//!   judge);
//! * a plain stream (no FHS/BHS/BTS/FTS): one batch without header or trailer;
//! * FHS without BHS: the messages form one batch without header (FTS-1 may then count that one
//!   batch, or the messages);
//! * BHS without BTS (the batch ends at the next FTS or at the end of the input), BTS without BHS
//!   (the batch starts at the input's start, the FHS or the previous BTS), FHS without FTS and
//!   FTS without FHS;
//! * an empty or absent BTS-1 / FTS-1 is not checked.
//!
//! What it rejects, with the byte offset of the segment at fault: an FHS that is not the first
//! segment, a BHS or FHS inside a message (after an MSH and before the message's end), a BHS
//! right after another BHS, a segment other than MSH where a message should start, anything after
//! the FTS, and a BTS-1 / FTS-1 that does not match what was counted (or is not a number). With
//! [`SplitOptions::tolerant`] the last two are [warnings](Batch::warnings) instead.
//!
//! ```
//! use messagefoundry_hl7::{Path, batch};
//! let input = b"BHS|^~\\&|LAB||||20240101||||B1\rMSH|^~\\&|LAB||||20240101||ADT^A01|1|P|2.5\rPID|1\r\
//!               MSH|^~\\&|LAB||||20240101||ADT^A01|2|P|2.5\rPID|2\rBTS|2\r";
//! let batch = batch::split(input).unwrap();
//! assert_eq!(batch.message_count(), 2);
//! assert_eq!(&batch.groups()[0].header().unwrap().field(11), "B1");
//! let second = batch.messages().nth(1).unwrap().parse().unwrap();
//! assert_eq!(&second[Path::parse_const("MSH-10")], "2");
//! ```

use std::borrow::Borrow;
use std::fmt;
use std::ops::Range;

use crate::charset::Charset;
use crate::delimiters::Delimiters;
use crate::error::{ParseError, ParseErrorKind};
use crate::escape;
use crate::message::Message;
use crate::parser::ParseOptions;
use crate::value::{Level, Value};

/// Envelope segments are read without a character set (MSH-18 belongs to messages); their
/// non-ASCII text reads like a message with an empty MSH-18.
static ENVELOPE_CHARSET: Charset = Charset::Unspecified;

/// How forgiving [`split_with`] is.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct SplitOptions {
    /// Report a BTS-1 / FTS-1 that does not match the count (or is not a number) as a
    /// [warning](Batch::warnings) instead of failing, and skip MLLP framing bytes and NULs at the
    /// start and end of the input.
    pub tolerant: bool,
}

/// Which envelope segment something is about.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum EnvelopeSegment {
    /// File header.
    Fhs,
    /// Batch header.
    Bhs,
    /// Batch trailer.
    Bts,
    /// File trailer.
    Fts,
}

impl EnvelopeSegment {
    /// The segment ID.
    pub fn as_str(&self) -> &'static str {
        match self {
            EnvelopeSegment::Fhs => "FHS",
            EnvelopeSegment::Bhs => "BHS",
            EnvelopeSegment::Bts => "BTS",
            EnvelopeSegment::Fts => "FTS",
        }
    }
}

impl fmt::Display for EnvelopeSegment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a batch file or stream could not be split, and where: a byte offset into the input.
///
/// Never quotes the input, so it is safe to log.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[error("{kind} (at byte {offset})")]
pub struct BatchError {
    /// Byte offset in the input of the segment at fault.
    pub offset: usize,
    /// What is wrong.
    pub kind: BatchErrorKind,
}

/// What is wrong with a batch file or stream.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BatchErrorKind {
    /// The input holds no segment at all.
    #[error("the input is empty")]
    Empty,
    /// The input is larger than 4 GiB.
    #[error("the input is larger than 4 GiB")]
    TooLarge,
    /// BTS-1 or FTS-1 does not match what the batch or file holds.
    #[error("{segment}-1 says {expected} but {found} were found")]
    CountMismatch {
        /// BTS (messages in the batch) or FTS (batches in the file).
        segment: EnvelopeSegment,
        /// The count the trailer states.
        expected: usize,
        /// The count found.
        found: usize,
    },
    /// BTS-1 or FTS-1 is not a whole number.
    #[error("{0}-1 is not a count (a whole number)")]
    BadCount(EnvelopeSegment),
    /// A BHS or FHS after a message's MSH and before its end.
    #[error("a {0} segment inside a message (after its MSH)")]
    HeaderInsideMessage(EnvelopeSegment),
    /// An FHS that is not the first segment, or a BHS that follows another BHS.
    #[error("a {0} segment out of place (an FHS must come first, a BHS after the FHS or a BTS)")]
    MisplacedHeader(EnvelopeSegment),
    /// A second FTS.
    #[error("a second {0} segment")]
    RepeatedTrailer(EnvelopeSegment),
    /// A segment where a message should start, and it is not an MSH.
    #[error("a segment outside any message (an MSH was expected)")]
    SegmentOutsideMessage,
    /// A segment after the FTS.
    #[error("a segment after the file trailer (FTS)")]
    AfterFileTrailer,
    /// The delimiters of an FHS or BHS are not valid.
    #[error("invalid {segment} delimiters: {reason}")]
    BadHeader {
        /// FHS or BHS.
        segment: EnvelopeSegment,
        /// Why the delimiters were rejected.
        reason: ParseErrorKind,
    },
}

/// A problem [`split_with`] let pass in tolerant mode.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct BatchWarning {
    /// Byte offset in the input of the segment at fault.
    pub offset: usize,
    /// What was wrong: [`BatchErrorKind::CountMismatch`] or [`BatchErrorKind::BadCount`].
    pub kind: BatchErrorKind,
}

impl fmt::Display for BatchWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.kind, self.offset)
    }
}

/// A batch file or stream split into envelope segments and messages. Borrows the input.
#[derive(Clone, Debug)]
pub struct Batch<'a> {
    input: &'a [u8],
    file_header: Option<Header<'a>>,
    file_trailer: Option<Trailer<'a>>,
    groups: Vec<BatchGroup<'a>>,
    warnings: Vec<BatchWarning>,
}

/// One batch: BHS, messages, BTS, where the header and trailer may be missing.
#[derive(Clone, Debug)]
pub struct BatchGroup<'a> {
    header: Option<Header<'a>>,
    trailer: Option<Trailer<'a>>,
    messages: Vec<RawMessage<'a>>,
}

/// One message of a batch, as the bytes it occupies in the input (terminators included).
#[derive(Clone, Copy)]
pub struct RawMessage<'a> {
    offset: usize,
    bytes: &'a [u8],
}

/// A header segment (FHS or BHS), read with its own delimiters.
#[derive(Clone, Debug)]
pub struct Header<'a> {
    kind: EnvelopeSegment,
    offset: usize,
    raw: &'a [u8],
    delims: Delimiters,
}

/// A trailer segment (BTS or FTS), read with the delimiters of its header (or of the messages
/// before it when there is no header).
#[derive(Clone, Debug)]
pub struct Trailer<'a> {
    kind: EnvelopeSegment,
    offset: usize,
    raw: &'a [u8],
    delims: Delimiters,
}

/// Splits a batch file or message stream strictly (see the [module](self) for what is
/// accepted).
pub fn split(input: &[u8]) -> Result<Batch<'_>, BatchError> {
    split_with(input, SplitOptions::default())
}

/// Splits a batch file or message stream with the given options.
pub fn split_with(input: &[u8], options: SplitOptions) -> Result<Batch<'_>, BatchError> {
    if u32::try_from(input.len()).is_err() {
        return Err(BatchError {
            offset: 0,
            kind: BatchErrorKind::TooLarge,
        });
    }
    let mut splitter = Splitter {
        input,
        options,
        batch: Batch {
            input,
            file_header: None,
            file_trailer: None,
            groups: Vec::new(),
            warnings: Vec::new(),
        },
        group: None,
        message: None,
        last_delims: Delimiters::STANDARD,
        seen_segment: false,
    };
    let (start, end) = if options.tolerant {
        trim_framing(input)
    } else {
        (0, input.len())
    };
    for line in lines(input, start, end) {
        splitter.segment(line)?;
    }
    splitter.finish()
}

/// Whether `input` is more than one message: it holds an envelope segment (FHS, BHS, BTS,
/// FTS) or a second MSH. Such input is for [`split`]; anything else is at most one message, for
/// [`Message::parse`]. Looks at the first bytes of each segment only, so it is cheap to ask of
/// every frame or file.
///
/// ```
/// use messagefoundry_hl7::batch;
/// assert!(!batch::is_batch(b"MSH|^~\\&|A\rPID|1\r"));
/// assert!(batch::is_batch(b"MSH|^~\\&|A\rMSH|^~\\&|B\r"));
/// assert!(batch::is_batch(b"BHS|^~\\&\rMSH|^~\\&|A\rBTS|1\r"));
/// ```
pub fn is_batch(input: &[u8]) -> bool {
    let (start, end) = trim_framing(input);
    let mut headers = 0;
    for line in lines(input, start, end) {
        match kind_of(&input[line.start..line.end]) {
            Kind::Envelope(_) => return true,
            Kind::Msh => {
                headers += 1;
                if headers > 1 {
                    return true;
                }
            }
            Kind::Other => {}
        }
    }
    false
}

impl<'a> Batch<'a> {
    /// A builder for a batch file or batch (FHS/BHS … BTS/FTS).
    pub fn builder() -> BatchBuilder {
        BatchBuilder::new()
    }

    /// The input this batch was split from.
    pub fn input(&self) -> &'a [u8] {
        self.input
    }

    /// The FHS, when there is one.
    pub fn file_header(&self) -> Option<&Header<'a>> {
        self.file_header.as_ref()
    }

    /// The FTS, when there is one.
    pub fn file_trailer(&self) -> Option<&Trailer<'a>> {
        self.file_trailer.as_ref()
    }

    /// The batches, in order. A plain stream is one batch without header or trailer.
    pub fn groups(&self) -> &[BatchGroup<'a>] {
        &self.groups
    }

    /// Every message of every batch, in order.
    pub fn messages(&self) -> impl Iterator<Item = RawMessage<'a>> + '_ {
        self.groups.iter().flat_map(|g| g.messages.iter().copied())
    }

    /// How many messages the input holds.
    pub fn message_count(&self) -> usize {
        self.groups.iter().map(|g| g.messages.len()).sum()
    }

    /// Parses every message; one that does not parse gives its error and does not stop the
    /// others. Error offsets count from the start of the input.
    pub fn parse_messages(&self, options: ParseOptions) -> Vec<Result<Message, ParseError>> {
        self.messages().map(|m| m.parse_with(options)).collect()
    }

    /// What tolerant splitting let pass; always empty after strict splitting.
    pub fn warnings(&self) -> &[BatchWarning] {
        &self.warnings
    }
}

impl<'a> BatchGroup<'a> {
    /// The BHS, when there is one.
    pub fn header(&self) -> Option<&Header<'a>> {
        self.header.as_ref()
    }

    /// The BTS, when there is one.
    pub fn trailer(&self) -> Option<&Trailer<'a>> {
        self.trailer.as_ref()
    }

    /// The batch's messages, in order.
    pub fn messages(&self) -> &[RawMessage<'a>] {
        &self.messages
    }
}

impl<'a> RawMessage<'a> {
    /// Byte offset of the message's MSH in the input.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The message's byte range in the input.
    pub fn range(&self) -> Range<usize> {
        self.offset..self.offset + self.bytes.len()
    }

    /// The message's bytes as they stand in the input, from its MSH to its last terminator.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Parses the message strictly; error offsets count from the start of the input.
    pub fn parse(&self) -> Result<Message, ParseError> {
        self.parse_with(ParseOptions::default())
    }

    /// Parses the message with the given options; error offsets count from the start of the
    /// input (in a message whose segments end with `\r\n`, an error found after the line feeds
    /// were turned into `\r` counts the shortened bytes).
    pub fn parse_with(&self, options: ParseOptions) -> Result<Message, ParseError> {
        Message::parse_with(self.bytes, options).map_err(|e| ParseError {
            offset: e.offset + self.offset,
            ..e
        })
    }
}

/// Shows where the message is, never its content.
impl fmt::Debug for RawMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawMessage")
            .field("range", &self.range())
            .finish()
    }
}

impl<'a> Header<'a> {
    /// FHS or BHS.
    pub fn kind(&self) -> EnvelopeSegment {
        self.kind
    }

    /// Byte offset of the segment in the input.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The segment's bytes, without its terminator.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The delimiters of FHS-1/FHS-2 (BHS-1/BHS-2).
    pub fn delimiters(&self) -> &Delimiters {
        &self.delims
    }

    /// Field `n` (numbered like MSH: 1 is the field separator, 2 the encoding characters,
    /// 11 the batch or file control ID), first repetition. Absent past the segment's end.
    pub fn field(&self, n: u16) -> Value<'_> {
        let (raw, level) = match n {
            0 => (None, Level::Repetition),
            1 => (self.raw.get(3..4), Level::Delimiters),
            2 => (field_of(self.raw, self.delims.field, 1), Level::Delimiters),
            n => (
                field_of(self.raw, self.delims.field, usize::from(n) - 1)
                    .map(|f| first_repetition(f, self.delims.repetition)),
                Level::Repetition,
            ),
        };
        Value::new(raw, level, &self.delims, &ENVELOPE_CHARSET)
    }

    /// The control ID (FHS-11 / BHS-11).
    pub fn control_id(&self) -> Value<'_> {
        self.field(11)
    }
}

impl<'a> Trailer<'a> {
    /// BTS or FTS.
    pub fn kind(&self) -> EnvelopeSegment {
        self.kind
    }

    /// Byte offset of the segment in the input.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The segment's bytes, without its terminator.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Field `n` (BTS-1 is the message count, FTS-1 the batch count), first repetition.
    pub fn field(&self, n: u16) -> Value<'_> {
        let raw = (n > 0)
            .then(|| field_of(self.raw, self.delims.field, usize::from(n)))
            .flatten()
            .map(|f| first_repetition(f, self.delims.repetition));
        Value::new(raw, Level::Repetition, &self.delims, &ENVELOPE_CHARSET)
    }

    /// The count of BTS-1 / FTS-1: `Ok(None)` when empty or absent,
    /// [`BatchErrorKind::BadCount`] when it is not a whole number.
    pub fn count(&self) -> Result<Option<usize>, BatchErrorKind> {
        let value = self.field(1);
        let raw = value.raw().trim_ascii();
        if raw.is_empty() {
            return Ok(None);
        }
        std::str::from_utf8(raw)
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
            .map(Some)
            .ok_or(BatchErrorKind::BadCount(self.kind))
    }
}

/// Part `n` (0 is the segment name) of a segment split at the field separator.
fn field_of(raw: &[u8], sep: u8, n: usize) -> Option<&[u8]> {
    raw.split(|&b| b == sep).nth(n)
}

fn first_repetition(field: &[u8], sep: u8) -> &[u8] {
    field.split(|&b| b == sep).next().unwrap_or_default()
}

/// One line of the input: where it starts, where its content ends, where its terminator ends.
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
    next: usize,
}

/// The lines of `input[start..end]`, at `\r`, `\n` or `\r\n`.
fn lines(input: &[u8], start: usize, end: usize) -> impl Iterator<Item = Line> + '_ {
    let mut pos = start;
    std::iter::from_fn(move || {
        if pos >= end {
            return None;
        }
        let line_start = pos;
        let line_end = memchr::memchr2(b'\r', b'\n', &input[pos..end]).map_or(end, |i| pos + i);
        let mut next = line_end;
        if next < end {
            next += if input[next] == b'\r' && input.get(next + 1) == Some(&b'\n') && next + 1 < end
            {
                2
            } else {
                1
            };
        }
        pos = next;
        Some(Line {
            start: line_start,
            end: line_end,
            next,
        })
    })
}

/// The part of the input left after MLLP framing bytes, NULs and whitespace at either end. The
/// end keeps one terminator if the trimmed tail held one.
fn trim_framing(input: &[u8]) -> (usize, usize) {
    let junk = |b: &u8| matches!(b, 0x0B | 0x1C | 0x00) || b.is_ascii_whitespace();
    let start = input.iter().take_while(|b| junk(b)).count();
    let rest = &input[start..];
    let end = start + rest.len() - rest.iter().rev().take_while(|b| junk(b)).count();
    // Keep the terminator of the last segment so that its message stays as it was sent.
    let keep = match input.get(end..) {
        Some([b'\r', b'\n', ..]) => 2,
        Some([b'\r' | b'\n', ..]) => 1,
        _ => 0,
    };
    (start, end + keep)
}

/// The kind of a segment, from its first bytes: an envelope segment, an MSH, or anything else.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Envelope(EnvelopeSegment),
    Msh,
    Other,
}

fn kind_of(line: &[u8]) -> Kind {
    // The name stands alone or is followed by a separator, never by a letter or digit.
    if line.get(3).is_some_and(|b| b.is_ascii_alphanumeric()) {
        return Kind::Other;
    }
    match line.get(..3) {
        Some(b"MSH") => Kind::Msh,
        Some(b"FHS") => Kind::Envelope(EnvelopeSegment::Fhs),
        Some(b"BHS") => Kind::Envelope(EnvelopeSegment::Bhs),
        Some(b"BTS") => Kind::Envelope(EnvelopeSegment::Bts),
        Some(b"FTS") => Kind::Envelope(EnvelopeSegment::Fts),
        _ => Kind::Other,
    }
}

/// The state of one pass of [`split_with`].
struct Splitter<'a> {
    input: &'a [u8],
    options: SplitOptions,
    batch: Batch<'a>,
    /// The batch being filled, until its BTS, the FTS or the end.
    group: Option<BatchGroup<'a>>,
    /// The message being read: its start and the end of its last segment's terminator.
    message: Option<(usize, usize)>,
    /// The delimiters of the last header or MSH, for reading trailers.
    last_delims: Delimiters,
    /// Whether any segment came before the current one.
    seen_segment: bool,
}

impl<'a> Splitter<'a> {
    fn segment(&mut self, line: Line) -> Result<(), BatchError> {
        let text = &self.input[line.start..line.end];
        if text.iter().all(|&b| b == b' ' || b == b'\t') {
            return Ok(());
        }
        let err = |kind| BatchError {
            offset: line.start,
            kind,
        };
        let first = !self.seen_segment;
        self.seen_segment = true;
        let kind = kind_of(text);
        if self.batch.file_trailer.is_some() {
            return Err(err(BatchErrorKind::AfterFileTrailer));
        }
        match kind {
            Kind::Other => match &mut self.message {
                Some((_, end)) => *end = line.next,
                None => return Err(err(BatchErrorKind::SegmentOutsideMessage)),
            },
            Kind::Msh => {
                self.close_message();
                if let Ok((d, _)) = Delimiters::from_header(text) {
                    self.last_delims = d;
                }
                self.message = Some((line.start, line.next));
            }
            Kind::Envelope(seg @ (EnvelopeSegment::Fhs | EnvelopeSegment::Bhs)) => {
                if self.message.is_some() {
                    return Err(err(BatchErrorKind::HeaderInsideMessage(seg)));
                }
                let misplaced = match seg {
                    EnvelopeSegment::Fhs => !first,
                    _ => self.group.is_some(),
                };
                if misplaced {
                    return Err(err(BatchErrorKind::MisplacedHeader(seg)));
                }
                let (delims, _) = Delimiters::from_header(text).map_err(|e| {
                    err(BatchErrorKind::BadHeader {
                        segment: seg,
                        reason: e.kind,
                    })
                })?;
                self.last_delims = delims;
                let header = Header {
                    kind: seg,
                    offset: line.start,
                    raw: text,
                    delims,
                };
                if seg == EnvelopeSegment::Fhs {
                    self.batch.file_header = Some(header);
                } else {
                    self.group = Some(BatchGroup {
                        header: Some(header),
                        trailer: None,
                        messages: Vec::new(),
                    });
                }
            }
            Kind::Envelope(seg @ (EnvelopeSegment::Bts | EnvelopeSegment::Fts)) => {
                self.close_message();
                let trailer = Trailer {
                    kind: seg,
                    offset: line.start,
                    raw: text,
                    delims: self.trailer_delims(seg),
                };
                if seg == EnvelopeSegment::Bts {
                    let mut group = self.group.take().unwrap_or_else(BatchGroup::empty);
                    let found = group.messages.len();
                    self.check_count(&trailer, |n| n == found, found)?;
                    group.trailer = Some(trailer);
                    self.batch.groups.push(group);
                } else {
                    self.close_group();
                    self.check_file_count(&trailer)?;
                    self.batch.file_trailer = Some(trailer);
                }
            }
        }
        Ok(())
    }

    /// Trailers take the delimiters of their header, else those of the last header or MSH.
    fn trailer_delims(&self, seg: EnvelopeSegment) -> Delimiters {
        let header = match seg {
            EnvelopeSegment::Bts => self.group.as_ref().and_then(|g| g.header.as_ref()),
            _ => self.batch.file_header.as_ref(),
        };
        header.map_or(self.last_delims, |h| h.delims)
    }

    fn check_file_count(&mut self, trailer: &Trailer<'_>) -> Result<(), BatchError> {
        let groups = self.batch.groups.len();
        // A file without BHS segments: FTS-1 may count its one implicit batch or its messages.
        let headerless = self.batch.groups.iter().all(|g| g.header.is_none());
        let messages = self.batch.message_count();
        self.check_count(
            trailer,
            |n| n == groups || (headerless && n == messages),
            groups,
        )
    }

    /// Checks a trailer's count; in tolerant mode a problem becomes a warning.
    fn check_count(
        &mut self,
        trailer: &Trailer<'_>,
        matches: impl Fn(usize) -> bool,
        found: usize,
    ) -> Result<(), BatchError> {
        let kind = match trailer.count() {
            Ok(None) => return Ok(()),
            Ok(Some(n)) if matches(n) => return Ok(()),
            Ok(Some(expected)) => BatchErrorKind::CountMismatch {
                segment: trailer.kind,
                expected,
                found,
            },
            Err(kind) => kind,
        };
        if self.options.tolerant {
            self.batch.warnings.push(BatchWarning {
                offset: trailer.offset,
                kind,
            });
            Ok(())
        } else {
            Err(BatchError {
                offset: trailer.offset,
                kind,
            })
        }
    }

    fn close_message(&mut self) {
        if let Some((start, end)) = self.message.take() {
            let group = self.group.get_or_insert_with(BatchGroup::empty);
            group.messages.push(RawMessage {
                offset: start,
                bytes: &self.input[start..end],
            });
        }
    }

    fn close_group(&mut self) {
        self.close_message();
        if let Some(group) = self.group.take() {
            self.batch.groups.push(group);
        }
    }

    fn finish(mut self) -> Result<Batch<'a>, BatchError> {
        self.close_group();
        if !self.seen_segment {
            return Err(BatchError {
                offset: 0,
                kind: BatchErrorKind::Empty,
            });
        }
        Ok(self.batch)
    }
}

impl BatchGroup<'_> {
    fn empty() -> Self {
        BatchGroup {
            header: None,
            trailer: None,
            messages: Vec::new(),
        }
    }
}

/// The fields of an FHS or BHS to write, given as text (escaped when written).
///
/// ```
/// use messagefoundry_hl7::batch::HeaderFields;
/// let bhs = HeaderFields::new().sending_application("LAB").control_id("B1");
/// ```
#[derive(Clone, Default, Debug)]
pub struct HeaderFields {
    fields: Vec<(u16, String)>,
    trailer_comment: Option<String>,
}

impl HeaderFields {
    /// No fields but the delimiters.
    pub fn new() -> HeaderFields {
        HeaderFields::default()
    }

    /// Field `n` (3 to 12, numbered like MSH), as text; a later call for the same field wins.
    /// Fields 1 and 2 are the delimiters, set on the [`BatchBuilder`].
    pub fn field(mut self, n: u16, text: impl Into<String>) -> HeaderFields {
        self.fields.retain(|(m, _)| *m != n);
        self.fields.push((n, text.into()));
        self
    }

    /// Field 3, the sending application.
    pub fn sending_application(self, text: impl Into<String>) -> HeaderFields {
        self.field(3, text)
    }

    /// Field 4, the sending facility.
    pub fn sending_facility(self, text: impl Into<String>) -> HeaderFields {
        self.field(4, text)
    }

    /// Field 5, the receiving application.
    pub fn receiving_application(self, text: impl Into<String>) -> HeaderFields {
        self.field(5, text)
    }

    /// Field 6, the receiving facility.
    pub fn receiving_facility(self, text: impl Into<String>) -> HeaderFields {
        self.field(6, text)
    }

    /// Field 7, the creation date and time (`YYYYMMDDHHMMSS`).
    pub fn created(self, text: impl Into<String>) -> HeaderFields {
        self.field(7, text)
    }

    /// Field 10, a comment.
    pub fn comment(self, text: impl Into<String>) -> HeaderFields {
        self.field(10, text)
    }

    /// Field 11, the batch or file control ID.
    pub fn control_id(self, text: impl Into<String>) -> HeaderFields {
        self.field(11, text)
    }

    /// Field 12, the control ID of the batch or file this one answers or replaces.
    pub fn reference_control_id(self, text: impl Into<String>) -> HeaderFields {
        self.field(12, text)
    }

    /// BTS-2 / FTS-2, the trailer's comment.
    pub fn trailer_comment(mut self, text: impl Into<String>) -> HeaderFields {
        self.trailer_comment = Some(text.into());
        self
    }
}

/// Why a batch could not be built.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The delimiters given to the builder are not valid.
    #[error("invalid delimiters: {0}")]
    BadDelimiters(ParseErrorKind),
    /// A header field number outside 3..=12.
    #[error("{segment}-{field} cannot be set here (fields 3 to 12 can)")]
    BadField {
        /// FHS or BHS.
        segment: EnvelopeSegment,
        /// The field number given.
        field: u16,
    },
}

/// Writes a batch file (FHS, batches, FTS) or a single batch (BHS, messages, BTS) with correct
/// counts in BTS-1 and FTS-1.
///
/// ```
/// use messagefoundry_hl7::{Message, batch::{self, BatchBuilder, HeaderFields}};
/// let a = Message::parse("MSH|^~\\&|LAB||||20240101||ADT^A01|1|P|2.5\rPID|1\r").unwrap();
/// let b = Message::parse("MSH|^~\\&|LAB||||20240101||ADT^A01|2|P|2.5\rPID|2").unwrap();
/// let bytes = BatchBuilder::new()
///     .file(HeaderFields::new().control_id("F1"))
///     .batch(HeaderFields::new().control_id("B1"), [&a, &b])
///     .build()
///     .unwrap();
/// assert!(bytes.ends_with(b"BTS|2\rFTS|1\r"));
/// assert_eq!(batch::split(&bytes).unwrap().message_count(), 2);
/// ```
#[derive(Clone, Debug)]
pub struct BatchBuilder {
    /// Set by [`BatchBuilder::delimiters`]; else those of the first message.
    delims: Option<Delimiters>,
    file: Option<HeaderFields>,
    batches: Vec<(HeaderFields, Vec<Vec<u8>>)>,
}

impl Default for BatchBuilder {
    fn default() -> Self {
        BatchBuilder::new()
    }
}

impl BatchBuilder {
    /// A builder with no file header and no batches, whose envelope takes the delimiters of
    /// the first message (the standard ones when there is none).
    pub fn new() -> BatchBuilder {
        BatchBuilder {
            delims: None,
            file: None,
            batches: Vec::new(),
        }
    }

    /// The delimiters of the envelope segments, instead of the first message's (messages
    /// keep their own).
    pub fn delimiters(mut self, delims: Delimiters) -> BatchBuilder {
        self.delims = Some(delims);
        self
    }

    /// Wraps the batches in FHS … FTS with these fields.
    pub fn file(mut self, header: HeaderFields) -> BatchBuilder {
        self.file = Some(header);
        self
    }

    /// Adds a batch (BHS, the messages, BTS).
    pub fn batch<M: Borrow<Message>>(
        mut self,
        header: HeaderFields,
        messages: impl IntoIterator<Item = M>,
    ) -> BatchBuilder {
        let messages = messages
            .into_iter()
            .map(|m| m.borrow().as_bytes().to_vec())
            .collect();
        self.batches.push((header, messages));
        self
    }

    /// Adds a batch of messages given as their ER7 bytes, each starting with its MSH (an
    /// acknowledgment just built, a message read from a store), written as they are.
    pub fn batch_of_bytes(
        mut self,
        header: HeaderFields,
        messages: impl IntoIterator<Item = Vec<u8>>,
    ) -> BatchBuilder {
        self.batches.push((header, messages.into_iter().collect()));
        self
    }

    /// The envelope's delimiters: those set, else the first message's, else the standard ones.
    fn envelope_delimiters(&self) -> Delimiters {
        self.delims.unwrap_or_else(|| {
            self.batches
                .iter()
                .flat_map(|(_, ms)| ms.first())
                .next()
                .and_then(|m| Delimiters::from_header(m).ok())
                .map_or(Delimiters::STANDARD, |(d, _)| d)
        })
    }

    /// Writes the batch file. Every segment ends with `\r`, the last message's included.
    pub fn build(&self) -> Result<Vec<u8>, BuildError> {
        let delims = self.envelope_delimiters();
        delims.validate().map_err(BuildError::BadDelimiters)?;
        let size: usize = self
            .batches
            .iter()
            .flat_map(|(_, ms)| ms.iter().map(|m| m.len() + 1))
            .sum();
        let mut out = Vec::with_capacity(size + 256);
        if let Some(file) = &self.file {
            write_header(&mut out, &delims, EnvelopeSegment::Fhs, file)?;
        }
        for (header, messages) in &self.batches {
            write_header(&mut out, &delims, EnvelopeSegment::Bhs, header)?;
            for m in messages {
                out.extend_from_slice(m);
                if !m.ends_with(b"\r") {
                    out.push(b'\r');
                }
            }
            write_trailer(&mut out, &delims, "BTS", messages.len(), header);
        }
        if let Some(file) = &self.file {
            write_trailer(&mut out, &delims, "FTS", self.batches.len(), file);
        }
        Ok(out)
    }
}

fn write_header(
    out: &mut Vec<u8>,
    delims: &Delimiters,
    segment: EnvelopeSegment,
    header: &HeaderFields,
) -> Result<(), BuildError> {
    if let Some(&(field, _)) = header.fields.iter().find(|(n, _)| !(3..=12).contains(n)) {
        return Err(BuildError::BadField { segment, field });
    }
    out.extend_from_slice(segment.as_str().as_bytes());
    out.push(delims.field);
    out.extend_from_slice(&delims.encoding_characters());
    let last = header.fields.iter().map(|(n, _)| *n).max().unwrap_or(2);
    for n in 3..=last {
        out.push(delims.field);
        if let Some((_, text)) = header.fields.iter().find(|(m, _)| *m == n) {
            out.extend_from_slice(&escape::escape(text.as_bytes(), delims));
        }
    }
    out.push(b'\r');
    Ok(())
}

fn write_trailer(
    out: &mut Vec<u8>,
    delims: &Delimiters,
    id: &str,
    count: usize,
    header: &HeaderFields,
) {
    out.extend_from_slice(id.as_bytes());
    out.push(delims.field);
    out.extend_from_slice(count.to_string().as_bytes());
    if let Some(comment) = &header.trailer_comment {
        out.push(delims.field);
        out.extend_from_slice(&escape::escape(comment.as_bytes(), delims));
    }
    out.push(b'\r');
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG1: &str = "MSH|^~\\&|LAB||||20240101||ADT^A01|1|P|2.5\rPID|1\r";
    const MSG2: &str = "MSH|^~\\&|LAB||||20240101||ADT^A01|2|P|2.5\rPID|2\r";

    fn kind(input: &str) -> BatchErrorKind {
        split(input.as_bytes()).unwrap_err().kind
    }

    #[test]
    fn plain_stream_with_mixed_terminators_and_blank_lines() {
        let input = "MSH|^~\\&|A||||||ADT^A01|1|P|2.5\r\nPID|1\r\n\r\n\nMSH|^~\\&|A||||||ADT^A01|2|P|2.5\nPID|2";
        let batch = split(input.as_bytes()).unwrap();
        assert_eq!(batch.groups().len(), 1);
        assert!(batch.groups()[0].header().is_none());
        let msgs: Vec<_> = batch.messages().collect();
        assert_eq!(msgs.len(), 2);
        assert_eq!(
            msgs[0].bytes(),
            b"MSH|^~\\&|A||||||ADT^A01|1|P|2.5\r\nPID|1\r\n"
        );
        assert_eq!(msgs[1].offset(), 43);
        let parsed = batch.parse_messages(ParseOptions::default());
        assert_eq!(parsed[0].as_ref().unwrap().control_id(), "1");
        // The missing final terminator stays missing.
        assert_eq!(parsed[1].as_ref().unwrap().as_bytes().last(), Some(&b'2'));
    }

    #[test]
    fn file_with_two_batches() {
        let input = format!(
            "FHS|^~\\&|LAB||||||||F1\rBHS|^~\\&|LAB||||||||B1\r{MSG1}{MSG2}BTS|2|two\rBHS|^~\\&\r{MSG1}BTS|1\rFTS|2\r"
        );
        let batch = split(input.as_bytes()).unwrap();
        assert_eq!(&batch.file_header().unwrap().control_id(), "F1");
        assert_eq!(&batch.file_header().unwrap().field(1), "|");
        assert_eq!(&batch.file_header().unwrap().field(2), "^~\\&");
        assert_eq!(&batch.file_header().unwrap().field(3), "LAB");
        assert!(!batch.file_header().unwrap().field(13).is_present());
        assert_eq!(batch.groups().len(), 2);
        let g = &batch.groups()[0];
        assert_eq!(&g.header().unwrap().control_id(), "B1");
        assert_eq!(&g.trailer().unwrap().field(2), "two");
        assert_eq!(g.trailer().unwrap().count(), Ok(Some(2)));
        assert_eq!(batch.groups()[1].messages().len(), 1);
        assert_eq!(batch.file_trailer().unwrap().count(), Ok(Some(2)));
        assert_eq!(batch.message_count(), 3);
    }

    #[test]
    fn counts_are_checked() {
        let input = format!("BHS|^~\\&\r{MSG1}{MSG2}BTS|3\r");
        let e = split(input.as_bytes()).unwrap_err();
        assert_eq!(e.offset, input.find("BTS").unwrap());
        assert_eq!(
            e.kind,
            BatchErrorKind::CountMismatch {
                segment: EnvelopeSegment::Bts,
                expected: 3,
                found: 2
            }
        );
        assert_eq!(
            e.to_string(),
            format!("BTS-1 says 3 but 2 were found (at byte {})", e.offset)
        );
        let tolerant = split_with(input.as_bytes(), SplitOptions { tolerant: true }).unwrap();
        assert_eq!(tolerant.message_count(), 2);
        assert_eq!(tolerant.warnings().len(), 1);
        assert_eq!(tolerant.warnings()[0].kind, e.kind);

        assert_eq!(
            kind(&format!("BHS|^~\\&\r{MSG1}BTS|x\r")),
            BatchErrorKind::BadCount(EnvelopeSegment::Bts)
        );
        assert!(split(format!("BHS|^~\\&\r{MSG1}BTS|\r").as_bytes()).is_ok());
        assert!(matches!(
            kind(&format!("FHS|^~\\&\rBHS|^~\\&\r{MSG1}BTS|1\rFTS|2\r")),
            BatchErrorKind::CountMismatch {
                segment: EnvelopeSegment::Fts,
                expected: 2,
                found: 1
            }
        ));
    }

    #[test]
    fn lenient_envelopes() {
        // FHS without BHS: FTS-1 may count the implicit batch or the messages.
        for n in ["1", "2"] {
            let input = format!("FHS|^~\\&\r{MSG1}{MSG2}FTS|{n}\r");
            let batch = split(input.as_bytes()).unwrap();
            assert_eq!(batch.groups().len(), 1);
            assert_eq!(batch.message_count(), 2);
        }
        // BHS without BTS.
        let input = format!("BHS|^~\\&\r{MSG1}");
        let batch = split(input.as_bytes()).unwrap();
        assert!(batch.groups()[0].trailer().is_none());
        // BTS without BHS.
        let input = format!("{MSG1}BTS|1\r{MSG2}");
        let batch = split(input.as_bytes()).unwrap();
        assert_eq!(batch.groups().len(), 2);
        assert!(batch.groups()[0].header().is_none());
        assert!(batch.groups()[0].trailer().is_some());
        // An empty file.
        let batch = split(b"FHS|^~\\&\rFTS|0\r").unwrap();
        assert_eq!(batch.message_count(), 0);
    }

    #[test]
    fn structure_errors_name_the_offset() {
        let input = "BHS|^~\\&\rMSH|^~\\&\rEVN|1\rBHS|^~\\&\rPID|1\rBTS|1\r";
        let e = split(input.as_bytes()).unwrap_err();
        assert_eq!(
            e.kind,
            BatchErrorKind::HeaderInsideMessage(EnvelopeSegment::Bhs)
        );
        assert_eq!(e.offset, 24);
        assert_eq!(
            kind(&format!("{MSG1}FHS|^~\\&\r")),
            BatchErrorKind::HeaderInsideMessage(EnvelopeSegment::Fhs)
        );
        assert_eq!(
            kind("BHS|^~\\&\rBTS|0\rFHS|^~\\&\r"),
            BatchErrorKind::MisplacedHeader(EnvelopeSegment::Fhs)
        );
        assert_eq!(
            kind("BHS|^~\\&\rBHS|^~\\&\r"),
            BatchErrorKind::MisplacedHeader(EnvelopeSegment::Bhs)
        );
        let e = split(b"BHS|^~\\&\rEVN|1\r").unwrap_err();
        assert_eq!(
            (e.offset, e.kind),
            (9, BatchErrorKind::SegmentOutsideMessage)
        );
        assert_eq!(
            kind(&format!("{MSG1}FTS|1\r{MSG2}")),
            BatchErrorKind::AfterFileTrailer
        );
        assert_eq!(kind("\r\n \r"), BatchErrorKind::Empty);
        assert_eq!(kind(""), BatchErrorKind::Empty);
        assert!(matches!(
            kind("BHS|^^\r"),
            BatchErrorKind::BadHeader {
                segment: EnvelopeSegment::Bhs,
                ..
            }
        ));
        // A segment whose name only starts like an envelope segment is an ordinary one.
        let input = format!("{MSG1}BTSX|1\r");
        let batch = split(input.as_bytes()).unwrap();
        assert!(batch.groups()[0].trailer().is_none());
    }

    #[test]
    fn per_message_errors_keep_the_others() {
        let input = format!("{MSG1}MSH|^~\\&\rPID|\x01\r{MSG2}");
        let batch = split(input.as_bytes()).unwrap();
        let parsed = batch.parse_messages(ParseOptions::default());
        assert_eq!(parsed.len(), 3);
        assert!(parsed[0].is_ok() && parsed[2].is_ok());
        let e = parsed[1].as_ref().unwrap_err();
        assert_eq!(e.kind, ParseErrorKind::ControlByte);
        assert_eq!(e.offset, input.find('\x01').unwrap());
    }

    #[test]
    fn tolerant_skips_framing() {
        let input = format!("\x0b{MSG1}\x1c\r");
        assert!(split(input.as_bytes()).is_err());
        let batch = split_with(input.as_bytes(), SplitOptions { tolerant: true }).unwrap();
        assert_eq!(batch.messages().next().unwrap().bytes(), MSG1.as_bytes());
    }

    #[test]
    fn builds_and_splits_back() {
        let a = Message::parse(MSG1).unwrap();
        let b = Message::parse(MSG2.trim_end()).unwrap();
        let delims = Delimiters {
            field: b'$',
            ..Delimiters::STANDARD
        };
        let bytes = BatchBuilder::new()
            .delimiters(delims)
            .file(
                HeaderFields::new()
                    .sending_application("LAB|X")
                    .control_id("F1"),
            )
            .batch(
                HeaderFields::new().control_id("B1").trailer_comment("end"),
                [&a, &b],
            )
            .batch(HeaderFields::new(), Vec::<Message>::new())
            .build()
            .unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with("FHS$^~\\&$LAB|X$$$$$$$$F1\rBHS$^~\\&$$$$$$$$$B1\rMSH|"));
        assert!(text.ends_with("PID|2\rBTS$2$end\rBHS$^~\\&\rBTS$0\rFTS$2\r"));
        let batch = split(&bytes).unwrap();
        assert_eq!(&batch.file_header().unwrap().field(3), "LAB|X");
        assert_eq!(batch.groups().len(), 2);
        let parsed = batch.parse_messages(ParseOptions::default());
        assert_eq!(parsed[0].as_ref().unwrap(), &a);

        let bad = BatchBuilder::new()
            .batch(HeaderFields::new().field(2, "x"), [&a])
            .build();
        assert!(matches!(bad, Err(BuildError::BadField { field: 2, .. })));
    }

    #[test]
    fn never_panics_on_odd_input() {
        for input in [
            &b"MSH"[..],
            b"BTS",
            b"FTS\r",
            b"FHS",
            b"BHS|",
            b"\r\n\r\n",
            b"MSH|^~\\&\rBTS\rBTS\r",
            b"\xff\xfe\x00",
            b"MSH|^~\\&\r\r\n",
        ] {
            let _ = split(input);
            let _ = split_with(input, SplitOptions { tolerant: true });
        }
    }

    proptest::proptest! {
        #[test]
        fn splits_any_input_without_panicking(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just(b"MSH|^~\\&|A\r".to_vec()),
                    proptest::strategy::Just(b"BHS|^~\\&\r".to_vec()),
                    proptest::strategy::Just(b"BTS|1\r".to_vec()),
                    proptest::strategy::Just(b"FHS|^~\\&\n".to_vec()),
                    proptest::strategy::Just(b"FTS|1\r\n".to_vec()),
                    proptest::strategy::Just(b"PID|1\r".to_vec()),
                    proptest::collection::vec(proptest::num::u8::ANY, 0..12),
                ],
                0..12,
            ),
            tolerant in proptest::bool::ANY,
        ) {
            let input = parts.concat();
            if let Ok(batch) = split_with(&input, SplitOptions { tolerant }) {
                let mut end = 0;
                for m in batch.messages() {
                    proptest::prop_assert!(m.offset() >= end);
                    proptest::prop_assert_eq!(&input[m.range()], m.bytes());
                    end = m.range().end;
                    let _ = m.parse_with(ParseOptions { tolerant });
                }
            }
        }
    }
}
