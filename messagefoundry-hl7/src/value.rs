//! A view of one value in a message: a field repetition, a component or a sub-component.

use std::borrow::Cow;
use std::fmt;

use crate::charset::Charset;
use crate::delimiters::Delimiters;
use crate::error::DecodeError;
use crate::escape::{Formatting, unescape};

/// Whether a value is there, and how.
///
/// HL7 tells apart a value that is not sent (absent), sent empty (no change at the receiver)
/// and sent as the explicit null `""` (delete the value at the receiver).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Presence {
    /// The message does not reach this position.
    Absent,
    /// The position is there and empty.
    Empty,
    /// The position holds the explicit null `""`.
    Null,
    /// The position holds a value.
    Valued,
}

/// What kind of position a value comes from; it decides which separators it may contain.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Level {
    /// MSH-1 or MSH-2: the delimiters themselves, never split or unescaped.
    Delimiters,
    /// A field repetition, which may hold components.
    Repetition,
    /// A component, which may hold sub-components.
    Component,
    /// A sub-component: always a leaf.
    Subcomponent,
}

/// A borrowed view of one value, as found at a [`Path`](crate::Path): a field repetition, a
/// component or a sub-component.
///
/// **Its text is the text of its first leaf.** A position that holds components or
/// sub-components (a *composite*: `Doe^John` at `PID-5`, `van&Beethoven` at `PID-5.1`) reads as
/// its first sub-component of its first component (`Doe`, `van`), the way HL7 tells a receiver
/// to read a composite where it expects a single value. So comparing, displaying and
/// [`text`](Value::text) never show separators, and [`Message::set`](crate::Message::set)
/// writes the same leaf back, keeping the other parts: a read-modify-write keeps the structure.
///
/// The text is unescaped (`\T\` reads `&`, `\X0D\` a carriage return) and decoded from the
/// message's character set. Formatting sequences (`\.br\`, `\H\`, `\N\`) and the other
/// sequences this library does not decode (`\Zxx\`, `\Cxxyy\`, …) stay as written, with the
/// message's escape character. The explicit null reads as the two characters `""`.
///
/// **Reading never fails.** [`text`](Value::text), `Display`, `==` and `msg[path]` all read the
/// same text, with U+FFFD in place of bytes the character set cannot decode;
/// [`try_text`](Value::try_text) is the one read that reports those bytes as an error.
///
/// The whole position as written, separators and escapes included, is [`er7`](Value::er7)
/// (text) or [`raw`](Value::raw) (bytes); [`Message::set_er7`](crate::Message::set_er7) writes
/// it. [`presence`](Value::presence) is that of the whole position. Its parts are
/// [`component`](Value::component), [`subcomponent`](Value::subcomponent) and
/// [`components`](Value::components), values again.
///
/// ```
/// use messagefoundry_hl7::{Message, Path};
/// let msg = Message::parse("MSH|^~\\&|||||||ADT^A01|1|P|2.5\rPID|1||||van&Beethoven^Ludwig\r").unwrap();
/// let name = msg.get(Path::parse_const("PID-5"));
/// assert_eq!(name, "van");
/// assert!(name.is_composite());
/// assert_eq!(name.er7(), "van&Beethoven^Ludwig");
/// assert_eq!(name.component(2), "Ludwig");
/// assert_eq!(name.component(1).subcomponent(2), "Beethoven");
/// assert_eq!(msg.get(Path::parse_const("PID-5.1.2")), "Beethoven");
/// ```
#[derive(Clone, Copy)]
pub struct Value<'m> {
    raw: Option<&'m [u8]>,
    level: Level,
    delims: &'m Delimiters,
    charset: &'m Charset,
}

impl<'m> Value<'m> {
    pub(crate) fn new(
        raw: Option<&'m [u8]>,
        level: Level,
        delims: &'m Delimiters,
        charset: &'m Charset,
    ) -> Value<'m> {
        Value {
            raw,
            level,
            delims,
            charset,
        }
    }

    /// Whether the value is absent, empty, null or valued.
    pub fn presence(&self) -> Presence {
        match self.raw {
            None => Presence::Absent,
            Some([]) => Presence::Empty,
            Some(b"\"\"") => Presence::Null,
            Some(_) => Presence::Valued,
        }
    }

    /// True unless the message does not reach this position.
    pub fn is_present(&self) -> bool {
        self.raw.is_some()
    }

    /// True when absent or empty (but not for the explicit null `""`).
    pub fn is_empty(&self) -> bool {
        matches!(self.raw, None | Some([]))
    }

    /// True for the explicit null `""`.
    pub fn is_null(&self) -> bool {
        self.presence() == Presence::Null
    }

    /// The bytes as they stand in the message (escapes and separators included); empty when
    /// absent.
    pub fn raw(&self) -> &'m [u8] {
        self.raw.unwrap_or_default()
    }

    /// Whether the value holds separators of a lower level (components or sub-components), in
    /// which case its text is that of its first leaf.
    pub fn is_composite(&self) -> bool {
        let raw = self.raw();
        match self.level {
            Level::Delimiters | Level::Subcomponent => false,
            Level::Repetition => {
                memchr::memchr(self.delims.component, raw).is_some()
                    || self
                        .delims
                        .subcomponent
                        .is_some_and(|s| memchr::memchr(s, raw).is_some())
            }
            Level::Component => self
                .delims
                .subcomponent
                .is_some_and(|s| memchr::memchr(s, raw).is_some()),
        }
    }

    /// Component `n` (1-based) of a field repetition, as a value of its own: `PID-5.2` is
    /// `msg.get(PID-5).component(2)`. A component or a sub-component has no components and is
    /// its own first one, as a read takes it: `component(1)` is the value itself, any other is
    /// absent. So is every component of an absent value.
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, Path};
    /// let msg = Message::parse("MSH|^~\\&|||||||ADT^A08|1|P|2.5\rPID|1||||Doe^John~Roe^Jane\r")?;
    /// let given: Vec<String> = msg
    ///     .repetitions(Path::parse("PID-5")?)
    ///     .iter()
    ///     .map(|name| name.component(2).to_string())
    ///     .collect();
    /// assert_eq!(given, ["John", "Jane"]);
    /// assert!(!msg.get(Path::parse("PID-5")?).component(9).is_present());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn component(&self, n: u16) -> Value<'m> {
        match self.level {
            Level::Repetition => self.part(Some(self.delims.component), n, Level::Component),
            _ => self.part(None, n, self.level),
        }
    }

    /// Sub-component `n` (1-based) of a component. Of a field repetition it is that of its
    /// first component (`PID-5.1.n`), as a read goes to the first component; a sub-component
    /// is its own first one.
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, Path};
    /// let msg = Message::parse("MSH|^~\\&|||||||ADT^A08|1|P|2.5\rPID|1||||van&Beethoven^Ludwig\r")?;
    /// let name = msg.get(Path::parse("PID-5")?);
    /// assert_eq!(name.component(1).subcomponent(2), "Beethoven");
    /// assert_eq!(name.subcomponent(2), "Beethoven"); // of the first component
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn subcomponent(&self, n: u16) -> Value<'m> {
        match self.level {
            Level::Repetition => self.component(1).subcomponent(n),
            Level::Component => self.part(self.delims.subcomponent, n, Level::Subcomponent),
            Level::Subcomponent | Level::Delimiters => self.part(None, n, self.level),
        }
    }

    /// Every component of a field repetition, in order (a component or a sub-component is its
    /// own one component); none when absent.
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, Path};
    /// let msg = Message::parse("MSH|^~\\&|||||||ADT^A08|1|P|2.5\rPID|1||||Doe^John^^Jr\r")?;
    /// let parts: Vec<String> = msg.get(Path::parse("PID-5")?).components().map(|c| c.to_string()).collect();
    /// assert_eq!(parts, ["Doe", "John", "", "Jr"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn components(&self) -> impl Iterator<Item = Value<'m>> + use<'m> {
        let (sep, level) = match self.level {
            Level::Repetition => (Some(self.delims.component), Level::Component),
            other => (None, other),
        };
        let this = *self;
        self.raw.into_iter().flat_map(move |raw| {
            raw.split(move |&b| Some(b) == sep).map(move |part| Value {
                raw: Some(part),
                level,
                ..this
            })
        })
    }

    /// Part `n` of the value split at `sep`, at `level`; without a separator the value is its
    /// own first part.
    fn part(&self, sep: Option<u8>, n: u16, level: Level) -> Value<'m> {
        let raw = self.raw.and_then(|raw| match (sep, n) {
            (_, 0) => None,
            (Some(sep), n) => raw.split(|&b| b == sep).nth(usize::from(n) - 1),
            (None, 1) => Some(raw),
            (None, _) => None,
        });
        Value {
            raw,
            level,
            ..*self
        }
    }

    /// The bytes of the first leaf as written: the whole value, cut at the first separator of
    /// a lower level. A prefix of [`raw`](Value::raw).
    pub(crate) fn leaf_raw(&self) -> &'m [u8] {
        let raw = self.raw();
        let cut =
            |bytes: &'m [u8], sep: Option<u8>| match sep.and_then(|s| memchr::memchr(s, bytes)) {
                Some(at) => &bytes[..at],
                None => bytes,
            };
        match self.level {
            Level::Delimiters | Level::Subcomponent => raw,
            Level::Repetition => cut(
                cut(raw, Some(self.delims.component)),
                self.delims.subcomponent,
            ),
            Level::Component => cut(raw, self.delims.subcomponent),
        }
    }

    /// The unescaped bytes of the first leaf, before character-set decoding.
    pub fn unescaped(&self, formatting: Formatting) -> Cow<'m, [u8]> {
        let leaf = self.leaf_raw();
        if self.level == Level::Delimiters {
            Cow::Borrowed(leaf)
        } else {
            unescape(leaf, self.delims, formatting)
        }
    }

    /// The whole value as written, separators and escape sequences included, decoded from the
    /// message's character set (U+FFFD for what cannot be decoded; [`raw`](Value::raw) has the
    /// exact bytes). What [`Message::set_er7`](crate::Message::set_er7) takes back.
    pub fn er7(&self) -> Cow<'m, str> {
        let raw = self.raw();
        self.charset
            .decode(Cow::Borrowed(raw))
            .unwrap_or_else(|_| String::from_utf8_lossy(raw))
    }

    /// The text of the first leaf, unescaped, formatting sequences kept as written: what
    /// `msg[path]` reads. Borrowed from the message when there is nothing to unescape or decode.
    /// Bytes the character set cannot decode read as U+FFFD, and a character set this library
    /// does not decode reads its bytes as UTF-8 the same way: a read never fails. Where that
    /// must be an error, use [`try_text`](Value::try_text).
    pub fn text(&self) -> Cow<'m, str> {
        self.text_with(Formatting::Keep)
    }

    /// The text of the first leaf, with formatting sequences kept or rendered; lossy as
    /// [`text`](Value::text) is.
    pub fn text_with(&self, formatting: Formatting) -> Cow<'m, str> {
        match self.try_text_with(formatting) {
            Ok(t) => t,
            Err(_) => match self.unescaped(formatting) {
                Cow::Borrowed(b) => String::from_utf8_lossy(b),
                Cow::Owned(v) => Cow::Owned(String::from_utf8_lossy(&v).into_owned()),
            },
        }
    }

    /// The text of the first leaf, or an error when its bytes are not valid in the message's
    /// character set (or the set is one this library does not decode): for a check that must
    /// not read U+FFFD in place of a character.
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, Path};
    /// let msg = Message::parse(&b"MSH|^~\\&|||||||ADT^A08|1|P|2.5||||||UNICODE UTF-8\rPID|1||||M\xfcller\r"[..])?;
    /// let name = msg.get(Path::parse("PID-5")?);
    /// assert_eq!(name.text(), "M\u{fffd}ller"); // what msg["PID-5"] reads
    /// assert!(name.try_text().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_text(&self) -> Result<Cow<'m, str>, DecodeError> {
        self.try_text_with(Formatting::Keep)
    }

    /// The text of the first leaf, with formatting sequences kept or rendered, or an error as
    /// [`try_text`](Value::try_text) gives.
    pub fn try_text_with(&self, formatting: Formatting) -> Result<Cow<'m, str>, DecodeError> {
        self.charset.decode(self.unescaped(formatting))
    }
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

/// Shows the presence and size, never the content: values are patient data.
impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Value")
            .field("presence", &self.presence())
            .field("len", &self.raw().len())
            .finish()
    }
}

impl PartialEq<str> for Value<'_> {
    fn eq(&self, other: &str) -> bool {
        // Fast path: a plain leaf equal byte for byte needs no unescaping.
        let raw = self.leaf_raw();
        if raw == other.as_bytes()
            && raw.is_ascii()
            && !raw.iter().any(|&b| Some(b) == self.delims.escape)
        {
            return true;
        }
        self.text() == other
    }
}

impl PartialEq<&str> for Value<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl PartialEq<String> for Value<'_> {
    fn eq(&self, other: &String) -> bool {
        *self == **other
    }
}
