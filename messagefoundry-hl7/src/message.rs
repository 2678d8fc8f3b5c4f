//! [`Message`]: an HL7 v2 message held as its bytes plus an index of where everything is.

use std::ops::Range;

use crate::charset::Charset;
use crate::delimiters::Delimiters;
use crate::error::ParseError;
use crate::parser::{self, Index, ParseOptions, SegmentEntry};
use crate::path::{Path, SegmentId};
use crate::text::Text;
use crate::text_cache::TextCache;
use crate::value::{Level, Value};

/// One HL7 v2 message.
///
/// The message keeps the bytes it was parsed from and an index of segment and field positions.
/// Reading unescapes only the value read; an unmodified message serializes to exactly the bytes
/// it came from (line feeds aside, which become `\r`).
///
/// `msg[path]` reads the text of one leaf: a position that holds components or sub-components
/// reads as its first one (see [`Value`]); [`Message::get`] gives the whole position too. A
/// path is a [`Path`]: a constant of [`fields`](crate::fields), a `path!("…")` or a literal in
/// a checked item of an interface crate, or text parsed with [`Path::parse`].
///
/// ```
/// use messagefoundry_hl7::{Message, Path};
/// let msg = Message::parse(&b"MSH|^~\\&|LAB||EHR||20240101||ORU^R01|42|P|2.5.1\rPID|1||123^^^H~456^^^B\r"[..])?;
/// let message_type = Path::parse("MSH-9")?;
/// assert_eq!(&msg[message_type], "ORU"); // the first component
/// assert_eq!(msg.get(message_type).er7(), "ORU^R01"); // the whole field, as written
/// assert_eq!(&msg[Path::parse("MSH-9.2")?], "R01");
/// assert_eq!(&msg[Path::parse("PID-3[2].1")?], "456");
/// assert_eq!(&msg[Path::parse("PID-99")?], ""); // absent
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Message {
    pub(crate) bytes: Vec<u8>,
    pub(crate) delims: Delimiters,
    /// The character set text is read and written in: the override if one is set, else MSH-18's.
    pub(crate) charset: Charset,
    /// Set by [`Message::read_as`]: kept through edits, which re-read MSH-18.
    pub(crate) charset_override: Option<Charset>,
    pub(crate) index: Index,
    /// Unescaped text handed out by `msg["…"]`, kept so it can be returned by reference.
    pub(crate) text_cache: TextCache,
}

impl Clone for Message {
    fn clone(&self) -> Self {
        Message {
            bytes: self.bytes.clone(),
            delims: self.delims,
            charset: self.charset.clone(),
            charset_override: self.charset_override.clone(),
            index: self.index.clone(),
            text_cache: TextCache::default(),
        }
    }
}

/// Shows the shape of the message, never its content.
impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message")
            .field("len", &self.bytes.len())
            .field(
                "segments",
                &self.index.segments.iter().map(|s| s.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl PartialEq for Message {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for Message {}

/// A path to read or edit at: a [`Path`] (or a reference to one).
///
/// Text is not a path here: a path literal is checked against the schema when the crate builds,
/// and a path that arrives at run time is parsed where it can fail, with [`Path::parse`].
#[diagnostic::on_unimplemented(
    message = "an HL7 path here is a `Path`, not `{Self}`",
    label = "this is not a checked `Path`",
    note = "write a literal as `path!(\"PID-5.1\")`, or inside a `#[router]`, `#[handler]` or `#[checked]` item, where `msg[\"PID-5.1\"]` is checked when the crate builds",
    note = "parse a path that arrives at run time with `Path::parse(text)?`"
)]
pub trait IntoPath {
    /// The path.
    fn into_path(self) -> Path;
}

impl IntoPath for Path {
    fn into_path(self) -> Path {
        self
    }
}

impl IntoPath for &Path {
    fn into_path(self) -> Path {
        *self
    }
}

/// A segment ID to look for: a [`SegmentId`].
///
/// Text is not a segment ID here, for the same reason it is not a path (see [`IntoPath`]).
#[diagnostic::on_unimplemented(
    message = "an HL7 segment ID here is a `SegmentId`, not `{Self}`",
    label = "this is not a checked `SegmentId`",
    note = "write a literal as `segment!(\"OBX\")`, or inside a `#[router]`, `#[handler]` or `#[checked]` item, where `segments_named(\"OBX\")` is checked when the crate builds",
    note = "make one from text that arrives at run time with `SegmentId::from_slice(text.as_bytes())`"
)]
pub trait IntoSegmentId {
    /// The segment ID.
    fn into_segment_id(self) -> SegmentId;
}

impl IntoSegmentId for SegmentId {
    fn into_segment_id(self) -> SegmentId {
        self
    }
}

impl IntoSegmentId for &SegmentId {
    fn into_segment_id(self) -> SegmentId {
        *self
    }
}

impl Message {
    /// Parses a message strictly. Accepts `\r`, `\n` or `\r\n` between segments and a missing
    /// final terminator; rejects blank lines, control bytes and anything malformed with an error
    /// that names the byte offset.
    pub fn parse(bytes: impl Into<Vec<u8>>) -> Result<Message, ParseError> {
        Message::parse_with(bytes, ParseOptions::default())
    }

    /// Parses a message, repairing what a person would (see [`ParseOptions::tolerant`]).
    pub fn parse_tolerant(bytes: impl Into<Vec<u8>>) -> Result<Message, ParseError> {
        Message::parse_with(bytes, ParseOptions { tolerant: true })
    }

    /// Parses a message with the given options.
    pub fn parse_with(
        bytes: impl Into<Vec<u8>>,
        options: ParseOptions,
    ) -> Result<Message, ParseError> {
        let (bytes, delims) = parser::prepare(bytes.into(), options)?;
        let index = parser::index(&bytes, &delims)?;
        let mut msg = Message {
            bytes,
            delims,
            charset: Charset::Unspecified,
            charset_override: None,
            index,
            text_cache: TextCache::default(),
        };
        msg.charset = msg.declared_charset();
        Ok(msg)
    }

    /// Rebuilds the index after the bytes changed. The bytes must still be a valid message.
    pub(crate) fn reindex(&mut self) -> Result<(), ParseError> {
        self.index = parser::index(&self.bytes, &self.delims)?;
        self.charset = match &self.charset_override {
            Some(charset) => charset.clone(),
            None => self.declared_charset(),
        };
        self.text_cache.clear();
        Ok(())
    }

    /// The message as ER7 bytes, ready to send: segments ended by `\r`, the last one with or
    /// without it as the message came. Unmodified, these are the bytes it was parsed from.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The message as ER7 bytes, consuming it.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The delimiters of MSH-1 and MSH-2.
    pub fn delimiters(&self) -> &Delimiters {
        &self.delims
    }

    /// The character set the message's text is read and written in: the one MSH-18 declares,
    /// unless [`Message::read_as`] overrode it.
    pub fn charset(&self) -> &Charset {
        &self.charset
    }

    /// The character set MSH-18 declares, whatever [`Message::read_as`] says.
    pub fn declared_charset(&self) -> Charset {
        Charset::from_msh18(self.header_field(18).raw())
    }

    /// Reads (and writes) the message's text in `charset` instead of the one MSH-18 declares,
    /// for a sender known to mislabel its messages. The bytes, MSH-18 included, stay as they
    /// came; the override holds through edits.
    pub fn read_as(&mut self, charset: Charset) {
        self.charset = charset.clone();
        self.charset_override = Some(charset);
        self.text_cache.clear();
    }

    /// Whether MSH-18 declares ISO-8859-1 while the bytes are UTF-8 with multi-byte characters:
    /// the common mislabelling, where `é` sent as UTF-8 would read as `Ã©`. Latin-1 text is
    /// almost never also valid UTF-8 once it has a character past ASCII, so the signal is
    /// reliable.
    pub fn utf8_declared_latin1(&self) -> bool {
        Charset::names_latin1(self.header_field(18).raw())
            && !self.bytes.is_ascii()
            && std::str::from_utf8(&self.bytes).is_ok()
    }

    /// MSH-12.1, the HL7 version (`2.5.1`); empty when not given.
    pub fn version(&self) -> Value<'_> {
        self.get(Path::parse_const("MSH-12.1"))
    }

    /// MSH-10, the message control ID.
    pub fn control_id(&self) -> Value<'_> {
        self.get(Path::parse_const("MSH-10"))
    }

    /// How many segments the message has.
    pub fn segment_count(&self) -> usize {
        self.index.segments.len()
    }

    /// The segment at `position` (0 is MSH).
    pub fn segment(&self, position: usize) -> Option<Segment<'_>> {
        self.index.segments.get(position).map(|entry| Segment {
            msg: self,
            entry,
            position,
        })
    }

    /// Every segment, in order.
    pub fn segments(&self) -> impl Iterator<Item = Segment<'_>> + '_ {
        (0..self.segment_count()).filter_map(|i| self.segment(i))
    }

    /// Every segment with the given ID, in order: `segments_named(segment!("OBX"))` in an
    /// interface crate, [`SegmentId::new`] or [`SegmentId::from_slice`] otherwise.
    pub fn segments_named(&self, id: impl IntoSegmentId) -> SegmentsNamed<'_> {
        SegmentsNamed::new(self, id.into_segment_id(), 0..self.segment_count())
    }

    /// The value at `path`: its text (the first leaf, as `msg[path]` reads it), its presence,
    /// and the whole position as written ([`Value::er7`]). A path the message does not reach
    /// gives a value that is [absent](Value::is_present).
    pub fn get(&self, path: impl IntoPath) -> Value<'_> {
        let (range, level) = match self.locate(&path.into_path()) {
            Some((range, level)) => (Some(range), level),
            None => (None, Level::Subcomponent),
        };
        Value::new(
            range.map(|r| &self.bytes[r]),
            level,
            &self.delims,
            &self.charset,
        )
    }

    /// Every repetition of the field at `path` (its repetition, component and sub-component parts
    /// are ignored). An absent field has none; an empty one has one empty repetition.
    pub fn repetitions(&self, path: impl IntoPath) -> Vec<Value<'_>> {
        let path = path.into_path();
        let Some(seg) = self.find_segment(path.segment, path.occurrence_or_first()) else {
            return Vec::new();
        };
        let Some((field, level)) = self.field_range(seg, path.field) else {
            return Vec::new();
        };
        if level == Level::Delimiters {
            return vec![self.value(field, level)];
        }
        split(&self.bytes, field, self.delims.repetition)
            .map(|r| self.value(r, Level::Repetition))
            .collect()
    }

    fn value(&self, range: Range<usize>, level: Level) -> Value<'_> {
        Value::new(Some(&self.bytes[range]), level, &self.delims, &self.charset)
    }

    /// MSH field `n` (first repetition, whole).
    fn header_field(&self, n: u16) -> Value<'_> {
        self.get(Path::field(SegmentId::MSH, n))
    }

    pub(crate) fn find_segment(&self, id: SegmentId, occurrence: u16) -> Option<&SegmentEntry> {
        self.index
            .segments
            .iter()
            .filter(|s| s.id == id)
            .nth(usize::from(occurrence).checked_sub(1)?)
    }

    /// The byte range of field `n` (HL7 numbering) of a segment, or `None` if the segment ends
    /// before it. MSH-1 and MSH-2 come back with [`Level::Delimiters`].
    pub(crate) fn field_range(&self, seg: &SegmentEntry, n: u16) -> Option<(Range<usize>, Level)> {
        let seps = &self.index.seps[seg.seps_start as usize..seg.seps_end as usize];
        let is_header = seg.id == SegmentId::MSH;
        let n = usize::from(n);
        if n == 0 {
            return None;
        }
        if is_header && n == 1 {
            let at = *seps.first()? as usize;
            return Some((at..at + 1, Level::Delimiters));
        }
        // In MSH the separator after the name is MSH-1 itself, so MSH-n is the (n-1)th gap.
        let gap = if is_header { n - 1 } else { n };
        let start = *seps.get(gap - 1)? as usize + 1;
        let end = seps.get(gap).map_or(seg.end as usize, |&e| e as usize);
        let level = if is_header && n == 2 {
            Level::Delimiters
        } else {
            Level::Repetition
        };
        Some((start..end, level))
    }

    /// Finds the byte range a path names, and the level of what is there.
    pub(crate) fn locate(&self, path: &Path) -> Option<(Range<usize>, Level)> {
        let seg = self.find_segment(path.segment, path.occurrence_or_first())?;
        self.locate_in(seg, path)
    }

    /// Finds the byte range a path names in segment `seg`, whatever the path's segment.
    pub(crate) fn locate_in(
        &self,
        seg: &SegmentEntry,
        path: &Path,
    ) -> Option<(Range<usize>, Level)> {
        let (field, level) = self.field_range(seg, path.field)?;
        if level == Level::Delimiters {
            // The delimiters are one undivided value.
            let whole = path.repetition_or_first() == 1 && path.component.is_none_or(|c| c == 1);
            return whole.then_some((field, level));
        }
        let rep = nth(
            &self.bytes,
            field,
            self.delims.repetition,
            path.repetition_or_first(),
        )?;
        let Some(component) = path.component else {
            return Some((rep, Level::Repetition));
        };
        let comp = nth(&self.bytes, rep, self.delims.component, component)?;
        let Some(sub) = path.subcomponent else {
            return Some((comp, Level::Component));
        };
        let Some(sub_sep) = self.delims.subcomponent else {
            return (sub == 1).then_some((comp, Level::Subcomponent));
        };
        let sub = nth(&self.bytes, comp, sub_sep, sub)?;
        Some((sub, Level::Subcomponent))
    }
}

/// Splits `range` of `bytes` at `sep`.
pub(crate) fn split(
    bytes: &[u8],
    range: Range<usize>,
    sep: u8,
) -> impl Iterator<Item = Range<usize>> + '_ {
    let base = range.start;
    let slice = &bytes[range.clone()];
    let mut start = 0;
    let mut done = false;
    let mut seps = memchr::memchr_iter(sep, slice);
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        match seps.next() {
            Some(at) => {
                let part = base + start..base + at;
                start = at + 1;
                Some(part)
            }
            None => {
                done = true;
                Some(base + start..base + slice.len())
            }
        }
    })
}

/// The `n`th (1-based) part of `range` split at `sep`.
pub(crate) fn nth(bytes: &[u8], range: Range<usize>, sep: u8, n: u16) -> Option<Range<usize>> {
    // Positions are 1-based; a 0 from a hand-built path names nothing.
    split(bytes, range, sep).nth(usize::from(n).checked_sub(1)?)
}

/// Reads as the text of one leaf at the path, or `""` when absent:
///
/// - a position holding components or sub-components reads as its **first leaf** (its first
///   sub-component of its first component): `PID-5` on `Doe^John` reads `Doe`, `PID-5.1` on
///   `van&Beethoven` reads `van`. The text never holds a separator of its own message, so
///   [`Message::set`] can write it back in place, and `msg.set(p, &msg[p])` changes nothing;
/// - escape sequences for delimiters (`\F\ \S\ \T\ \R\ \E\ \P\`) and hex (`\X0D\`) are
///   unescaped; formatting (`\.br\`, `\H\`, `\N\`) and other sequences stay as written;
/// - the explicit null reads `""` (two quote characters);
/// - text that cannot be decoded in the message's character set reads with U+FFFD in place of
///   the bad bytes.
///
/// The whole position as written is `msg.get(path).er7()` ([`Value::er7`]).
///
/// The index is a [`Path`]: in an interface crate `msg["PID-5.1"]` is checked when the crate
/// builds (in `#[router]`, `#[handler]` and `#[checked]` items), and text is not a path.
impl<P: IntoPath> std::ops::Index<P> for Message {
    type Output = Text;
    fn index(&self, path: P) -> &Text {
        self.text_at(self.locate(&path.into_path()))
    }
}

impl Message {
    /// The text of the first leaf of a located position, as `msg[path]` reads it: `""` when
    /// there is none.
    pub(crate) fn text_at(&self, located: Option<(Range<usize>, Level)>) -> &Text {
        let Some((range, level)) = located else {
            return Text::new("");
        };
        let value = self.value(range.clone(), level);
        // The first leaf is a prefix of the position, so its range keys the cache.
        let leaf = range.start..range.start + value.leaf_raw().len();
        Text::new(match value.text() {
            std::borrow::Cow::Borrowed(text) => text,
            std::borrow::Cow::Owned(text) => self.text_cache.get_or_insert(leaf, text),
        })
    }
}

/// The segments of a message with one ID, in order: what [`Message::segments_named`] gives.
///
/// A type of its own rather than `impl Iterator`, so that text given for the ID is one error
/// at the argument, not another at the caller's use of the iterator.
#[derive(Clone, Debug)]
pub struct SegmentsNamed<'m> {
    msg: &'m Message,
    id: SegmentId,
    /// The position to look at next.
    next: usize,
    /// The position to stop before.
    end: usize,
}

impl<'m> SegmentsNamed<'m> {
    /// The segments `id` among those at `positions`.
    pub(crate) fn new(msg: &'m Message, id: SegmentId, positions: Range<usize>) -> Self {
        SegmentsNamed {
            msg,
            id,
            next: positions.start,
            end: positions.end,
        }
    }
}

impl<'m> Iterator for SegmentsNamed<'m> {
    type Item = Segment<'m>;

    fn next(&mut self) -> Option<Segment<'m>> {
        while let Some(seg) = self.msg.segment(self.next).filter(|_| self.next < self.end) {
            self.next += 1;
            if seg.id() == self.id {
                return Some(seg);
            }
        }
        None
    }
}

/// One segment of a message.
#[derive(Clone, Copy)]
pub struct Segment<'m> {
    msg: &'m Message,
    entry: &'m SegmentEntry,
    position: usize,
}

impl<'m> Segment<'m> {
    /// The segment ID.
    pub fn id(&self) -> SegmentId {
        self.entry.id
    }

    /// The message the segment is in.
    pub(crate) fn message(&self) -> &'m Message {
        self.msg
    }

    /// Where the segment stands in the message (0 is MSH).
    pub fn position(&self) -> usize {
        self.position
    }

    /// The segment's bytes, without its terminator.
    pub fn raw(&self) -> &'m [u8] {
        &self.msg.bytes[self.entry.start as usize..self.entry.end as usize]
    }

    /// The number of the segment's last field present (trailing empty fields count).
    pub fn field_count(&self) -> usize {
        let seps = (self.entry.seps_end - self.entry.seps_start) as usize;
        if self.entry.id == SegmentId::MSH {
            seps + 1
        } else {
            seps
        }
    }

    /// Field `n` (HL7 numbering), first repetition.
    pub fn field(&self, n: u16) -> Value<'m> {
        match (n > 0)
            .then(|| self.msg.field_range(self.entry, n))
            .flatten()
        {
            Some((range, Level::Delimiters)) => self.msg.value(range, Level::Delimiters),
            Some((range, level)) => {
                let rep = nth(&self.msg.bytes, range, self.msg.delims.repetition, 1);
                Value::new(
                    rep.map(|r| &self.msg.bytes[r]),
                    level,
                    &self.msg.delims,
                    &self.msg.charset,
                )
            }
            None => Value::new(None, Level::Repetition, &self.msg.delims, &self.msg.charset),
        }
    }

    /// The value at `path` in this segment, as [`Message::get`] reads it. The path's segment
    /// ID must be this segment's (another segment's path reads as absent); its occurrence is
    /// not looked at, this segment being the one meant.
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, Path, SegmentId};
    /// let msg = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.5\rOBX|1|NM|GLU||5.5|mmol/L\rOBX|2|NM|K||4.1|mmol/L\r")?;
    /// let (code, value) = (Path::parse("OBX-3")?, Path::parse("OBX-5")?);
    /// let obx = SegmentId::from_slice(b"OBX").unwrap();
    /// let potassium = msg.segments_named(obx).find(|seg| seg[code] == "K").unwrap();
    /// assert_eq!(potassium.get(value), "4.1");
    /// assert_eq!(&potassium[value], "4.1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get(&self, path: impl IntoPath) -> Value<'m> {
        let located = self.locate(&path.into_path());
        let (range, level) = match located {
            Some((range, level)) => (Some(range), level),
            None => (None, Level::Subcomponent),
        };
        Value::new(
            range.map(|r| &self.msg.bytes[r]),
            level,
            &self.msg.delims,
            &self.msg.charset,
        )
    }

    fn locate(&self, path: &Path) -> Option<(Range<usize>, Level)> {
        (path.segment == self.entry.id)
            .then(|| self.msg.locate_in(self.entry, path))
            .flatten()
    }

    /// Field `n` whole, every repetition as written.
    pub fn field_raw(&self, n: u16) -> Option<&'m [u8]> {
        let (range, _) = (n > 0)
            .then(|| self.msg.field_range(self.entry, n))
            .flatten()?;
        Some(&self.msg.bytes[range])
    }
}

/// Reads as `msg[path]` does, in this segment: see [`Segment::get`].
impl<P: IntoPath> std::ops::Index<P> for Segment<'_> {
    type Output = Text;
    fn index(&self, path: P) -> &Text {
        self.msg.text_at(self.locate(&path.into_path()))
    }
}

impl std::fmt::Debug for Segment<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segment")
            .field("id", &self.entry.id)
            .field("position", &self.position)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Presence;
    use crate::path::testing::{p, seg};

    const ADT: &str = "MSH|^~\\&|ADT|HOSP|LAB|HOSP|20240101||ADT^A01^ADT_A01|MSG1|P|2.5.1\r\
        EVN|A01|20240101\r\
        PID|1||123^^^H^MR~456^^^B||Doe^John^^Jr&Sr||19700101|M|||1 Main\\S\\St^^City\r\
        OBX|1|ST|A||one|||\"\"\r\
        OBX|2|ST|B||two\r";

    fn msg() -> Message {
        Message::parse(ADT).unwrap()
    }

    #[test]
    fn reads_paths() {
        let m = msg();
        assert_eq!(&m[p("MSH-1")], "|");
        assert_eq!(&m[p("MSH-2")], "^~\\&");
        assert_eq!(&m[p("MSH-9")], "ADT");
        assert_eq!(m.get(p("MSH-9")).er7(), "ADT^A01^ADT_A01");
        assert_eq!(&m[p("MSH-9.2")], "A01");
        assert_eq!(&m[p("MSH-12")], "2.5.1");
        assert_eq!(&m[p("PID-3")], "123");
        assert_eq!(m.get(p("PID-3")).er7(), "123^^^H^MR");
        assert_eq!(&m[p("PID-3[2].1")], "456");
        assert_eq!(&m[p("PID-3[3].1")], "");
        assert_eq!(&m[p("PID-5.4.2")], "Sr");
        assert_eq!(&m[p("PID-5.4")], "Jr");
        assert_eq!(m.get(p("PID-5.4")).er7(), "Jr&Sr");
        assert_eq!(&m[p("PID-11.1")], "1 Main^St");
        assert_eq!(&m[p("OBX[2]-5")], "two");
        assert_eq!(&m[p("OBX-5")], "one");
        assert_eq!(&m[p("OBX[3]-5")], "");
        assert_eq!(&m[p("ZZZ-1")], "");
    }

    #[test]
    fn three_states() {
        let m = msg();
        assert_eq!(m.get(p("OBX-8")).presence(), Presence::Null);
        assert_eq!(m.get(p("OBX-7")).presence(), Presence::Empty);
        assert_eq!(m.get(p("OBX-9")).presence(), Presence::Absent);
        assert_eq!(m.get(p("OBX-5")).presence(), Presence::Valued);
    }

    #[test]
    fn segments_and_repetitions() {
        let m = msg();
        assert_eq!(m.segment_count(), 5);
        assert_eq!(m.segments_named(seg("OBX")).count(), 2);
        let reps = m.repetitions(p("PID-3"));
        assert_eq!(reps.len(), 2);
        assert_eq!(reps[1], "456");
        assert_eq!(reps[1].er7(), "456^^^B");
        let pid = m.segments_named(seg("PID")).next().unwrap();
        assert_eq!(pid.field_count(), 11);
        assert_eq!(pid.field(8), "M");
        let msh = m.segment(0).unwrap();
        assert_eq!(msh.field_count(), 12);
        assert_eq!(msh.field(1), "|");
    }

    #[test]
    fn round_trips_byte_exact() {
        assert_eq!(msg().as_bytes(), ADT.as_bytes());
    }

    #[test]
    fn charsets_decode() {
        let latin = b"MSH|^~\\&|||||||ADT^A01|1|P|2.5||||||8859/1\rPID|1||||M\xfcller\r".to_vec();
        let m = Message::parse(latin).unwrap();
        assert_eq!(&m[p("PID-5")], "Müller");
        let utf8 = "MSH|^~\\&|||||||ADT^A01|1|P|2.5||||||UNICODE UTF-8\rPID|1||||Müller\r";
        assert_eq!(&Message::parse(utf8).unwrap()[p("PID-5")], "Müller");
        let other = b"MSH|^~\\&|||||||ADT^A01|1|P|2.5||||||8859/2\rPID|1||||M\xfcller\r".to_vec();
        let m = Message::parse(other).unwrap();
        assert!(m.get(p("PID-5")).try_text().is_err());
        assert_eq!(m.get(p("PID-5")).raw(), b"M\xfcller");
    }
}

#[cfg(test)]
mod zero_positions {
    use super::*;

    #[test]
    fn hand_built_zero_positions_read_as_absent() {
        let m = Message::parse("MSH|^~\\&|A\rPID|1||X^Y\r").unwrap();
        for p in [
            Path::from_parts(*b"PID", Some(0), 3, None, None, None),
            Path::from_parts(*b"PID", None, 0, None, None, None),
            Path::from_parts(*b"MSH", None, 0, None, None, None),
            Path::from_parts(*b"PID", None, 3, Some(0), None, None),
            Path::from_parts(*b"PID", None, 3, None, Some(0), None),
            Path::from_parts(*b"PID", None, 3, None, Some(1), Some(0)),
        ] {
            assert!(!m.get(p).is_present(), "{p:?}");
            assert_eq!(&m[&p], "");
        }
    }
}
