//! Acknowledgments: building the ACK for a message, and reading the ACK a peer sent back.
//!
//! An ACK is built by the rules of HL7 v2 chapter 2 for the version the original message
//! declares in MSH-12:
//!
//! | | before 2.3 | 2.3 | 2.3.1 – 2.4 | 2.5 and later |
//! |---|---|---|---|---|
//! | MSH-9 | `ACK` | `ACK^<event>` | `ACK^<event>^ACK` | `ACK^<event>^ACK` |
//! | errors | ERR-1 (repeating) | ERR-1 | ERR-1 | one ERR per error: ERR-2, ERR-3, ERR-4, ERR-8 |
//!
//! * MSH-9: HL7 2.1 defines MSH-9 as the message type alone; 2.2 adds the trigger event as a
//!   second component, optional on acknowledgments. From 2.2 the ACK carries it (`ACK^A05`),
//!   as strict readers of 2.2 expect; a 2.1 ACK carries `ACK` alone. The third component, the message structure (table 0354), was
//!   introduced in 2.3.1 (HL7 v2.3.1 vocabulary: table 0354 "Message Structure", version created
//!   2.3.1; the HAPI maintainers say the same: "MSH-9-3 was introduced in 2.3.1"), and the general
//!   acknowledgment is `ACK^varies^ACK` from then on. The trigger event is copied from the
//!   original's MSH-9.2.
//! * ERR: before 2.5 an error is one repetition of ERR-1 "error code and location" (segment ID ^
//!   sequence ^ field position ^ code identifying error), the code being a CE whose parts are
//!   therefore sub-components: `PID^1^3^101&Required field missing&HL70357`. The ACK message of
//!   those versions allows one ERR segment only, so several errors are several repetitions.
//!   From 2.5 ERR-1 is kept for backward compatibility only and each error is an ERR segment of
//!   its own with ERR-2 (location, ERL), ERR-3 (HL7 error code, CWE from table 0357), ERR-4
//!   (severity, table 0516) and ERR-8 (user message).
//! * MSA-3 "text message" is deprecated from 2.5 and withdrawn in 2.7. Up to 2.6 it is
//!   written, because many receivers display nothing else; when no text is given and the ACK
//!   carries errors, it holds the first error's text. From 2.7 it is left empty: the errors'
//!   texts are in ERR-8, and a text given with no error is carried by an informational ERR
//!   (code 0, severity I).
//! * Encoding characters: an original with an escape character but no sub-component separator
//!   (`^~\`) is answered with one added (`&`, or another character its copied header fields do
//!   not hold), so that a pre-2.5 ERR keeps its text and coding system.
//!
//! Errors describe problems: their texts name what is wrong and where (a path), never a field's
//! value, since values are patient data and ACKs are logged by both ends.
//!
//! ```
//! use messagefoundry_hl7::ack::{Builder, Code, ErrorEntry, Stamp};
//! use messagefoundry_hl7::{Message, Path};
//! let msg = Message::parse("MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240101120000||ORU^R01^ORU_R01|42|P|2.5.1\r").unwrap();
//! let ack = Builder::new(&msg, Code::ApplicationError)
//!     .error(ErrorEntry::new(ErrorEntry::REQUIRED_FIELD_MISSING).at(Path::parse_const("PID-3")))
//!     .build(&Stamp::new("20240101120001", "ACK42"))
//!     .unwrap();
//! assert_eq!(ack.get(Path::parse_const("MSH-9")).er7(), "ACK^R01^ACK");
//! assert_eq!(&ack[Path::parse_const("MSA-2")], "42");
//! assert_eq!(&ack[Path::parse_const("ERR-3.1")], "101");
//! ```

use std::fmt;
use std::time::SystemTime;

use crate::escape::escape;
use crate::{Charset, Delimiters, Message, ParseError, ParseErrorKind, Path, SegmentId};

/// MSA-1, the acknowledgment code (HL7 table 0008).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Code {
    /// `AA`: original mode application accept, or enhanced mode application acknowledgment accept.
    ApplicationAccept,
    /// `AE`: application error; the sender may correct the message and send it again.
    ApplicationError,
    /// `AR`: application reject; sending the same message again will not help.
    ApplicationReject,
    /// `CA`: enhanced mode commit accept; the message is safely stored.
    CommitAccept,
    /// `CE`: enhanced mode commit error.
    CommitError,
    /// `CR`: enhanced mode commit reject.
    CommitReject,
}

/// Whether an acknowledgment speaks for the application or only for the safe receipt.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Level {
    /// `AA`/`AE`/`AR`: original mode, or an enhanced mode application acknowledgment.
    Application,
    /// `CA`/`CE`/`CR`: an enhanced mode accept (commit) acknowledgment.
    Commit,
}

/// What an acknowledgment says of the message.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Verdict {
    /// Accepted (`AA`, `CA`).
    Accept,
    /// Refused with an error that may be corrected (`AE`, `CE`).
    Error,
    /// Rejected (`AR`, `CR`).
    Reject,
}

impl Code {
    /// The code for a level and a verdict.
    pub const fn new(level: Level, verdict: Verdict) -> Code {
        match (level, verdict) {
            (Level::Application, Verdict::Accept) => Code::ApplicationAccept,
            (Level::Application, Verdict::Error) => Code::ApplicationError,
            (Level::Application, Verdict::Reject) => Code::ApplicationReject,
            (Level::Commit, Verdict::Accept) => Code::CommitAccept,
            (Level::Commit, Verdict::Error) => Code::CommitError,
            (Level::Commit, Verdict::Reject) => Code::CommitReject,
        }
    }

    /// The two letters of MSA-1.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Code::ApplicationAccept => "AA",
            Code::ApplicationError => "AE",
            Code::ApplicationReject => "AR",
            Code::CommitAccept => "CA",
            Code::CommitError => "CE",
            Code::CommitReject => "CR",
        }
    }

    /// Reads MSA-1. Besides the six codes as written, accepts the forms older and careless
    /// senders use: lower case, surrounding spaces, and a code followed by components (`AA^…`).
    pub fn parse(text: &str) -> Option<Code> {
        let code = text.split('^').next().unwrap_or_default().trim();
        [
            Code::ApplicationAccept,
            Code::ApplicationError,
            Code::ApplicationReject,
            Code::CommitAccept,
            Code::CommitError,
            Code::CommitReject,
        ]
        .into_iter()
        .find(|c| c.as_str().eq_ignore_ascii_case(code))
    }

    /// Application or commit level.
    pub const fn level(&self) -> Level {
        match self {
            Code::ApplicationAccept | Code::ApplicationError | Code::ApplicationReject => {
                Level::Application
            }
            Code::CommitAccept | Code::CommitError | Code::CommitReject => Level::Commit,
        }
    }

    /// Accept, error or reject.
    pub const fn verdict(&self) -> Verdict {
        match self {
            Code::ApplicationAccept | Code::CommitAccept => Verdict::Accept,
            Code::ApplicationError | Code::CommitError => Verdict::Error,
            Code::ApplicationReject | Code::CommitReject => Verdict::Reject,
        }
    }

    /// True for `AA` and `CA`.
    pub const fn is_positive(&self) -> bool {
        matches!(self.verdict(), Verdict::Accept)
    }

    /// True for `AE`, `AR`, `CE` and `CR`.
    pub const fn is_negative(&self) -> bool {
        !self.is_positive()
    }

    /// True for `AR` and `CR`.
    pub const fn is_reject(&self) -> bool {
        matches!(self.verdict(), Verdict::Reject)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// ERR-4, how serious an error is (HL7 table 0516). Versions before 2.5 have no place for it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum Severity {
    /// `E`: the message was not (fully) processed.
    #[default]
    Error,
    /// `W`: processed, with a warning.
    Warning,
    /// `I`: information only.
    Information,
}

impl Severity {
    /// The code of table 0516.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Severity::Error => "E",
            Severity::Warning => "W",
            Severity::Information => "I",
        }
    }

    /// Reads ERR-4; `F` (fatal, from 2.7) reads as an error.
    pub fn parse(text: &str) -> Option<Severity> {
        match text.trim() {
            "E" | "e" | "F" | "f" => Some(Severity::Error),
            "W" | "w" => Some(Severity::Warning),
            "I" | "i" => Some(Severity::Information),
            _ => None,
        }
    }
}

/// Where in the original message an error is: a segment, or a position inside it.
///
/// Built from a [`Path`] (`Path::parse_const("PID-3")`) or with [`ErrorLocation::segment`] for an
/// error that concerns a whole segment.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ErrorLocation {
    /// The segment ID.
    pub segment: SegmentId,
    /// Which occurrence of the segment in the message (1-based).
    pub occurrence: u16,
    /// The field number, if the error is inside one.
    pub field: Option<u16>,
    /// The field repetition (from 2.5 only; earlier versions cannot say).
    pub repetition: Option<u16>,
    /// The component (from 2.5 only).
    pub component: Option<u16>,
    /// The sub-component (from 2.5 only).
    pub subcomponent: Option<u16>,
}

impl ErrorLocation {
    /// A whole segment occurrence.
    pub const fn segment(segment: SegmentId, occurrence: u16) -> ErrorLocation {
        ErrorLocation {
            segment,
            occurrence,
            field: None,
            repetition: None,
            component: None,
            subcomponent: None,
        }
    }
}

impl From<Path> for ErrorLocation {
    fn from(p: Path) -> ErrorLocation {
        ErrorLocation {
            segment: p.segment,
            occurrence: p.occurrence_or_first(),
            field: Some(p.field),
            repetition: p.repetition,
            component: p.component,
            subcomponent: p.subcomponent,
        }
    }
}

/// One error reported in an ACK: an ERR segment (from 2.5), or a repetition of ERR-1 (before).
///
/// `code` is from HL7 table 0357 (the associated constants name them). `text` says what is wrong
/// in words; it must describe the problem and never quote a value from the message, since ACKs
/// are logged and values are patient data. It is escaped when written.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ErrorEntry {
    /// The HL7 error code, table 0357.
    pub code: u16,
    /// How serious the error is (written from 2.5 on).
    pub severity: Severity,
    /// Where the error is in the original message.
    pub location: Option<ErrorLocation>,
    /// What is wrong, in words.
    pub text: Option<String>,
}

impl ErrorEntry {
    /// 0: message accepted.
    pub const MESSAGE_ACCEPTED: u16 = 0;
    /// 100: segment sequence error.
    pub const SEGMENT_SEQUENCE_ERROR: u16 = 100;
    /// 101: required field missing.
    pub const REQUIRED_FIELD_MISSING: u16 = 101;
    /// 102: data type error.
    pub const DATA_TYPE_ERROR: u16 = 102;
    /// 103: table value not found.
    pub const TABLE_VALUE_NOT_FOUND: u16 = 103;
    /// 104: value too long (from 2.7).
    pub const VALUE_TOO_LONG: u16 = 104;
    /// 200: unsupported message type.
    pub const UNSUPPORTED_MESSAGE_TYPE: u16 = 200;
    /// 201: unsupported event code.
    pub const UNSUPPORTED_EVENT_CODE: u16 = 201;
    /// 202: unsupported processing ID.
    pub const UNSUPPORTED_PROCESSING_ID: u16 = 202;
    /// 203: unsupported version ID.
    pub const UNSUPPORTED_VERSION_ID: u16 = 203;
    /// 204: unknown key identifier.
    pub const UNKNOWN_KEY_IDENTIFIER: u16 = 204;
    /// 205: duplicate key identifier.
    pub const DUPLICATE_KEY_IDENTIFIER: u16 = 205;
    /// 206: application record locked.
    pub const APPLICATION_RECORD_LOCKED: u16 = 206;
    /// 207: application internal error.
    pub const APPLICATION_INTERNAL_ERROR: u16 = 207;

    /// An error with this table 0357 code, severity `E`, no location and no text.
    pub fn new(code: u16) -> ErrorEntry {
        ErrorEntry {
            code,
            severity: Severity::Error,
            location: None,
            text: None,
        }
    }

    /// Sets where the error is.
    pub fn at(mut self, location: impl Into<ErrorLocation>) -> ErrorEntry {
        self.location = Some(location.into());
        self
    }

    /// Sets the text. Describe the problem; never quote the message's values.
    pub fn with_text(mut self, text: impl Into<String>) -> ErrorEntry {
        self.text = Some(text.into());
        self
    }

    /// Sets the severity.
    pub fn with_severity(mut self, severity: Severity) -> ErrorEntry {
        self.severity = severity;
        self
    }

    /// The description table 0357 gives the code, if it is one the table defines.
    pub fn description(code: u16) -> Option<&'static str> {
        Some(match code {
            0 => "Message accepted",
            100 => "Segment sequence error",
            101 => "Required field missing",
            102 => "Data type error",
            103 => "Table value not found",
            104 => "Value too long",
            200 => "Unsupported message type",
            201 => "Unsupported event code",
            202 => "Unsupported processing id",
            203 => "Unsupported version id",
            204 => "Unknown key identifier",
            205 => "Duplicate key identifier",
            206 => "Application record locked",
            207 => "Application internal error",
            _ => return None,
        })
    }

    /// The text, or the code's description when there is none.
    fn text_or_description(&self) -> Option<&str> {
        self.text.as_deref().or(ErrorEntry::description(self.code))
    }
}

/// The ACK's own time and control ID, the new values of its header (MSH-7, MSH-10).
///
/// Tests build it with fixed values; [`Stamp::now`] reads the clock and generates an ID.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Stamp {
    /// MSH-7, the time of the ACK, as an HL7 timestamp (`YYYYMMDDHHMMSS[+/-ZZZZ]`).
    pub timestamp: String,
    /// MSH-10, the ACK's own control ID.
    pub control_id: String,
}

impl Stamp {
    /// A stamp with the given timestamp and control ID.
    pub fn new(timestamp: impl Into<String>, control_id: impl Into<String>) -> Stamp {
        Stamp {
            timestamp: timestamp.into(),
            control_id: control_id.into(),
        }
    }

    /// The current time (UTC, to the second) and a new control ID from
    /// [`new_control_id`](crate::new_control_id).
    pub fn now() -> Stamp {
        Stamp {
            timestamp: crate::hl7_timestamp(SystemTime::now()),
            control_id: crate::new_control_id(),
        }
    }
}

/// Why an ACK could not be built.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The message is itself an acknowledgment (MSH-9.1 is `ACK`); acknowledgments are never
    /// acknowledged, or two engines would answer each other forever.
    #[error(
        "the message is an acknowledgment (MSH-9.1 is ACK); acknowledgments are not acknowledged"
    )]
    AckOfAck,
    /// The ACK built did not parse; a bug in this library.
    #[error("the acknowledgment built is not valid HL7 ({0}); please report this")]
    Invalid(ParseError),
}

/// Builds the ACK for a message.
///
/// ```
/// use messagefoundry_hl7::Message;
/// use messagefoundry_hl7::ack::{Builder, Code, Stamp};
/// let msg = Message::parse("MSH|^~\\&|ADT|HOSP|LAB|HOSP|20240101||ADT^A01|7|P|2.3\r").unwrap();
/// let ack = Builder::new(&msg, Code::ApplicationAccept)
///     .build(&Stamp::new("20240101000001", "A7"))
///     .unwrap();
/// assert_eq!(
///     ack.as_bytes(),
///     b"MSH|^~\\&|LAB|HOSP|ADT|HOSP|20240101000001||ACK^A01|A7|P|2.3\rMSA|AA|7\r"
/// );
/// ```
#[derive(Clone, Debug)]
pub struct Builder<'m> {
    original: &'m Message,
    code: Code,
    text: Option<String>,
    errors: Vec<ErrorEntry>,
}

impl<'m> Builder<'m> {
    /// An ACK with this code for `original`, with no text and no errors yet.
    pub fn new(original: &'m Message, code: Code) -> Builder<'m> {
        Builder {
            original,
            code,
            text: None,
            errors: Vec::new(),
        }
    }

    /// Sets the text message: MSA-3 up to 2.6; from 2.7, where MSA-3 is withdrawn, ERR-8 of
    /// an informational ERR when there is no error to carry it. Describe the problem; never
    /// quote the message's values.
    pub fn text(mut self, text: impl Into<String>) -> Builder<'m> {
        self.text = Some(text.into());
        self
    }

    /// Adds an error.
    pub fn error(mut self, error: ErrorEntry) -> Builder<'m> {
        self.errors.push(error);
        self
    }

    /// Adds several errors.
    pub fn errors(mut self, errors: impl IntoIterator<Item = ErrorEntry>) -> Builder<'m> {
        self.errors.extend(errors);
        self
    }

    /// Builds the ACK with the given timestamp and control ID.
    pub fn build(&self, stamp: &Stamp) -> Result<Message, BuildError> {
        let msg = self.original;
        if msg[Path::parse_const("MSH-9.1")]
            .trim()
            .eq_ignore_ascii_case("ACK")
        {
            return Err(BuildError::AckOfAck);
        }
        let msh = msg.segment(0);
        let raw = |n: u16| msh.and_then(|s| s.field_raw(n)).unwrap_or_default();
        let header = Header {
            delims: *msg.delimiters(),
            charset: msg.charset().clone(),
            version: Version::parse(&msg.version().text()),
            sending_app: raw(3),
            sending_facility: raw(4),
            receiving_app: raw(5),
            receiving_facility: raw(6),
            event: msg.get(Path::parse_const("MSH-9.2")).raw().to_vec(),
            control_id: raw(10),
            processing_id: raw(11),
            version_raw: raw(12),
            charset_raw: raw(18),
        };
        render(header, self.code, self.text.as_deref(), &self.errors, stamp)
    }

    /// Builds the ACK stamped with the current time and a generated control ID.
    pub fn build_now(&self) -> Result<Message, BuildError> {
        self.build(&Stamp::now())
    }
}

/// Builds a negative ACK for input that did not parse, from whatever of its header can be read.
///
/// When the input starts with a readable MSH segment, the ACK takes its delimiters, swaps its
/// MSH-3..6, copies MSH-11/12/18 and acknowledges its MSH-10, as [`Builder`] does. Otherwise it
/// is a minimal ACK with the standard delimiters, version 2.5.1 and an empty MSA-2. Either way an
/// ERR gives the parse error's reason and byte offset, never the bytes themselves. `code` is
/// normally `AR` (or `CR` in enhanced mode), or `AE`/`CE` if the sender may correct the message.
pub fn for_unparseable(
    bytes: &[u8],
    error: &ParseError,
    code: Code,
    stamp: &Stamp,
) -> Result<Message, BuildError> {
    let reason = ErrorEntry::new(match error.kind {
        ParseErrorKind::NoHeader
        | ParseErrorKind::EmptySegment
        | ParseErrorKind::BadSegmentName
        | ParseErrorKind::NestedHeader => ErrorEntry::SEGMENT_SEQUENCE_ERROR,
        _ => ErrorEntry::APPLICATION_INTERNAL_ERROR,
    })
    .with_text(error.to_string());
    for_raw(bytes, code, &[reason], stamp)
}

/// Builds an ACK with these errors for a message known only by its bytes, whether it parses or
/// not: from its MSH when one can be read (as [`for_unparseable`] does), else a minimal ACK
/// with an empty MSA-2. For answering every message of a batch that is refused as a whole.
///
/// ```
/// use messagefoundry_hl7::{Message, ack::{self, Ack, Code, ErrorEntry, Stamp}};
/// let error = ErrorEntry::new(ErrorEntry::SEGMENT_SEQUENCE_ERROR).with_text("BTS-1 is wrong");
/// let nak = ack::for_raw(b"MSH|^~\\&|LAB||||20240101||ADT^A01|7|P|2.5\rPID|1\r", Code::ApplicationReject, &[error], &Stamp::now()).unwrap();
/// let read = Ack::read(&nak).unwrap();
/// assert!(read.acknowledges("7") && read.is_reject());
/// ```
pub fn for_raw(
    bytes: &[u8],
    code: Code,
    errors: &[ErrorEntry],
    stamp: &Stamp,
) -> Result<Message, BuildError> {
    if let Some(header) = salvage_header(bytes) {
        if header.is_ack {
            return Err(BuildError::AckOfAck);
        }
        if let Ok(ack) = render(header.header, code, None, errors, stamp) {
            return Ok(ack);
        }
    }
    let minimal = Header {
        delims: Delimiters::STANDARD,
        charset: Charset::Unspecified,
        version: Version::parse("2.5.1"),
        sending_app: b"",
        sending_facility: b"",
        receiving_app: b"",
        receiving_facility: b"",
        event: Vec::new(),
        control_id: b"",
        processing_id: b"P",
        version_raw: b"2.5.1",
        charset_raw: b"",
    };
    render(minimal, code, None, errors, stamp)
}

/// The header fields an ACK is made from, as raw ER7 in the original's delimiters.
struct Header<'a> {
    delims: Delimiters,
    charset: Charset,
    version: Version,
    sending_app: &'a [u8],
    sending_facility: &'a [u8],
    receiving_app: &'a [u8],
    receiving_facility: &'a [u8],
    event: Vec<u8>,
    control_id: &'a [u8],
    processing_id: &'a [u8],
    version_raw: &'a [u8],
    charset_raw: &'a [u8],
}

struct Salvaged<'a> {
    header: Header<'a>,
    is_ack: bool,
}

/// Longest header field copied from unparseable input: enough for any real MSH field, short
/// enough that a broken frame is never echoed back whole.
const SALVAGE_MAX: usize = 200;

/// Reads what it can of the MSH segment at the start of `bytes`.
fn salvage_header(bytes: &[u8]) -> Option<Salvaged<'_>> {
    let start = bytes
        .iter()
        .position(|&b| !(b.is_ascii_whitespace() || matches!(b, 0x0B | 0x1C | 0x00)))?;
    let bytes = &bytes[start..];
    let (delims, _) = Delimiters::from_header(bytes).ok()?;
    if !bytes.starts_with(b"MSH") {
        return None;
    }
    let end = bytes
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(bytes.len());
    let segment = &bytes[..end];
    // fields[0] is "MSH", fields[1] the encoding characters (MSH-2), fields[n - 1] is MSH-n.
    let fields: Vec<&[u8]> = segment.split(|&b| b == delims.field).collect();
    let field = |n: usize| -> &[u8] {
        match fields.get(n - 1) {
            Some(f) if f.len() <= SALVAGE_MAX && !f.iter().any(|&b| b < 0x20) => f,
            _ => b"",
        }
    };
    let component = |raw: &[u8], n: usize| -> Vec<u8> {
        let first_rep = raw
            .split(|&b| b == delims.repetition)
            .next()
            .unwrap_or_default();
        first_rep
            .split(|&b| b == delims.component)
            .nth(n - 1)
            .unwrap_or_default()
            .to_vec()
    };
    let msh9 = field(9);
    let msh12 = field(12);
    let version_text = String::from_utf8_lossy(&component(msh12, 1)).into_owned();
    Some(Salvaged {
        is_ack: component(msh9, 1).trim_ascii().eq_ignore_ascii_case(b"ACK"),
        header: Header {
            delims,
            charset: Charset::from_msh18(field(18)),
            version: Version::parse(&version_text),
            sending_app: field(3),
            sending_facility: field(4),
            receiving_app: field(5),
            receiving_facility: field(6),
            event: component(msh9, 2),
            control_id: field(10),
            processing_id: field(11),
            version_raw: msh12,
            charset_raw: field(18),
        },
    })
}

/// An HL7 version number, compared part by part; unreadable versions get the newest rules.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
struct Version(u8, u8, u8);

impl Version {
    const LATEST: Version = Version(u8::MAX, 0, 0);

    fn parse(text: &str) -> Version {
        let mut parts = text.trim().split('.').map(|p| {
            let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u8>().ok()
        });
        match (parts.next().flatten(), parts.next().flatten()) {
            (Some(major), Some(minor)) => {
                Version(major, minor, parts.next().flatten().unwrap_or(0))
            }
            _ => Version::LATEST,
        }
    }
}

/// Writes the ACK's bytes and parses them.
fn render(
    mut h: Header<'_>,
    code: Code,
    text: Option<&str>,
    errors: &[ErrorEntry],
    stamp: &Stamp,
) -> Result<Message, BuildError> {
    h.delims = with_subcomponent(&h);
    let h = &h;
    let d = &h.delims;
    let f = d.field;
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(b"MSH");
    out.push(f);
    out.extend_from_slice(&d.encoding_characters());
    for part in [
        h.receiving_app,
        h.receiving_facility,
        h.sending_app,
        h.sending_facility,
    ] {
        out.push(f);
        out.extend_from_slice(part);
    }
    out.push(f);
    out.extend_from_slice(&encode(&stamp.timestamp, h));
    out.push(f); // MSH-8, security: none
    out.push(f);
    out.extend_from_slice(b"ACK");
    // 2.1's MSH-9 is the type alone; 2.2 adds the trigger event, 2.3.1 the structure.
    if h.version >= Version(2, 2, 0) {
        if h.version >= Version(2, 3, 1) {
            out.push(d.component);
            out.extend_from_slice(&h.event);
            out.push(d.component);
            out.extend_from_slice(b"ACK");
        } else if !h.event.is_empty() {
            out.push(d.component);
            out.extend_from_slice(&h.event);
        }
    }
    out.push(f);
    out.extend_from_slice(&encode(&stamp.control_id, h));
    out.push(f);
    out.extend_from_slice(h.processing_id);
    out.push(f);
    out.extend_from_slice(h.version_raw);
    // MSH-15/16 stay empty: an acknowledgment is never acknowledged, in either mode.
    if !h.charset_raw.is_empty() {
        out.extend(std::iter::repeat_n(f, 6));
        out.extend_from_slice(h.charset_raw);
    }
    out.push(b'\r');

    out.extend_from_slice(b"MSA");
    out.push(f);
    out.extend_from_slice(code.as_str().as_bytes());
    out.push(f);
    out.extend_from_slice(h.control_id);
    // MSA-3 is withdrawn from 2.7 on: the text then goes only where ERR carries it, and a
    // text with no error to carry it becomes an informational ERR.
    let msa_text = h.version < Version(2, 7, 0);
    let text_only = match text {
        Some(text) if !msa_text && errors.is_empty() => Some(
            ErrorEntry::new(ErrorEntry::MESSAGE_ACCEPTED)
                .with_severity(Severity::Information)
                .with_text(text),
        ),
        _ => None,
    };
    let errors: &[ErrorEntry] = match &text_only {
        Some(info) => std::slice::from_ref(info),
        None => errors,
    };
    let text = text.or_else(|| errors.first().and_then(ErrorEntry::text_or_description));
    if let Some(text) = text.filter(|_| msa_text) {
        out.push(f);
        out.extend_from_slice(&encode(text, h));
    }
    out.push(b'\r');

    if h.version >= Version(2, 5, 0) {
        for e in errors {
            err_v25(&mut out, e, h);
        }
    } else if !errors.is_empty() {
        out.extend_from_slice(b"ERR");
        out.push(f);
        for (i, e) in errors.iter().enumerate() {
            if i > 0 {
                out.push(d.repetition);
            }
            err_eld(&mut out, e, h);
        }
        out.push(b'\r');
    }
    Message::parse(out).map_err(BuildError::Invalid)
}

/// The ACK's delimiters: the original's, with a sub-component separator added when it has an
/// escape character but none (`^~\\`), so that ERR's coded error can carry its text and
/// coding system. The separator chosen appears in no header field the ACK copies, so their
/// meaning cannot change. Without an escape character nothing is added: the fourth encoding
/// character would be read as the escape. A copied field holding the escape sequence `\T\`
/// reads it as `&` while there is no separator, and as the separator once there is one, so
/// then only `&` keeps its meaning; when `&` cannot be chosen, nothing is added.
fn with_subcomponent(h: &Header<'_>) -> Delimiters {
    let mut d = h.delims;
    if d.subcomponent.is_some() || d.escape.is_none() || d.truncation.is_some() {
        return d;
    }
    let copied = [
        h.sending_app,
        h.sending_facility,
        h.receiving_app,
        h.receiving_facility,
        h.control_id,
        h.processing_id,
        h.version_raw,
        h.charset_raw,
        &h.event,
    ];
    let used = [
        Some(d.field),
        Some(d.component),
        Some(d.repetition),
        d.escape,
    ];
    let usable = |c: &u8| !used.contains(&Some(*c)) && !copied.iter().any(|f| f.contains(c));
    let candidates: &[u8] = match d.escape {
        Some(e)
            if copied
                .iter()
                .any(|f| f.windows(3).any(|w| w == [e, b'T', e])) =>
        {
            b"&"
        }
        _ => b"&!@*$%",
    };
    d.subcomponent = candidates.iter().copied().find(usable);
    d
}

/// One ERR segment of 2.5 and later: `ERR||<ERL>|<code>^<text>^HL70357|<severity>||||<message>`.
fn err_v25(out: &mut Vec<u8>, e: &ErrorEntry, h: &Header<'_>) {
    let d = &h.delims;
    out.extend_from_slice(b"ERR");
    out.push(d.field);
    out.push(d.field);
    if let Some(loc) = &e.location {
        let parts = [
            Some(loc.occurrence),
            loc.field,
            loc.repetition,
            loc.component,
            loc.subcomponent,
        ];
        out.extend_from_slice(loc.segment.as_bytes());
        let used = parts.iter().rposition(Option::is_some).map_or(0, |i| i + 1);
        for part in &parts[..used] {
            out.push(d.component);
            if let Some(n) = part {
                out.extend_from_slice(n.to_string().as_bytes());
            }
        }
    }
    out.push(d.field);
    out.extend_from_slice(e.code.to_string().as_bytes());
    out.push(d.component);
    if let Some(desc) = ErrorEntry::description(e.code) {
        out.extend_from_slice(desc.as_bytes());
    }
    out.push(d.component);
    out.extend_from_slice(b"HL70357");
    out.push(d.field);
    out.extend_from_slice(e.severity.as_str().as_bytes());
    if let Some(text) = &e.text {
        out.extend(std::iter::repeat_n(d.field, 4));
        out.extend_from_slice(&encode(text, h));
    }
    out.push(b'\r');
}

/// One ERR-1 repetition before 2.5: `<segment>^<sequence>^<field>^<code>&<text>&HL70357`.
fn err_eld(out: &mut Vec<u8>, e: &ErrorEntry, h: &Header<'_>) {
    let d = &h.delims;
    if let Some(loc) = &e.location {
        out.extend_from_slice(loc.segment.as_bytes());
        out.push(d.component);
        out.extend_from_slice(loc.occurrence.to_string().as_bytes());
        out.push(d.component);
        if let Some(field) = loc.field {
            out.extend_from_slice(field.to_string().as_bytes());
        }
    } else {
        out.push(d.component);
        out.push(d.component);
    }
    out.push(d.component);
    out.extend_from_slice(e.code.to_string().as_bytes());
    // The code is a CE, so its text and coding system are sub-components; without a
    // sub-component separator only the code itself fits.
    if let Some(sub) = d.subcomponent {
        out.push(sub);
        if let Some(text) = e.text_or_description() {
            out.extend_from_slice(&encode(text, h));
        }
        out.push(sub);
        out.extend_from_slice(b"HL70357");
    }
}

/// Text in the ACK's character set, escaped to stand as one leaf value. Characters the set
/// cannot hold become `?`.
fn encode(text: &str, h: &Header<'_>) -> Vec<u8> {
    let bytes = match h.charset.encode(text) {
        Some(b) => b.into_owned(),
        None => {
            let mut out = Vec::with_capacity(text.len());
            let mut buf = [0u8; 4];
            for c in text.chars() {
                match h.charset.encode(c.encode_utf8(&mut buf)) {
                    Some(b) => out.extend_from_slice(&b),
                    None => out.push(b'?'),
                }
            }
            out
        }
    };
    escape(&bytes, &h.delims).into_owned()
}

/// The acknowledgments a message asks for (MSH-15, MSH-16): original mode, or enhanced mode with
/// a condition for each of its two acknowledgments.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Requested {
    /// MSH-15 and MSH-16 are both empty: answer with `AA`/`AE`/`AR` after processing.
    Original,
    /// Enhanced mode: an accept (commit) acknowledgment and an application acknowledgment, each
    /// under its own condition (HL7 table 0155). An empty field reads as `AL`.
    Enhanced {
        /// MSH-15, when to send the accept (`CA`/`CE`/`CR`) acknowledgment.
        accept: Condition,
        /// MSH-16, when to send the application acknowledgment.
        application: Condition,
    },
}

/// When an enhanced mode acknowledgment is wanted (HL7 table 0155).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Condition {
    /// `AL`: always.
    Always,
    /// `NE`: never.
    Never,
    /// `ER`: only on error or reject.
    OnError,
    /// `SU`: only on success.
    OnSuccess,
}

impl Condition {
    /// Reads a table 0155 code; anything else (empty included) is `Always`, the safe choice
    /// since an unwanted ACK is ignored and a missing one stalls the sender.
    pub fn parse(text: &str) -> Condition {
        match text.trim() {
            "NE" => Condition::Never,
            "ER" => Condition::OnError,
            "SU" => Condition::OnSuccess,
            _ => Condition::Always,
        }
    }

    /// Whether an acknowledgment with this verdict (positive or not) is to be sent.
    pub fn wants(&self, positive: bool) -> bool {
        match self {
            Condition::Always => true,
            Condition::Never => false,
            Condition::OnError => !positive,
            Condition::OnSuccess => positive,
        }
    }
}

impl Requested {
    /// What a message asks for.
    pub fn of(msg: &Message) -> Requested {
        let accept = msg.get(Path::parse_const("MSH-15"));
        let application = msg.get(Path::parse_const("MSH-16"));
        if accept.is_empty() && application.is_empty() {
            return Requested::Original;
        }
        Requested::Enhanced {
            accept: Condition::parse(&accept.text()),
            application: Condition::parse(&application.text()),
        }
    }
}

/// Why a message could not be read as an acknowledgment.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The message has no MSA segment.
    #[error("the message has no MSA segment, so it is not an acknowledgment")]
    NoMsa,
    /// MSA-1 is empty.
    #[error("MSA-1 (acknowledgment code) is empty")]
    MissingCode,
    /// MSA-1 is not one of AA, AE, AR, CA, CE, CR.
    #[error("MSA-1 is not an acknowledgment code (AA, AE, AR, CA, CE or CR)")]
    UnknownCode,
}

/// An acknowledgment received from a peer.
///
/// ```
/// use messagefoundry_hl7::Message;
/// use messagefoundry_hl7::ack::{Ack, Code};
/// let msg = Message::parse("MSH|^~\\&|EHR||LAB||20240101||ACK^R01^ACK|9|P|2.5.1\rMSA|AE|42|Bad PID\r").unwrap();
/// let ack = Ack::read(&msg).unwrap();
/// assert_eq!(ack.code, Code::ApplicationError);
/// assert!(ack.acknowledges("42"));
/// assert_eq!(ack.texts().collect::<Vec<_>>(), ["Bad PID"]);
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Ack {
    /// MSA-1.
    pub code: Code,
    /// MSA-2: the control ID (MSH-10) of the message acknowledged.
    pub control_id: String,
    /// MSA-3, the text message, if any.
    pub text: Option<String>,
    /// The errors of the ERR segments, in either form: ERR-1 repetitions (before 2.5) or ERR-2,
    /// ERR-3, ERR-4 with ERR-8 (or ERR-7, or ERR-3.2) as text. An error that gives no numeric
    /// code reads as 207, application internal error.
    pub errors: Vec<ErrorEntry>,
}

impl Ack {
    /// Reads the MSA and ERR segments of a message. Any message with an MSA is accepted, since
    /// application acknowledgments need not be of type ACK.
    pub fn read(msg: &Message) -> Result<Ack, ReadError> {
        let msa = msg
            .segments_named(SegmentId::known(*b"MSA"))
            .next()
            .ok_or(ReadError::NoMsa)?;
        let code_text = msa.field(1).text();
        if code_text.trim().is_empty() {
            return Err(ReadError::MissingCode);
        }
        let code = Code::parse(&code_text).ok_or(ReadError::UnknownCode)?;
        let text = non_empty(&msa.field(3).text());
        let mut errors = Vec::new();
        for (i, err) in msg.segments_named(SegmentId::known(*b"ERR")).enumerate() {
            read_err(msg, i + 1, err.field_count(), &mut errors);
        }
        Ok(Ack {
            code,
            control_id: msa.field(2).text().into_owned(),
            text,
            errors,
        })
    }

    /// Whether MSA-2 names this control ID.
    pub fn acknowledges(&self, control_id: &str) -> bool {
        self.control_id == control_id
    }

    /// True for `AA` and `CA`.
    pub fn is_positive(&self) -> bool {
        self.code.is_positive()
    }

    /// True for `AE`, `AR`, `CE` and `CR`.
    pub fn is_negative(&self) -> bool {
        self.code.is_negative()
    }

    /// True for `AR` and `CR`.
    pub fn is_reject(&self) -> bool {
        self.code.is_reject()
    }

    /// Accept, error or reject.
    pub fn verdict(&self) -> Verdict {
        self.code.verdict()
    }

    /// Application or commit level.
    pub fn level(&self) -> Level {
        self.code.level()
    }

    /// Every text the ACK gives: MSA-3, then each error's, without repeats.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        let mut seen: Vec<&str> = Vec::new();
        self.text
            .iter()
            .chain(self.errors.iter().filter_map(|e| e.text.as_ref()))
            .map(String::as_str)
            .filter(move |t| {
                if seen.contains(t) {
                    false
                } else {
                    seen.push(t);
                    true
                }
            })
    }
}

fn non_empty(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// Reads the `occurrence`th ERR segment into `errors`.
fn read_err(msg: &Message, occurrence: usize, field_count: usize, errors: &mut Vec<ErrorEntry>) {
    let Ok(occ) = u16::try_from(occurrence) else {
        return;
    };
    let at = |field: u16, rep: u16, comp: Option<u16>, sub: Option<u16>| {
        let p = Path::from_parts(*b"ERR", Some(occ), field, Some(rep), comp, sub);
        msg.get(p).text().into_owned()
    };
    let code = |text: &str| {
        text.trim()
            .parse::<u16>()
            .unwrap_or(ErrorEntry::APPLICATION_INTERNAL_ERROR)
    };
    let has =
        |field: u16| field_count >= usize::from(field) && !at(field, 1, None, None).is_empty();
    if has(3) || has(2) {
        let text = [
            at(8, 1, None, None),
            at(7, 1, None, None),
            at(3, 1, Some(2), None),
        ]
        .iter()
        .find_map(|t| non_empty(t));
        errors.push(ErrorEntry {
            code: code(&at(3, 1, Some(1), None)),
            severity: Severity::parse(&at(4, 1, None, None)).unwrap_or_default(),
            location: location(&at(2, 1, Some(1), None), |n| at(2, 1, Some(n), None)),
            text,
        });
        return;
    }
    let reps = msg.repetitions(Path::from_parts(*b"ERR", Some(occ), 1, None, None, None));
    for rep in 1..=reps.len() {
        let Ok(rep) = u16::try_from(rep) else { break };
        let c = |n: u16| at(1, rep, Some(n), None);
        let cs = |n: u16| at(1, rep, Some(4), Some(n));
        // The standard form has the CE as sub-components (`101&text&HL70357`); some senders
        // flatten it into components 4, 5 and 6.
        let (code_text, text) = if !c(5).is_empty() || !c(6).is_empty() {
            (c(4), c(5))
        } else {
            (cs(1), cs(2))
        };
        errors.push(ErrorEntry {
            code: code(&code_text),
            severity: Severity::Error,
            location: location(&c(1), |n| if n <= 3 { c(n) } else { String::new() }),
            text: non_empty(&text),
        });
    }
}

/// A location from its segment ID and a reader of its numbered parts (2: sequence, 3: field,
/// 4: repetition, 5: component, 6: sub-component).
fn location(segment: &str, part: impl Fn(u16) -> String) -> Option<ErrorLocation> {
    let segment = SegmentId::from_slice(segment.trim().as_bytes())?;
    let num = |n: u16| part(n).trim().parse::<u16>().ok().filter(|&v| v > 0);
    Some(ErrorLocation {
        segment,
        occurrence: num(2).unwrap_or(1),
        field: num(3),
        repetition: num(4),
        component: num(5),
        subcomponent: num(6),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::testing::{p, seg};

    fn opts() -> Stamp {
        Stamp::new("20240102030405", "ACK1")
    }

    fn ack(msg: &str, code: Code, errors: Vec<ErrorEntry>) -> Message {
        let msg = Message::parse(msg).unwrap();
        Builder::new(&msg, code)
            .errors(errors)
            .build(&opts())
            .unwrap()
    }

    #[test]
    fn codes_read_and_classify() {
        for c in ["AA", "AE", "AR", "CA", "CE", "CR"] {
            assert_eq!(Code::parse(c).unwrap().as_str(), c);
        }
        assert_eq!(Code::parse(" aa "), Some(Code::ApplicationAccept));
        assert_eq!(Code::parse("CR^x"), Some(Code::CommitReject));
        assert_eq!(Code::parse("OK"), None);
        let ce = Code::CommitError;
        assert_eq!((ce.level(), ce.verdict()), (Level::Commit, Verdict::Error));
        assert!(ce.is_negative() && !ce.is_reject());
        assert_eq!(
            Code::new(Level::Application, Verdict::Reject),
            Code::ApplicationReject
        );
    }

    #[test]
    fn versions_compare() {
        assert!(Version::parse("2.3") < Version::parse("2.3.1"));
        assert!(Version::parse("2.4") < Version::parse("2.5"));
        assert_eq!(Version::parse("2.5.1"), Version(2, 5, 1));
        assert_eq!(Version::parse(""), Version::LATEST);
        assert_eq!(Version::parse("junk"), Version::LATEST);
    }

    #[test]
    fn msh9_by_version() {
        let m = |v: &str, t: &str| {
            let a = ack(
                &format!("MSH|^~\\&|A|B|C|D|2024||{t}|1|P|{v}\r"),
                Code::ApplicationAccept,
                vec![],
            );
            a.get(p("MSH-9")).er7().into_owned()
        };
        assert_eq!(m("2.1", "ADT^A01"), "ACK");
        assert_eq!(m("2.2", "ADT^A01"), "ACK^A01");
        assert_eq!(m("2.3", "ADT^A01"), "ACK^A01");
        assert_eq!(m("2.3", "ORU"), "ACK");
        assert_eq!(m("2.3.1", "ADT^A01"), "ACK^A01^ACK");
        assert_eq!(m("2.4", "ORM^O01^ORM_O01"), "ACK^O01^ACK");
        assert_eq!(m("2.8", "ORU^R01^ORU_R01"), "ACK^R01^ACK");
    }

    #[test]
    fn err_forms_by_version() {
        let e = ErrorEntry::new(ErrorEntry::REQUIRED_FIELD_MISSING)
            .at(Path::parse_const("PID[2]-3[1].4"))
            .with_text("Patient ID | missing");
        let old = ack(
            "MSH|^~\\&|A|B|C|D|2024||ADT^A01|1|P|2.4\r",
            Code::ApplicationError,
            vec![e.clone()],
        );
        assert_eq!(
            old.as_bytes(),
            b"MSH|^~\\&|C|D|A|B|20240102030405||ACK^A01^ACK|ACK1|P|2.4\r\
              MSA|AE|1|Patient ID \\F\\ missing\r\
              ERR|PID^2^3^101&Patient ID \\F\\ missing&HL70357\r"
                .as_slice()
        );
        let new = ack(
            "MSH|^~\\&|A|B|C|D|2024||ADT^A01|1|P|2.5\r",
            Code::ApplicationError,
            vec![e],
        );
        assert_eq!(
            new.as_bytes(),
            b"MSH|^~\\&|C|D|A|B|20240102030405||ACK^A01^ACK|ACK1|P|2.5\r\
              MSA|AE|1|Patient ID \\F\\ missing\r\
              ERR||PID^2^3^1^4|101^Required field missing^HL70357|E||||Patient ID \\F\\ missing\r"
                .as_slice()
        );
    }

    #[test]
    fn several_errors() {
        let errs = vec![
            ErrorEntry::new(ErrorEntry::DATA_TYPE_ERROR).at(Path::parse_const("PID-7")),
            ErrorEntry::new(ErrorEntry::SEGMENT_SEQUENCE_ERROR)
                .at(ErrorLocation::segment(SegmentId::new(*b"OBX").unwrap(), 3))
                .with_severity(Severity::Warning),
        ];
        let old = ack(
            "MSH|^~\\&|A|B|C|D|2024||ADT^A01|1|P|2.3\r",
            Code::ApplicationError,
            errs.clone(),
        );
        assert_eq!(
            old.get(p("ERR-1")).er7(),
            "PID^1^7^102&Data type error&HL70357"
        );
        assert_eq!(
            old.get(p("ERR-1[2]")).er7(),
            "OBX^3^^100&Segment sequence error&HL70357"
        );
        assert_eq!(&old[p("MSA-3")], "Data type error");
        let new = ack(
            "MSH|^~\\&|A|B|C|D|2024||ADT^A01|1|P|2.6\r",
            Code::ApplicationError,
            errs,
        );
        assert_eq!(new.segments_named(seg("ERR")).count(), 2);
        assert_eq!(new.get(p("ERR[2]-2")).er7(), "OBX^3");
        assert_eq!(&new[p("ERR[2]-4")], "W");
        assert_eq!(new.get(p("ERR[2]-8")).presence(), crate::Presence::Absent);
    }

    #[test]
    fn no_subcomponent_separator() {
        // With an escape character, the ACK adds a sub-component separator so ERR keeps its
        // text and coding system.
        let a = ack(
            "MSH|^~\\|A|B|C|D|2024||ADT^A01|1|P|2.3\r",
            Code::ApplicationError,
            vec![ErrorEntry::new(207).with_text("x")],
        );
        assert_eq!(
            a.as_bytes().split(|&b| b == b'\r').nth(2).unwrap(),
            b"ERR|^^^207&x&HL70357"
        );
        // Without one, a fourth character would be read as the escape: only the code fits.
        let a = ack(
            "MSH|^~|A|B|C|D|2024||ADT^A01|1|P|2.3\r",
            Code::ApplicationError,
            vec![ErrorEntry::new(207).with_text("x")],
        );
        assert_eq!(
            a.as_bytes().split(|&b| b == b'\r').nth(2).unwrap(),
            b"ERR|^^^207"
        );
    }

    #[test]
    fn added_separator_keeps_the_meaning_of_copied_escapes() {
        // `\T\` reads as `&` while there is no separator and as the separator once there is
        // one: with `&` free it is chosen, so the control ID reads the same in the ACK.
        let a = ack(
            "MSH|^~\\|A|B|C|D|2024||ADT^A01|1\\T\\2|P|2.3\r",
            Code::ApplicationAccept,
            vec![],
        );
        assert_eq!(&a[p("MSA-2")], "1&2");
        assert_eq!(&a[p("MSH-2")], "^~\\&");
        // With `&` written as itself too, no other separator keeps both readings: none is added.
        let a = ack(
            "MSH|^~\\|A|B|C|D|2024||ADT^A01|&1\\T\\2|P|2.3\r",
            Code::ApplicationAccept,
            vec![],
        );
        assert_eq!(&a[p("MSA-2")], "&1&2");
        assert_eq!(a.get(p("MSH-2")).raw(), b"^~\\");
        // A literal `&` alone moves the separator to the next free character.
        let a = ack(
            "MSH|^~\\|A|B|C|D|2024||ADT^A01|1&2|P|2.3\r",
            Code::ApplicationAccept,
            vec![],
        );
        assert_eq!(&a[p("MSA-2")], "1&2");
        assert_eq!(a.get(p("MSH-2")).raw(), b"^~\\!");
    }

    #[test]
    fn charset_copied_and_text_encoded() {
        let msg = Message::parse(b"MSH|^~\\&|A|B|C|D|2024||ADT^A01|1|P|2.5||||||8859/1\r".to_vec())
            .unwrap();
        let a = Builder::new(&msg, Code::ApplicationError)
            .text("Größe € zu groß")
            .build(&opts())
            .unwrap();
        assert_eq!(&a[p("MSH-18")], "8859/1");
        assert_eq!(a.get(p("MSA-3")).raw(), b"Gr\xf6\xdfe ? zu gro\xdf");
        assert_eq!(&a[p("MSA-3")], "Größe ? zu groß");
    }

    #[test]
    fn stamps_of_now_are_unique() {
        let a = Stamp::now();
        let b = Stamp::now();
        assert_ne!(a.control_id, b.control_id);
        assert!(a.control_id.len() <= 20);
        assert_eq!(a.timestamp.len(), 19);
    }

    #[test]
    fn ack_mode() {
        let mode = |s: &str| Requested::of(&Message::parse(s).unwrap());
        assert_eq!(
            mode("MSH|^~\\&|||||||ADT^A01|1|P|2.5\r"),
            Requested::Original
        );
        let m = mode("MSH|^~\\&|||||||ADT^A01|1|P|2.5|||AL|ER\r");
        assert_eq!(
            m,
            Requested::Enhanced {
                accept: Condition::Always,
                application: Condition::OnError
            }
        );
        assert!(Condition::OnError.wants(false) && !Condition::OnError.wants(true));
        assert!(!Condition::Never.wants(false));
    }

    #[test]
    fn salvage() {
        let h = salvage_header(b"\x0bMSH|^~\\&|A|B|C|D|2024||ADT^A01|77|T|2.3\rPID|\x01").unwrap();
        assert!(!h.is_ack);
        assert_eq!(h.header.control_id, b"77");
        assert_eq!(h.header.event, b"A01");
        assert_eq!(h.header.version, Version(2, 3, 0));
        assert!(salvage_header(b"PID|1").is_none());
        assert!(salvage_header(b"MSH").is_none());
        let long = format!(
            "MSH|^~\\&|A|B|C|D|2024||ADT^A01|{}|P|2.5\r",
            "9".repeat(500)
        );
        assert_eq!(
            salvage_header(long.as_bytes()).unwrap().header.control_id,
            b""
        );
    }
}
