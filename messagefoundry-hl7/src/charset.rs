//! Character sets named by MSH-18, and decoding bytes to text in them.

use std::borrow::Cow;

use crate::error::DecodeError;

/// The MSH-18 values that name ISO-8859-1.
const LATIN1_NAMES: [&[u8]; 3] = [b"8859/1", b"ISO-8859-1", b"ISO IR100"];

/// The character set a message declares in MSH-18 (first repetition).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub enum Charset {
    /// MSH-18 is empty. Bytes are read as UTF-8 when they are valid UTF-8 (ASCII always is) and
    /// as ISO-8859-1 otherwise: the two encodings senders actually use when they declare none.
    #[default]
    Unspecified,
    /// `ASCII`. Read like [`Charset::Unspecified`], since senders that declare ASCII often send
    /// UTF-8 or Latin-1 anyway, and both agree with ASCII on ASCII bytes.
    Ascii,
    /// `UNICODE UTF-8`: invalid UTF-8 is an error.
    Utf8,
    /// `8859/1` (ISO-8859-1, Latin-1): every byte is a character.
    Latin1,
    /// Any other set (`8859/2`, `ISO IR87`, `UNICODE UTF-16`, …). Values that are pure ASCII
    /// decode; anything else is an error, never a guess.
    Other(String),
}

impl Charset {
    /// The character set MSH-18 names.
    pub fn from_msh18(value: &[u8]) -> Charset {
        let trimmed = value.trim_ascii();
        match trimmed {
            b"" => Charset::Unspecified,
            b"ASCII" => Charset::Ascii,
            b"UNICODE UTF-8" | b"UTF-8" => Charset::Utf8,
            latin1 if LATIN1_NAMES.contains(&latin1) => Charset::Latin1,
            other => Charset::Other(String::from_utf8_lossy(other).into_owned()),
        }
    }

    /// Whether an MSH-18 value names ISO-8859-1; unlike [`Charset::from_msh18`], it never
    /// allocates.
    pub(crate) fn names_latin1(msh18: &[u8]) -> bool {
        LATIN1_NAMES.contains(&msh18.trim_ascii())
    }

    /// The name used in error messages.
    pub fn name(&self) -> &'static str {
        match self {
            Charset::Unspecified | Charset::Ascii => "UTF-8 or ISO-8859-1",
            Charset::Utf8 => "UTF-8",
            Charset::Latin1 => "ISO-8859-1",
            Charset::Other(_) => "the declared character set",
        }
    }

    /// Decodes bytes to text; borrows when the bytes are already valid text.
    pub fn decode<'a>(&self, bytes: Cow<'a, [u8]>) -> Result<Cow<'a, str>, DecodeError> {
        if bytes.is_ascii() {
            return Ok(into_str_unchecked_ascii(bytes));
        }
        match self {
            Charset::Utf8 => match bytes {
                Cow::Borrowed(b) => std::str::from_utf8(b)
                    .map(Cow::Borrowed)
                    .map_err(|e| self.invalid(e.valid_up_to())),
                Cow::Owned(v) => String::from_utf8(v)
                    .map(Cow::Owned)
                    .map_err(|e| self.invalid(e.utf8_error().valid_up_to())),
            },
            Charset::Unspecified | Charset::Ascii => match std::str::from_utf8(&bytes) {
                Ok(_) => Ok(match bytes {
                    Cow::Borrowed(b) => Cow::Borrowed(std::str::from_utf8(b).unwrap_or_default()),
                    Cow::Owned(v) => Cow::Owned(String::from_utf8(v).unwrap_or_default()),
                }),
                Err(_) => Ok(Cow::Owned(latin1(&bytes))),
            },
            Charset::Latin1 => Ok(Cow::Owned(latin1(&bytes))),
            Charset::Other(name) => Err(DecodeError::UnsupportedCharset(name.clone())),
        }
    }

    /// Encodes text for a message in this character set; `None` when a character cannot be
    /// represented (or the set is not one this library encodes).
    pub fn encode<'a>(&self, text: &'a str) -> Option<Cow<'a, [u8]>> {
        if text.is_ascii() {
            return Some(Cow::Borrowed(text.as_bytes()));
        }
        match self {
            Charset::Utf8 | Charset::Unspecified | Charset::Ascii => {
                Some(Cow::Borrowed(text.as_bytes()))
            }
            Charset::Latin1 => text
                .chars()
                .map(|c| u8::try_from(u32::from(c)).ok())
                .collect::<Option<Vec<u8>>>()
                .map(Cow::Owned),
            Charset::Other(_) => None,
        }
    }

    fn invalid(&self, offset: usize) -> DecodeError {
        DecodeError::InvalidBytes {
            charset: self.name(),
            offset,
        }
    }
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Turns ASCII bytes into text without a second validation pass.
fn into_str_unchecked_ascii(bytes: Cow<'_, [u8]>) -> Cow<'_, str> {
    // ASCII is valid UTF-8, so neither conversion can fail; the fallbacks are unreachable.
    match bytes {
        Cow::Borrowed(b) => Cow::Borrowed(std::str::from_utf8(b).unwrap_or_default()),
        Cow::Owned(v) => Cow::Owned(String::from_utf8(v).unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_each_set() {
        let b = |s: &'static [u8]| Cow::Borrowed(s);
        assert_eq!(Charset::Utf8.decode(b("é".as_bytes())).unwrap(), "é");
        assert!(Charset::Utf8.decode(b(b"\xe9")).is_err());
        assert_eq!(Charset::Latin1.decode(b(b"\xe9")).unwrap(), "é");
        assert_eq!(Charset::Unspecified.decode(b(b"\xe9")).unwrap(), "é");
        assert_eq!(Charset::Unspecified.decode(b("é".as_bytes())).unwrap(), "é");
        let other = Charset::from_msh18(b"ISO IR87");
        assert_eq!(other.decode(b(b"abc")).unwrap(), "abc");
        assert!(matches!(
            other.decode(b(b"\x8e\xa1")),
            Err(DecodeError::UnsupportedCharset(_))
        ));
    }

    #[test]
    fn encodes() {
        assert_eq!(&*Charset::Latin1.encode("é").unwrap(), b"\xe9");
        assert!(Charset::Latin1.encode("€").is_none());
        assert_eq!(&*Charset::Utf8.encode("€").unwrap(), "€".as_bytes());
    }
}
