//! HL7 paths: `SEG[occurrence]-FIELD[repetition].COMPONENT.SUBCOMPONENT`, all 1-based.
//!
//! `MSH-9.1`, `OBR-25`, `PID-3[2].1`, `OBX[2]-5`, `PID-5.1.1`. The bracket after the segment
//! name picks the segment's occurrence in the message, the bracket after the field number the
//! field's repetition. Both default to the first.

use std::fmt;
use std::str::FromStr;

/// A three-character segment identifier such as `PID` or `ZPI`.
///
/// Segment IDs are an upper-case letter followed by two upper-case letters or digits. An
/// interface crate writes one as `segment!("OBX")`, checked against its HL7 version when it
/// builds; text from elsewhere becomes one through [`SegmentId::from_slice`], and
/// [`SegmentId::as_str`] compares with text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SegmentId([u8; 3]);

impl SegmentId {
    /// `MSH`, the message header.
    pub const MSH: SegmentId = SegmentId(*b"MSH");

    /// A segment ID this crate names itself; a malformed one stops the build (in a `const`).
    pub(crate) const fn known(bytes: [u8; 3]) -> SegmentId {
        match SegmentId::new(bytes) {
            Some(id) => id,
            None => panic!("malformed segment ID"),
        }
    }

    /// Builds a segment ID from three bytes, or `None` if they are not a valid segment ID.
    pub const fn new(bytes: [u8; 3]) -> Option<SegmentId> {
        if !bytes[0].is_ascii_uppercase() {
            return None;
        }
        if !is_id_char(bytes[1]) || !is_id_char(bytes[2]) {
            return None;
        }
        Some(SegmentId(bytes))
    }

    /// Builds a segment ID from the first three bytes of `bytes`, if they form one.
    pub fn from_slice(bytes: &[u8]) -> Option<SegmentId> {
        match bytes {
            [a, b, c] => SegmentId::new([*a, *b, *c]),
            _ => None,
        }
    }

    /// The three bytes of the ID.
    pub const fn as_bytes(&self) -> &[u8; 3] {
        &self.0
    }

    /// The ID as text.
    pub fn as_str(&self) -> &str {
        // Every constructor checks for ASCII, so this cannot fail.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// Whether this is a locally defined Z-segment.
    pub const fn is_z_segment(&self) -> bool {
        self.0[0] == b'Z'
    }
}

const fn is_id_char(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}

impl fmt::Display for SegmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SegmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SegmentId({})", self.as_str())
    }
}

/// A parsed HL7 path. Positions are 1-based; `None` means "not given".
///
/// A path always names a segment and a field. Segment occurrence and field repetition default to
/// the first when not given; component and sub-component, when not given, mean "the whole field"
/// (or "the whole component").
///
/// ```
/// use messagefoundry_hl7::Path;
/// let p: Path = "PID-3[2].1".parse().unwrap();
/// assert_eq!(p.segment.as_str(), "PID");
/// assert_eq!((p.field, p.repetition, p.component), (3, Some(2), Some(1)));
/// const OBR_25: Path = Path::parse_const("OBR-25");
/// assert_eq!(OBR_25.to_string(), "OBR-25");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Path {
    /// The segment ID.
    pub segment: SegmentId,
    /// Which occurrence of the segment (1-based); `None` is the first.
    pub occurrence: Option<u16>,
    /// The field number (1-based). In MSH, field 1 is the field separator itself.
    pub field: u16,
    /// Which repetition of the field (1-based); `None` is the first.
    pub repetition: Option<u16>,
    /// The component (1-based); `None` is the whole repetition.
    pub component: Option<u16>,
    /// The sub-component (1-based); `None` is the whole component. Needs a component.
    pub subcomponent: Option<u16>,
}

/// Why a path did not parse. Each variant carries the byte offset in the path text.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
pub enum PathError {
    /// The text is empty.
    #[error("empty HL7 path")]
    Empty,
    /// The segment name is not three upper-case letters or digits starting with a letter.
    #[error(
        "a path starts with a segment ID of three upper-case letters or digits, like PID (at byte {at})"
    )]
    BadSegment {
        /// Byte offset of the problem.
        at: usize,
    },
    /// A number was expected and is missing, zero or too large.
    #[error("expected a {what} number from 1 to 65535 at byte {at}")]
    BadNumber {
        /// What the number stands for: "field", "repetition", ...
        what: &'static str,
        /// Byte offset of the problem.
        at: usize,
    },
    /// A character that has no place in a path.
    #[error("unexpected character at byte {at}; paths look like PID-3[2].1 or OBX[2]-5")]
    Unexpected {
        /// Byte offset of the problem.
        at: usize,
    },
}

impl PathError {
    /// Byte offset in the path text where the problem is (0 for an empty path).
    pub const fn offset(&self) -> usize {
        match *self {
            PathError::Empty => 0,
            PathError::BadSegment { at }
            | PathError::BadNumber { at, .. }
            | PathError::Unexpected { at } => at,
        }
    }
}

impl Path {
    /// A path to a whole field: `SEG-FIELD`.
    pub const fn field(segment: SegmentId, field: u16) -> Path {
        Path {
            segment,
            occurrence: None,
            field,
            repetition: None,
            component: None,
            subcomponent: None,
        }
    }

    /// Builds a path from all of its parts, without checks. This is what the compile-time
    /// macros emit after they have checked a literal; positions must be 1-based.
    pub const fn from_parts(
        segment: [u8; 3],
        occurrence: Option<u16>,
        field: u16,
        repetition: Option<u16>,
        component: Option<u16>,
        subcomponent: Option<u16>,
    ) -> Path {
        Path {
            segment: SegmentId(segment),
            occurrence,
            field,
            repetition,
            component,
            subcomponent,
        }
    }

    /// Parses a path in a `const` context; a malformed path is a compile-time error there (and
    /// a panic elsewhere, so use [`Path::parse`] on text that is not a literal).
    pub const fn parse_const(text: &str) -> Path {
        match Path::parse(text) {
            Ok(p) => p,
            Err(_) => panic!("malformed HL7 path"),
        }
    }

    /// Parses a path such as `PID-3[2].1`.
    pub const fn parse(text: &str) -> Result<Path, PathError> {
        let b = text.as_bytes();
        if b.is_empty() {
            return Err(PathError::Empty);
        }
        if b.len() < 3 {
            return Err(PathError::BadSegment { at: 0 });
        }
        let segment = match SegmentId::new([b[0], b[1], b[2]]) {
            Some(s) => s,
            None => return Err(PathError::BadSegment { at: 0 }),
        };
        let mut i = 3;
        let mut occurrence = None;
        if i < b.len() && b[i] == b'[' {
            let (n, next) = match number(b, i + 1, "segment occurrence") {
                Ok(v) => v,
                Err(e) => return Err(e),
            };
            if next >= b.len() || b[next] != b']' {
                return Err(PathError::Unexpected { at: next });
            }
            occurrence = Some(n);
            i = next + 1;
        }
        if i >= b.len() || b[i] != b'-' {
            return Err(PathError::Unexpected { at: i });
        }
        let (field, next) = match number(b, i + 1, "field") {
            Ok(v) => v,
            Err(e) => return Err(e),
        };
        i = next;
        let mut repetition = None;
        if i < b.len() && b[i] == b'[' {
            let (n, next) = match number(b, i + 1, "repetition") {
                Ok(v) => v,
                Err(e) => return Err(e),
            };
            if next >= b.len() || b[next] != b']' {
                return Err(PathError::Unexpected { at: next });
            }
            repetition = Some(n);
            i = next + 1;
        }
        let mut component = None;
        if i < b.len() && b[i] == b'.' {
            let (n, next) = match number(b, i + 1, "component") {
                Ok(v) => v,
                Err(e) => return Err(e),
            };
            component = Some(n);
            i = next;
        }
        let mut subcomponent = None;
        if component.is_some() && i < b.len() && b[i] == b'.' {
            let (n, next) = match number(b, i + 1, "sub-component") {
                Ok(v) => v,
                Err(e) => return Err(e),
            };
            subcomponent = Some(n);
            i = next;
        }
        if i != b.len() {
            return Err(PathError::Unexpected { at: i });
        }
        Ok(Path {
            segment,
            occurrence,
            field,
            repetition,
            component,
            subcomponent,
        })
    }

    /// The same position in repetition `n` (1-based) of the field: `PID-5.1` at repetition 2
    /// is `PID-5[2].1`. For every repetition there is, [`Message::every`](crate::Message::every)
    /// gives the paths ready made. Positions are 1-based: 0 names nothing, which reads as
    /// absent and which an edit refuses.
    ///
    /// ```
    /// use messagefoundry_hl7::Path;
    /// const FAMILY_NAME: Path = Path::parse_const("PID-5.1");
    /// assert_eq!(FAMILY_NAME.repetition(2).to_string(), "PID-5[2].1");
    /// assert_eq!(FAMILY_NAME.repetition(2).repetition, Some(2));
    /// ```
    pub const fn repetition(self, n: u16) -> Path {
        Path {
            repetition: Some(n),
            ..self
        }
    }

    /// The same position in occurrence `n` (1-based) of the segment: `OBX-5` in occurrence 3
    /// is `OBX[3]-5`, the fifth field of the message's third OBX. 0 names nothing, as for
    /// [`repetition`](Path::repetition()).
    ///
    /// ```
    /// use messagefoundry_hl7::Path;
    /// const VALUE: Path = Path::parse_const("OBX-5");
    /// assert_eq!(VALUE.occurrence(3).to_string(), "OBX[3]-5");
    /// assert_eq!(VALUE.occurrence(3).repetition(2).to_string(), "OBX[3]-5[2]");
    /// ```
    pub const fn occurrence(self, n: u16) -> Path {
        Path {
            occurrence: Some(n),
            ..self
        }
    }

    /// Component `n` (1-based) of the same repetition, whole: `PID-5[2]` and component 1 is
    /// `PID-5[2].1`. With [`Message::every`](crate::Message::every), it reaches the parts of
    /// each repetition in turn. The component is not checked against the schema as a literal
    /// is; 0 names nothing.
    ///
    /// ```
    /// use messagefoundry_hl7::Path;
    /// let name = Path::parse("PID-5[2]")?;
    /// assert_eq!(name.component(1).to_string(), "PID-5[2].1");
    /// assert_eq!(Path::parse("PID-5.1.2")?.component(3).to_string(), "PID-5.3");
    /// # Ok::<(), messagefoundry_hl7::PathError>(())
    /// ```
    pub const fn component(self, n: u16) -> Path {
        Path {
            component: Some(n),
            subcomponent: None,
            ..self
        }
    }

    /// The segment occurrence, 1 when not given.
    pub const fn occurrence_or_first(&self) -> u16 {
        match self.occurrence {
            Some(n) => n,
            None => 1,
        }
    }

    /// The field repetition, 1 when not given.
    pub const fn repetition_or_first(&self) -> u16 {
        match self.repetition {
            Some(n) => n,
            None => 1,
        }
    }
}

/// Reads a decimal number from 1 to 65535 starting at `start`; returns it and the index after it.
const fn number(b: &[u8], start: usize, what: &'static str) -> Result<(u16, usize), PathError> {
    let mut i = start;
    let mut value: u32 = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        value = value * 10 + (b[i] - b'0') as u32;
        if value > u16::MAX as u32 {
            return Err(PathError::BadNumber { what, at: start });
        }
        i += 1;
    }
    if i == start || value == 0 {
        return Err(PathError::BadNumber { what, at: start });
    }
    Ok((value as u16, i))
}

impl FromStr for Path {
    type Err = PathError;
    fn from_str(s: &str) -> Result<Path, PathError> {
        Path::parse(s)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.segment.as_str())?;
        if let Some(n) = self.occurrence {
            write!(f, "[{n}]")?;
        }
        write!(f, "-{}", self.field)?;
        if let Some(n) = self.repetition {
            write!(f, "[{n}]")?;
        }
        if let Some(n) = self.component {
            write!(f, ".{n}")?;
        }
        if let Some(n) = self.subcomponent {
            write!(f, ".{n}")?;
        }
        Ok(())
    }
}

/// Paths and segment IDs from text, for this crate's tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Path, SegmentId};

    /// The path `text`, which must be well formed.
    pub fn p(text: &str) -> Path {
        Path::parse(text).expect("a well-formed path")
    }

    /// The segment ID `text`, which must be well formed.
    pub fn seg(text: &str) -> SegmentId {
        SegmentId::from_slice(text.as_bytes()).expect("a well-formed segment ID")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        let p = Path::parse("MSH-9.1").unwrap();
        assert_eq!(
            (p.segment, p.field, p.component),
            (SegmentId::MSH, 9, Some(1))
        );
        let p = Path::parse("OBX[2]-5").unwrap();
        assert_eq!((p.occurrence, p.field, p.component), (Some(2), 5, None));
        let p = Path::parse("PID-5.1.1").unwrap();
        assert_eq!((p.component, p.subcomponent), (Some(1), Some(1)));
        let p = Path::parse("PID-3[2].1").unwrap();
        assert_eq!((p.repetition, p.component), (Some(2), Some(1)));
        let p = Path::parse("ZP1[10]-65535[3].2.4").unwrap();
        assert_eq!(p.to_string(), "ZP1[10]-65535[3].2.4");
    }

    #[test]
    fn rejects_with_offsets() {
        assert_eq!(Path::parse(""), Err(PathError::Empty));
        assert_eq!(Path::parse("pid-3"), Err(PathError::BadSegment { at: 0 }));
        assert_eq!(Path::parse("1ID-3"), Err(PathError::BadSegment { at: 0 }));
        assert!(matches!(
            Path::parse("PID-0"),
            Err(PathError::BadNumber { at: 4, .. })
        ));
        assert!(matches!(
            Path::parse("PID-"),
            Err(PathError::BadNumber { at: 4, .. })
        ));
        assert!(matches!(
            Path::parse("PID-70000"),
            Err(PathError::BadNumber { at: 4, .. })
        ));
        assert_eq!(Path::parse("PID-3[2"), Err(PathError::Unexpected { at: 7 }));
        assert_eq!(
            Path::parse("PID-3.1.2.3"),
            Err(PathError::Unexpected { at: 9 })
        );
        assert_eq!(Path::parse("PID"), Err(PathError::Unexpected { at: 3 }));
        assert_eq!(Path::parse("PID-3 "), Err(PathError::Unexpected { at: 5 }));
    }

    #[test]
    fn const_parse_in_const_context() {
        const P: Path = Path::parse_const("OBR-25");
        assert_eq!(P, Path::field(SegmentId::new(*b"OBR").unwrap(), 25));
    }
}
