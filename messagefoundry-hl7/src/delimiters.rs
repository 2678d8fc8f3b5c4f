//! The delimiters of a message, read from MSH-1 and MSH-2 (or FHS/BHS for batch headers).

use crate::error::{ParseError, ParseErrorKind};

/// The separator and encoding characters of one message.
///
/// MSH-1 gives the field separator; MSH-2 gives, in order, the component separator, the
/// repetition separator, the escape character, the sub-component separator and (from HL7 2.7)
/// the truncation character. MSH-2 may stop early; missing characters are `None`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Delimiters {
    /// Separates fields (MSH-1), usually `|`.
    pub field: u8,
    /// Separates components, usually `^`.
    pub component: u8,
    /// Separates repetitions of a field, usually `~`.
    pub repetition: u8,
    /// Starts and ends an escape sequence, usually `\`.
    pub escape: Option<u8>,
    /// Separates sub-components, usually `&`.
    pub subcomponent: Option<u8>,
    /// The truncation character of HL7 2.7 and later, usually `#`.
    pub truncation: Option<u8>,
}

impl Default for Delimiters {
    fn default() -> Self {
        Delimiters::STANDARD
    }
}

impl Delimiters {
    /// `|^~\&`, the delimiters nearly every message uses.
    pub const STANDARD: Delimiters = Delimiters {
        field: b'|',
        component: b'^',
        repetition: b'~',
        escape: Some(b'\\'),
        subcomponent: Some(b'&'),
        truncation: None,
    };

    /// Reads the delimiters of a header segment (`MSH`, `FHS` or `BHS`) at the start of `bytes`.
    ///
    /// Returns the delimiters and the length of the encoding characters (MSH-2).
    pub fn from_header(bytes: &[u8]) -> Result<(Delimiters, usize), ParseError> {
        let err = |offset, kind| Err(ParseError::new(offset, kind));
        if bytes.len() < 3 || !matches!(&bytes[..3], b"MSH" | b"FHS" | b"BHS") {
            return err(0, ParseErrorKind::NoHeader);
        }
        let Some(&field) = bytes.get(3) else {
            return err(3, ParseErrorKind::HeaderTooShort);
        };
        if !is_delimiter_char(field) {
            return err(3, ParseErrorKind::BadDelimiter);
        }
        let rest = &bytes[4..];
        let len = rest
            .iter()
            .position(|&b| b == field || b == b'\r' || b == b'\n')
            .unwrap_or(rest.len());
        let encoding = &rest[..len];
        if encoding.is_empty() {
            return err(4, ParseErrorKind::HeaderTooShort);
        }
        if encoding.len() > 5 {
            return err(4 + 5, ParseErrorKind::BadDelimiter);
        }
        for (i, &c) in encoding.iter().enumerate() {
            if !is_delimiter_char(c) {
                return err(4 + i, ParseErrorKind::BadDelimiter);
            }
            if encoding[..i].contains(&c) {
                return err(4 + i, ParseErrorKind::RepeatedDelimiter);
            }
        }
        // A one-character MSH-2 gives no repetition separator; HL7 requires at least two.
        if encoding.len() < 2 {
            return err(4 + encoding.len(), ParseErrorKind::HeaderTooShort);
        }
        let at = |i: usize| encoding.get(i).copied();
        Ok((
            Delimiters {
                field,
                component: encoding[0],
                repetition: encoding[1],
                escape: at(2),
                subcomponent: at(3),
                truncation: at(4),
            },
            len,
        ))
    }

    /// MSH-2 as bytes: the encoding characters in their standard order.
    pub fn encoding_characters(&self) -> Vec<u8> {
        let mut out = vec![self.component, self.repetition];
        out.extend(self.escape);
        out.extend(self.subcomponent);
        out.extend(self.truncation);
        out
    }

    /// Checks that every delimiter is a printable, non-alphanumeric character and that no two are
    /// the same; the rules `from_header` applies to incoming messages.
    pub fn validate(&self) -> Result<(), ParseErrorKind> {
        let all = [
            Some(self.field),
            Some(self.component),
            Some(self.repetition),
            self.escape,
            self.subcomponent,
            self.truncation,
        ];
        let present: Vec<u8> = all.iter().flatten().copied().collect();
        for (i, &c) in present.iter().enumerate() {
            if !is_delimiter_char(c) {
                return Err(ParseErrorKind::BadDelimiter);
            }
            if present[..i].contains(&c) {
                return Err(ParseErrorKind::RepeatedDelimiter);
            }
        }
        if self.truncation.is_some() && (self.escape.is_none() || self.subcomponent.is_none()) {
            return Err(ParseErrorKind::BadDelimiter);
        }
        if self.subcomponent.is_some() && self.escape.is_none() {
            return Err(ParseErrorKind::BadDelimiter);
        }
        Ok(())
    }
}

/// Delimiters must be visible ASCII punctuation: never a letter, digit, space or control byte.
fn is_delimiter_char(b: u8) -> bool {
    b.is_ascii_graphic() && !b.is_ascii_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_and_truncation() {
        let (d, n) = Delimiters::from_header(b"MSH|^~\\&|A").unwrap();
        assert_eq!((d, n), (Delimiters::STANDARD, 4));
        let (d, _) = Delimiters::from_header(b"MSH|^~\\&#|A").unwrap();
        assert_eq!(d.truncation, Some(b'#'));
        let (d, _) = Delimiters::from_header(b"MSH$%~\\&$A").unwrap();
        assert_eq!((d.field, d.component), (b'$', b'%'));
    }

    #[test]
    fn broken_headers() {
        let kind = |b: &[u8]| Delimiters::from_header(b).unwrap_err().kind;
        assert_eq!(kind(b"PID|"), ParseErrorKind::NoHeader);
        assert_eq!(kind(b"MSH"), ParseErrorKind::HeaderTooShort);
        assert_eq!(kind(b"MSH||"), ParseErrorKind::HeaderTooShort);
        assert_eq!(kind(b"MSH|^^\\&|"), ParseErrorKind::RepeatedDelimiter);
        assert_eq!(kind(b"MSHA^~\\&"), ParseErrorKind::BadDelimiter);
        assert_eq!(kind(b"MSH|^~\\&#!|"), ParseErrorKind::BadDelimiter);
    }
}
