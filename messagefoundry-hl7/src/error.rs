//! Errors of parsing and reading messages. None of them carries message content.

use std::fmt;

/// Why a message could not be parsed, and where: a byte offset into the input.
///
/// The error never quotes the input, so it is safe to log.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ParseError {
    /// Byte offset in the input where the problem was found.
    pub offset: usize,
    /// What is wrong.
    pub kind: ParseErrorKind,
}

impl ParseError {
    pub(crate) fn new(offset: usize, kind: ParseErrorKind) -> ParseError {
        ParseError { offset, kind }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HL7 parse error at byte {}: {}", self.offset, self.kind)
    }
}

impl std::error::Error for ParseError {}

/// The reasons a message can fail to parse.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The input is empty.
    #[error("the input is empty")]
    Empty,
    /// The input does not start with an MSH segment (or FHS/BHS where a batch header is allowed).
    #[error("the message does not start with an MSH segment")]
    NoHeader,
    /// The header segment ends before MSH-1 and MSH-2 are complete.
    #[error("the MSH segment is too short to hold the field separator and encoding characters")]
    HeaderTooShort,
    /// A delimiter is a letter, digit, space or control character, or MSH-2 is too long.
    #[error(
        "invalid delimiter in MSH-1/MSH-2 (delimiters are punctuation, MSH-2 at most 5 characters)"
    )]
    BadDelimiter,
    /// Two delimiters are the same character.
    #[error("the same character is used for two delimiters in MSH-1/MSH-2")]
    RepeatedDelimiter,
    /// A control byte (other than the segment terminator or a tab) is in the message.
    #[error("control byte in the message (framing bytes or binary data?)")]
    ControlByte,
    /// An empty line between segments.
    #[error("empty segment (a blank line between segments)")]
    EmptySegment,
    /// A segment whose name is not three upper-case letters or digits.
    #[error("segment name is not three upper-case letters or digits")]
    BadSegmentName,
    /// A second message header inside one message: the input is a batch or a stream.
    #[error("a second MSH/BHS/FHS segment inside the message; split batches and streams first")]
    NestedHeader,
    /// The message is larger than offsets can address (4 GiB).
    #[error("the message is larger than this receiver accepts")]
    TooLarge,
}

/// Why a value could not be decoded to text.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The bytes are not valid in the message's character set.
    #[error("the value is not valid {charset} (byte {offset} of the value)")]
    InvalidBytes {
        /// The character set the message declares.
        charset: &'static str,
        /// Offset of the first bad byte within the unescaped value.
        offset: usize,
    },
    /// MSH-18 names a character set this library does not decode; read the raw bytes instead.
    #[error(
        "character set {0:?} (MSH-18) is not supported for decoding; read the raw bytes instead"
    )]
    UnsupportedCharset(String),
}

/// Why an edit could not be made. The message is left as it was.
///
/// Errors name the path (or the segment) and never quote the value, so they are safe to log.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    /// The path names a position 0, which only a path built by hand can (positions are 1-based).
    #[error(transparent)]
    Path(#[from] crate::PathError),
    /// The segment occurrence the path names is not in the message.
    #[error("{path}: the message has no such segment; insert it first")]
    NoSuchSegment {
        /// The path, as text.
        path: String,
    },
    /// MSH-1 and MSH-2 are the delimiters; change them with `set_delimiters`.
    #[error("{path}: MSH-1 and MSH-2 hold the delimiters; use set_delimiters to change them")]
    DelimiterField {
        /// The path, as text.
        path: String,
    },
    /// The path names a sub-component but the message has no sub-component separator.
    #[error("{path}: the message's MSH-2 defines no sub-component separator")]
    NoSubcomponentSeparator {
        /// The path, as text.
        path: String,
    },
    /// The text holds a character the message's character set cannot represent.
    #[error(
        "{path}: the text holds a character that {charset} cannot represent; change MSH-18 or the text"
    )]
    Unencodable {
        /// The path (or, for a segment, its ID), as text.
        path: String,
        /// The character set the message declares in MSH-18.
        charset: &'static str,
    },
    /// The text holds a delimiter or a control character and MSH-2 defines no escape character
    /// to write it with.
    #[error(
        "{path}: the text holds a delimiter or a control character, and the message's MSH-2 \
         defines no escape character; add one with set_delimiters"
    )]
    NoEscapeCharacter {
        /// The path, as text.
        path: String,
    },
    /// The message uses `"` as a delimiter, so the explicit null `""` cannot be written.
    #[error("{path}: the message uses '\"' as a delimiter, so it cannot hold the null \"\"")]
    NullUnrepresentable {
        /// The path, as text.
        path: String,
    },
    /// Raw ER7 given for a value contains a delimiter above the value's level or a terminator.
    #[error("{path}: the raw value contains a separator that does not belong at this level")]
    RawValueCrossesLevel {
        /// The path, as text.
        path: String,
    },
    /// Raw ER7 given for a value contains a control character other than tab.
    #[error("{path}: the raw value contains a control character; escape it as \\Xhh\\")]
    RawValueControlByte {
        /// The path, as text.
        path: String,
    },
    /// A segment given as text is not a valid segment.
    #[error("invalid segment: {0}")]
    BadSegment(ParseErrorKind),
    /// A segment index past the end of the message.
    #[error("segment index {index} is out of range (the message has {count} segments)")]
    SegmentIndex {
        /// The index asked for.
        index: usize,
        /// How many segments the message has.
        count: usize,
    },
    /// The MSH segment cannot be removed or moved, and nothing can be inserted before it.
    #[error("the MSH segment must stay the first segment")]
    HeaderPosition,
    /// The new delimiters are not valid.
    #[error("invalid delimiters: {0}")]
    BadDelimiters(ParseErrorKind),
    /// A value cannot be written with the new delimiters: it needs an escape character or a
    /// sub-component separator they lack, or it holds an escape sequence (`\.sp+2\`, …) that
    /// contains one of them.
    #[error("{path}: the value cannot be written with the new delimiters")]
    DelimitersCannotEncode {
        /// The path of the value, as text.
        path: String,
    },
    /// Text copied from another message is not valid in that message's character set, so it
    /// cannot be carried over to this one's.
    #[error(
        "{path}: the value copied is not valid {charset} in the message it comes from; copy \
         between messages of one character set, or fix the source's MSH-18"
    )]
    Undecodable {
        /// The path (or, for a segment, its ID), as text.
        path: String,
        /// The source message's character set.
        charset: &'static str,
    },
    /// A segment to copy is not in the message it is copied from.
    #[error("{segment}: the message copied from has no such segment")]
    NotInSource {
        /// The segment ID.
        segment: String,
    },
    /// The edit would make the message larger than offsets can address (4 GiB).
    #[error("the edited message would be larger than 4 GiB")]
    TooLarge,
}
