//! The outcome of a validation: [`Report`], its [`Finding`]s and the [`Rule`] each one broke.

use std::fmt;

use crate::ack::{ErrorEntry, ErrorLocation, Severity};

/// The rule a [`Finding`] is about. Each rule's check, default and switch are described in the
/// [module documentation](crate::validate).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Rule {
    /// MSH-12 is empty, or names a version that is unknown or not compiled in.
    UnknownVersion,
    /// MSH-9 is empty, or names a message type/event with no structure in the version.
    UnknownMessageType,
    /// MSH-9.3 names a structure the version does not define, or one that differs from the
    /// structure of the message type and event.
    MessageStructure,
    /// A segment of the structure stands where the structure does not allow it.
    SegmentOrder,
    /// A segment the message structure does not contain at all (not a Z-segment).
    UnexpectedSegment,
    /// A Z-segment the profile does not declare.
    ZSegment,
    /// A required segment or segment group is missing.
    RequiredSegment,
    /// A segment or group occurs more often than the structure allows.
    SegmentRepetition,
    /// A segment ID the version does not define, so its fields cannot be checked.
    UnknownSegment,
    /// A required field is empty or absent.
    RequiredField,
    /// A field repeats more often than allowed.
    FieldRepetition,
    /// A field holds more components (or a component more sub-components) than its data type.
    ComponentCount,
    /// A field beyond the last one the segment defines holds a value.
    ExtraField,
    /// A withdrawn field (or component) holds a value.
    WithdrawnField,
    /// A value is longer than the maximum length of its field or component.
    Length,
    /// A value of a primitive data type (NM, SI, DT, TM, DTM/TS) is malformed.
    Primitive,
    /// A coded value is not in the HL7 (ID) or user-defined (IS) table of its position.
    TableValue,
}

impl Rule {
    /// A short stable name for the rule, as used in snapshots: `required-field`, ...
    pub const fn as_str(&self) -> &'static str {
        match self {
            Rule::UnknownVersion => "unknown-version",
            Rule::UnknownMessageType => "unknown-message-type",
            Rule::MessageStructure => "message-structure",
            Rule::SegmentOrder => "segment-order",
            Rule::UnexpectedSegment => "unexpected-segment",
            Rule::ZSegment => "z-segment",
            Rule::RequiredSegment => "required-segment",
            Rule::SegmentRepetition => "segment-repetition",
            Rule::UnknownSegment => "unknown-segment",
            Rule::RequiredField => "required-field",
            Rule::FieldRepetition => "field-repetition",
            Rule::ComponentCount => "component-count",
            Rule::ExtraField => "extra-field",
            Rule::WithdrawnField => "withdrawn-field",
            Rule::Length => "length",
            Rule::Primitive => "primitive",
            Rule::TableValue => "table-value",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found in a message.
///
/// The message says what is wrong, where and what was expected; it never quotes a value of the
/// message, since values are patient data and reports end up in logs and ACKs.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub struct Finding {
    /// Error, warning or information.
    pub severity: Severity,
    /// The position of the segment in the message (0 is MSH), if the finding concerns one.
    pub segment_index: Option<usize>,
    /// Where in the message: a segment occurrence, or a position inside it.
    pub location: Option<ErrorLocation>,
    /// The rule broken.
    pub rule: Rule,
    /// The HL7 error code (table 0357): 100 segment sequence error, 101 required field missing,
    /// 102 data type error, 103 table value not found, 104 value too long, 200 unsupported
    /// message type, 203 unsupported version ID.
    pub code: u16,
    /// What is wrong, in words, without the value.
    pub message: String,
}

impl Finding {
    pub(crate) fn new(severity: Severity, rule: Rule, code: u16, message: String) -> Finding {
        Finding {
            severity,
            segment_index: None,
            location: None,
            rule,
            code,
            message,
        }
    }

    pub(crate) fn at(mut self, segment_index: usize, location: ErrorLocation) -> Finding {
        self.segment_index = Some(segment_index);
        self.location = Some(location);
        self
    }

    /// The location written as an HL7 path (`PID-3[2].1`, `OBX[2]`), if there is one.
    pub fn location_text(&self) -> Option<String> {
        self.location.map(|l| LocationText(&l).to_string())
    }

    /// The finding as an ERR segment's error for an AE/AR acknowledgment.
    pub fn to_ack_error(&self) -> ErrorEntry {
        let mut e = ErrorEntry::new(self.code)
            .with_severity(self.severity)
            .with_text(self.message.clone());
        e.location = self.location;
        e
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information => "info",
        };
        write!(f, "{level} {} [{}]", self.code, self.rule)?;
        if let Some(l) = &self.location {
            write!(f, " at {}", LocationText(l))?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Writes an [`ErrorLocation`] as a path; the occurrence only when it is not the first.
pub(crate) struct LocationText<'a>(pub(crate) &'a ErrorLocation);

impl fmt::Display for LocationText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let l = self.0;
        f.write_str(l.segment.as_str())?;
        if l.occurrence > 1 {
            write!(f, "[{}]", l.occurrence)?;
        }
        if let Some(field) = l.field {
            write!(f, "-{field}")?;
            if let Some(r) = l.repetition.filter(|&r| r > 1) {
                write!(f, "[{r}]")?;
            }
            if let Some(c) = l.component {
                write!(f, ".{c}")?;
                if let Some(s) = l.subcomponent {
                    write!(f, ".{s}")?;
                }
            }
        }
        Ok(())
    }
}

/// Everything a validation found, in message order within each pass (structure first, then
/// segment by segment).
///
/// ```
/// use messagefoundry_hl7::{Message, validate::{validate, Options}};
/// # #[cfg(feature = "v2_5_1")] {
/// let msg = Message::parse("MSH|^~\\&|LAB||EHR||20240101120000||ORU^R01^ORU_R01|1|P|2.5.1\rPID|1\rOBR|1\r").unwrap();
/// let report = validate(&msg, &Options::tolerant());
/// assert!(!report.is_valid());
/// let first = report.errors().next().unwrap();
/// assert_eq!(first.to_string(), "error 101 [required-field] at PID-3: PID-3 (Patient Identifier List) is required but empty");
/// # }
/// ```
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Report {
    /// The HL7 version validated against, if one was found.
    pub version: Option<&'static str>,
    /// The message structure validated against (`ORU_R01`), if one was found.
    pub structure: Option<&'static str>,
    /// Every finding.
    pub findings: Vec<Finding>,
}

impl Report {
    /// True when no finding is an error (warnings and information allowed).
    pub fn is_valid(&self) -> bool {
        self.errors().next().is_none()
    }

    /// The findings of severity error.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
    }

    /// The findings of severity warning.
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
    }

    /// Every finding as an ACK error, errors first, at most `max` of them (an ACK that lists
    /// hundreds of ERR segments helps nobody). Hand them to
    /// [`ack::Builder::errors`](crate::ack::Builder::errors).
    ///
    /// ```
    /// use messagefoundry_hl7::ack::{Builder, Code};
    /// use messagefoundry_hl7::{Message, Path, ack, validate::{validate, Options}};
    /// # #[cfg(feature = "v2_5_1")] {
    /// let msg = Message::parse("MSH|^~\\&|LAB||EHR||20240101120000||ORU^R01^ORU_R01|1|P|2.5.1\rPID|1\rOBR|1\r").unwrap();
    /// let report = validate(&msg, &Options::tolerant());
    /// let reply = Builder::new(&msg, Code::ApplicationError)
    ///     .errors(report.ack_errors(10))
    ///     .build(&ack::Stamp::new("20240101120001", "A1"))
    ///     .unwrap();
    /// assert_eq!(&reply[Path::parse_const("ERR-3.1")], "101");
    /// assert_eq!(&reply[Path::parse_const("ERR-2.1")], "PID");
    /// # }
    /// ```
    pub fn ack_errors(&self, max: usize) -> Vec<ErrorEntry> {
        let rank = |s: Severity| match s {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Information => 2,
        };
        let mut sorted: Vec<&Finding> = self.findings.iter().collect();
        sorted.sort_by_key(|f| rank(f.severity));
        sorted
            .into_iter()
            .take(max)
            .map(Finding::to_ack_error)
            .collect()
    }

    /// The findings in a stable one-line form for snapshots: `rule@location#code` joined by
    /// spaces, no values.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for f in &self.findings {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(f.rule.as_str());
            if let Some(l) = &f.location {
                out.push('@');
                out.push_str(&LocationText(l).to_string());
            }
            out.push('#');
            out.push_str(&f.code.to_string());
        }
        out
    }

    pub(crate) fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
    }
}

impl From<&Report> for Vec<ErrorEntry> {
    fn from(report: &Report) -> Vec<ErrorEntry> {
        report.ack_errors(usize::MAX)
    }
}
