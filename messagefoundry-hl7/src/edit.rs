//! Editing a message: setting values, adding and removing segments, changing the delimiters.
//!
//! Every edit builds the new bytes, indexes them, and only then replaces the message: a failed
//! edit leaves the message as it was, and the index always matches the bytes. Messages are a few
//! kilobytes, so copying the buffer once per edit is cheaper than keeping a tree in step with it.

use std::ops::Range;

use crate::charset::Charset;
use crate::delimiters::Delimiters;
use crate::error::EditError;
use crate::escape::{self, needs_escape};
use crate::message::{IntoPath, Message, split};
use crate::parser::{self, SegmentEntry};
use crate::path::{Path, PathError, SegmentId};
use crate::recode;
use crate::value::Level;

/// How deep an edit goes below the position its path names.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Depth {
    /// The whole position: what `set_er7`, `set_null` and `clear` replace.
    AsNamed,
    /// Its first leaf, the text `msg[path]` reads: what `set` replaces.
    FirstLeaf,
    /// The whole field, every repetition: what copying a field replaces.
    WholeField,
}

/// Where a value goes: the bytes it replaces, and the separators that must come before it to
/// create the positions the message does not reach yet.
struct Target {
    range: Range<usize>,
    /// Separators to insert before the value; empty when the position already exists.
    created: Vec<u8>,
    /// What the path names: a repetition, a component or a sub-component.
    level: Level,
}

impl Message {
    /// Writes `text` as the text of the first leaf at `path`, escaped: the inverse of reading
    /// `msg[path]`. Whatever the message does not reach yet is created (fields past the
    /// segment's end, repetitions, components, sub-components).
    ///
    /// - **Structure is kept.** Like a read, a write goes to the position's first leaf (its
    ///   first sub-component of its first component); the other components and sub-components
    ///   stay. On `PID-5.1` = `van&Beethoven`, `msg["PID-5.1"]` reads `van`, and setting it to
    ///   `VAN` gives `VAN&Beethoven`. To replace a whole position, components and all, use
    ///   [`Message::set_er7`] (or [`Message::clear`] it first).
    /// - **Delimiters are text.** Every delimiter in `text` (`|^~\&` and the truncation
    ///   character) is escaped (`\F\ \S\ \R\ \E\ \T\ \P\`) and control characters other than
    ///   tab become `\Xhh\`, so the text reads back unchanged whatever it holds. The exception
    ///   is what a read keeps as written: formatting (`\.br\`, `\H\`, `\N\`), character-set
    ///   and `\Z…\` sequences stay sequences (see [`escape::escape_text`]); any other escape
    ///   character is text.
    /// - **An unchanged value keeps its bytes.** When the position already reads `text`,
    ///   nothing is written: `msg.set(p, &msg[p])` never changes the message, even where the
    ///   bytes are not the way `set` writes them (`\X41\` for `A`, `\X0D0A\`, an unknown
    ///   sequence, bytes the character set cannot decode).
    /// - The text `""` is the explicit null (see [`Message::set_null`]).
    /// - The text is encoded in the message's character set (MSH-18). With none (or `ASCII`),
    ///   non-ASCII text is written in UTF-8, or in ISO-8859-1 when the message already holds
    ///   bytes that are not UTF-8, so that a message stays in one encoding. Setting MSH-18
    ///   changes the character set later edits encode in; the bytes already in the message are
    ///   not transcoded.
    ///
    /// The path names a position as when reading: `PID-3` is the first repetition of PID-3
    /// (other repetitions stay).
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, Path};
    /// let mut msg = Message::parse("MSH|^~\\&|LAB||EHR||20240101||ORU^R01|1|P|2.5.1\rPID|1||||van&Beethoven^Ludwig\r")?;
    /// let (family, given) = (Path::parse("PID-5.1")?, Path::parse("PID-5.2")?);
    /// let upper = msg[family].to_uppercase();
    /// msg.set(family, &upper)?;
    /// assert_eq!(msg.segment(1).unwrap().raw(), b"PID|1||||VAN&Beethoven^Ludwig");
    /// msg.set(given, "Ludwig^van")?;
    /// assert_eq!(&msg[given], "Ludwig^van");
    /// assert_eq!(msg.segment(1).unwrap().raw(), b"PID|1||||VAN&Beethoven^Ludwig\\S\\van");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A hand-built path with a position 0 ([`EditError::Path`]); a segment occurrence the message does not have
    /// ([`EditError::NoSuchSegment`]: insert it first); MSH-1 or MSH-2
    /// ([`EditError::DelimiterField`]); a character the character set cannot hold; text that
    /// needs escaping when MSH-2 has no escape character. A failed edit changes nothing.
    pub fn set(&mut self, path: impl IntoPath, text: &str) -> Result<(), EditError> {
        let path = path.into_path();
        let target = self.target(&path, Depth::FirstLeaf)?;
        if self.get(path).text() == text {
            return Ok(());
        }
        let encoded = self.encode(text, || path.to_string())?;
        if self.delims.escape.is_none() && encoded.iter().any(|&b| needs_escape(b, &self.delims)) {
            return Err(EditError::NoEscapeCharacter {
                path: path.to_string(),
            });
        }
        let escaped = escape::escape_text(&encoded, &self.delims);
        self.write(target, &escaped)
    }

    /// Writes the explicit null `""` at `path` ("delete this value" to the receiver) in place
    /// of the whole position, components included, creating the position as [`Message::set`]
    /// does. Fails with [`EditError::NullUnrepresentable`] in the odd message whose delimiters
    /// include `"`.
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, Path, Presence};
    /// let mut msg = Message::parse("MSH|^~\\&|||||||ADT^A08|1|P|2.5.1\rPID|1||123\r")?;
    /// let sex = Path::parse("PID-8")?;
    /// msg.set_null(sex)?;
    /// assert_eq!(msg.get(sex).presence(), Presence::Null);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_null(&mut self, path: impl IntoPath) -> Result<(), EditError> {
        let path = path.into_path();
        if needs_escape(b'"', &self.delims) {
            return Err(EditError::NullUnrepresentable {
                path: path.to_string(),
            });
        }
        let target = self.target(&path, Depth::AsNamed)?;
        self.write(target, b"\"\"")
    }

    /// Empties the value at `path`: what stands there (components included) is removed, the
    /// separators around it stay, so every other position keeps its number.
    ///
    /// Nothing else is trimmed: trailing empty fields or components that result are kept (HL7
    /// lets a sender drop trailing delimiters but does not require it, and keeping them changes
    /// the fewest bytes). A position the message does not reach is already empty and is left
    /// alone, as is a segment the message does not have.
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, Path, Presence};
    /// let mut msg = Message::parse("MSH|^~\\&|||||||ADT^A08|1|P|2.5.1\rPID|1||123^^^H||Doe\r")?;
    /// let authority = Path::parse("PID-3.4")?;
    /// msg.clear(authority)?;
    /// msg.clear(Path::parse("PID-30")?)?;
    /// assert_eq!(msg.segment(1).unwrap().raw(), b"PID|1||123^^^||Doe");
    /// assert_eq!(msg.get(authority).presence(), Presence::Empty);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn clear(&mut self, path: impl IntoPath) -> Result<(), EditError> {
        self.replace_position(&path.into_path(), false, b"")
    }

    /// Writes ER7 at `path` in place of the whole position, as is: separators below the path's
    /// level and escape sequences in `er7` are kept, so `set_er7("PID-5", "Doe^John")` writes
    /// two components. The inverse of [`Value::er7`](crate::Value::er7): writing back what a
    /// position holds changes nothing. The position is created as [`Message::set`] does;
    /// non-ASCII text is encoded as `set` encodes it.
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, Path};
    /// let mut msg = Message::parse("MSH|^~\\&|||||||ADT^A08|1|P|2.5.1\rPID|1||123\r")?;
    /// let second_id = Path::parse("PID-3[2]")?;
    /// msg.set_er7(second_id, "456^^^B&X")?;
    /// assert_eq!(&msg[Path::parse("PID-3[2].4.2")?], "X");
    /// let whole = msg.get(second_id).er7().to_lowercase();
    /// msg.set_er7(second_id, &whole)?;
    /// assert_eq!(msg.get(second_id).er7(), "456^^^b&x");
    /// assert!(msg.set_er7(Path::parse("PID-3.1")?, "a^b").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Message::set`], and [`EditError::RawValueCrossesLevel`] when `er7` holds a field or
    /// repetition separator, a separator at or above the path's level (a component separator
    /// for `PID-5.1`), or a line break; [`EditError::RawValueControlByte`] for other control
    /// characters.
    pub fn set_er7(&mut self, path: impl IntoPath, er7: &str) -> Result<(), EditError> {
        let path = path.into_path();
        let target = self.target(&path, Depth::AsNamed)?;
        if self.get(path).er7() == er7 {
            return Ok(());
        }
        let encoded = self.encode(er7, || path.to_string())?;
        let d = &self.delims;
        let crosses = |b: u8| match target.level {
            Level::Delimiters | Level::Repetition => b == d.field || b == d.repetition,
            Level::Component => b == d.field || b == d.repetition || b == d.component,
            Level::Subcomponent => {
                b == d.field || b == d.repetition || b == d.component || Some(b) == d.subcomponent
            }
        };
        for &b in encoded.iter() {
            if crosses(b) || b == b'\r' || b == b'\n' {
                return Err(EditError::RawValueCrossesLevel {
                    path: path.to_string(),
                });
            }
            if b < 0x20 && b != b'\t' {
                return Err(EditError::RawValueControlByte {
                    path: path.to_string(),
                });
            }
        }
        self.write(target, &encoded)
    }

    /// Inserts a segment, given as ER7 text with the message's delimiters and without a
    /// terminator, so that it stands at `position` (0 is MSH, so `position` is at least 1;
    /// `segment_count()` appends).
    ///
    /// ```
    /// use messagefoundry_hl7::Message;
    /// let mut msg = Message::parse("MSH|^~\\&|||||||ADT^A01|1|P|2.5.1\rPV1|1|I\r").unwrap();
    /// msg.insert_segment(1, "PID|1||123").unwrap();
    /// assert_eq!(msg.as_bytes(), b"MSH|^~\\&|||||||ADT^A01|1|P|2.5.1\rPID|1||123\rPV1|1|I\r");
    /// ```
    ///
    /// # Errors
    ///
    /// [`EditError::HeaderPosition`] for position 0; [`EditError::SegmentIndex`] past the end;
    /// [`EditError::BadSegment`] when the text is not one segment (a bad name, a line break, a
    /// second header); [`EditError::Unencodable`].
    pub fn insert_segment(&mut self, position: usize, er7: &str) -> Result<(), EditError> {
        let count = self.segment_count();
        if position == 0 {
            return Err(EditError::HeaderPosition);
        }
        if position > count {
            return Err(EditError::SegmentIndex {
                index: position,
                count,
            });
        }
        if position == count {
            return self.push_segment(er7);
        }
        let segment = self.checked_segment(er7)?;
        let at = self.index.segments[position].start as usize;
        self.splice(at..at, &[&segment, b"\r"])
    }

    /// Appends a segment, given as ER7 text without a terminator. The message keeps its ending:
    /// if the last segment had no terminator, one goes between it and the new segment, and the
    /// new last segment has none either.
    ///
    /// ```
    /// use messagefoundry_hl7::Message;
    /// let mut msg = Message::parse("MSH|^~\\&|||||||ADT^A01|1|P|2.5.1").unwrap();
    /// msg.push_segment("PID|1").unwrap();
    /// assert_eq!(msg.as_bytes(), b"MSH|^~\\&|||||||ADT^A01|1|P|2.5.1\rPID|1");
    /// ```
    pub fn push_segment(&mut self, er7: &str) -> Result<(), EditError> {
        let segment = self.checked_segment(er7)?;
        self.append(&segment)
    }

    /// Appends a segment already encoded for this message, keeping the message's ending.
    pub(crate) fn append(&mut self, segment: &[u8]) -> Result<(), EditError> {
        let end = self.bytes.len();
        if self.bytes.last() == Some(&b'\r') {
            self.splice(end..end, &[segment, b"\r"])
        } else {
            self.splice(end..end, &[b"\r", segment])
        }
    }

    /// Replaces the segment at `position` (not MSH: edit its fields with [`Message::set`]).
    pub fn replace_segment(&mut self, position: usize, er7: &str) -> Result<(), EditError> {
        let entry = self.editable_segment(position)?;
        let segment = self.checked_segment(er7)?;
        self.splice(entry.start as usize..entry.end as usize, &[&segment])
    }

    /// Removes the segment at `position` (not MSH). Removing the last segment keeps the
    /// message's ending: the new last segment ends with a terminator only if the removed one did.
    ///
    /// ```
    /// use messagefoundry_hl7::Message;
    /// let mut msg = Message::parse("MSH|^~\\&|||||||ADT^A01|1|P|2.5.1\rEVN|A01\rPID|1\r").unwrap();
    /// msg.remove_segment(1).unwrap();
    /// assert_eq!(msg.as_bytes(), b"MSH|^~\\&|||||||ADT^A01|1|P|2.5.1\rPID|1\r");
    /// ```
    pub fn remove_segment(&mut self, position: usize) -> Result<(), EditError> {
        let entry = self.editable_segment(position)?;
        let (start, end) = (entry.start as usize, entry.end as usize);
        let range = if end < self.bytes.len() {
            start..end + 1 // with its terminator
        } else {
            start - 1..end // the last, unterminated: the one before loses its terminator
        };
        self.splice(range, &[])
    }

    /// Re-encodes the whole message with other delimiters: MSH-1 and MSH-2 are rewritten, every
    /// separator is replaced by its new counterpart, and every value is unescaped with the old
    /// delimiters and escaped with the new ones, so every value reads the same text afterwards.
    ///
    /// Escape sequences that do not stand for a delimiter (`\X0D\`, `\.br\`, `\H\`, sequences this
    /// library does not know) are kept, written with the new escape character. A truncation
    /// character standing in a value maps to the new one (or becomes text if there is none). An
    /// escape character without a closing one reads as text, and is written as text: escaped, if
    /// it is one of the new delimiters or, changing back, the old escape character again. So
    /// changing the delimiters and back restores the bytes of every value written as [`Message::set`]
    /// writes it; values escaped otherwise come back in that form, reading the same text.
    ///
    /// ```
    /// use messagefoundry_hl7::{Delimiters, Message, Path};
    /// let mut msg = Message::parse("MSH|^~\\&|||||||ADT^A01|1|P|2.5\rPID|1||A#B^^^H\\.br\\x").unwrap();
    /// let new = Delimiters { field: b'#', escape: Some(b'!'), ..Delimiters::STANDARD };
    /// msg.set_delimiters(new).unwrap();
    /// assert_eq!(msg.segment(1).unwrap().raw(), b"PID#1##A!F!B^^^H!.br!x");
    /// assert_eq!(&msg[Path::parse("PID-3.1").unwrap()], "A#B");
    /// ```
    ///
    /// # Errors
    ///
    /// [`EditError::BadDelimiters`] when `new` fails [`Delimiters::validate`];
    /// [`EditError::DelimitersCannotEncode`] naming the first value that cannot be written with
    /// them (it needs an escape character or a sub-component separator that `new` lacks, or an
    /// escape sequence kept as is would contain one of the new delimiters).
    pub fn set_delimiters(&mut self, new: Delimiters) -> Result<(), EditError> {
        new.validate().map_err(EditError::BadDelimiters)?;
        if new == self.delims {
            return Ok(());
        }
        let mut out = Vec::with_capacity(self.bytes.len() + 16);
        let mut copied = 0;
        for (position, seg) in self.index.segments.iter().enumerate() {
            let (start, end) = (seg.start as usize, seg.end as usize);
            out.extend_from_slice(&self.bytes[copied..start]); // the terminator
            copied = end;
            let is_header = seg.id == SegmentId::MSH;
            // The first part is the segment ID; in MSH, the second is MSH-2 (MSH-1 being the
            // separator before it).
            for (i, range) in split(&self.bytes, start..end, self.delims.field).enumerate() {
                if i == 0 {
                    out.extend_from_slice(seg.id.as_bytes());
                    continue;
                }
                out.push(new.field);
                if is_header && i == 1 {
                    out.extend_from_slice(&new.encoding_characters());
                    continue;
                }
                let here = Place {
                    segment: seg.id,
                    position,
                    field: i + usize::from(is_header),
                };
                let raw = &self.bytes[range];
                recode::recode(raw, recode::Scope::Field, &self.delims, &new, &mut out).map_err(
                    |at| EditError::DelimitersCannotEncode {
                        path: here.path(self, at.repetition, at.component, at.subcomponent),
                    },
                )?;
            }
        }
        out.extend_from_slice(&self.bytes[copied..]);
        self.commit(out, new)
    }

    /// Encodes text in the message's character set. Without one declared, in UTF-8 unless the
    /// message already holds bytes that are not (then ISO-8859-1, which reading falls back to),
    /// so that an edit does not mix two encodings in one message.
    pub(crate) fn encode<'t>(
        &self,
        text: &'t str,
        path: impl FnOnce() -> String,
    ) -> Result<std::borrow::Cow<'t, [u8]>, EditError> {
        let charset = match self.charset {
            Charset::Unspecified | Charset::Ascii
                if !text.is_ascii() && std::str::from_utf8(&self.bytes).is_err() =>
            {
                &Charset::Latin1
            }
            ref declared => declared,
        };
        charset.encode(text).ok_or_else(|| EditError::Unencodable {
            path: path(),
            charset: charset.name(),
        })
    }

    /// Checks a segment given as text and encodes it.
    pub(crate) fn checked_segment(&self, er7: &str) -> Result<Vec<u8>, EditError> {
        let id =
            parser::check_segment(er7.as_bytes(), &self.delims).map_err(EditError::BadSegment)?;
        Ok(self.encode(er7, || id.to_string())?.into_owned())
    }

    /// The segment at `position`, which an edit may replace or remove (any but MSH).
    fn editable_segment(&self, position: usize) -> Result<SegmentEntry, EditError> {
        if position == 0 {
            return Err(EditError::HeaderPosition);
        }
        self.index
            .segments
            .get(position)
            .copied()
            .ok_or(EditError::SegmentIndex {
                index: position,
                count: self.segment_count(),
            })
    }

    /// Finds where the value at `path` goes, and what must be created for it to exist.
    fn target(&self, path: &Path, depth: Depth) -> Result<Target, EditError> {
        // Parsed paths are 1-based; one built by hand might not be.
        let zero = [
            ("segment occurrence", path.occurrence),
            ("field", Some(path.field)),
            ("repetition", path.repetition),
            ("component", path.component),
            ("sub-component", path.subcomponent),
        ]
        .into_iter()
        .find(|(_, n)| *n == Some(0));
        if let Some((what, _)) = zero {
            return Err(PathError::BadNumber { what, at: 0 }.into());
        }
        let seg = *self
            .find_segment(path.segment, path.occurrence_or_first())
            .ok_or_else(|| EditError::NoSuchSegment {
                path: path.to_string(),
            })?;
        if seg.id == SegmentId::MSH && path.field <= 2 {
            return Err(EditError::DelimiterField {
                path: path.to_string(),
            });
        }
        let d = self.delims;
        // Below the field: each level's separator and the 1-based position wanted in it.
        let mut steps = match depth {
            Depth::WholeField => vec![],
            _ => vec![(d.repetition, path.repetition_or_first())],
        };
        let mut level = Level::Repetition;
        if let Some(component) = path.component {
            steps.push((d.component, component));
            level = Level::Component;
            if let Some(sub) = path.subcomponent {
                level = Level::Subcomponent;
                match d.subcomponent {
                    Some(sep) => steps.push((sep, sub)),
                    // Without the separator, a component is its own first sub-component.
                    None if sub == 1 => {}
                    None => {
                        return Err(EditError::NoSubcomponentSeparator {
                            path: path.to_string(),
                        });
                    }
                }
            }
        }
        if depth == Depth::FirstLeaf {
            // Down to the first leaf: component 1, then sub-component 1 when there are any.
            if path.component.is_none() {
                steps.push((d.component, 1));
                level = Level::Component;
            }
            if path.subcomponent.is_none()
                && let Some(sep) = d.subcomponent
            {
                steps.push((sep, 1));
                level = Level::Subcomponent;
            }
        }
        let mut created = Vec::new();
        let mut range = match self.field_range(&seg, path.field) {
            Some((range, _)) => range,
            None => {
                let seps = (seg.seps_end - seg.seps_start) as usize;
                let wanted = usize::from(path.field) - usize::from(seg.id == SegmentId::MSH);
                created.resize(wanted - seps, d.field);
                seg.end as usize..seg.end as usize
            }
        };
        for (sep, n) in steps {
            let n = usize::from(n);
            if !created.is_empty() {
                created.extend(std::iter::repeat_n(sep, n - 1));
                continue;
            }
            let mut parts = 0;
            let mut found = None;
            for part in split(&self.bytes, range.clone(), sep) {
                parts += 1;
                if parts == n {
                    found = Some(part);
                    break;
                }
            }
            range = match found {
                Some(part) => part,
                None => {
                    created.extend(std::iter::repeat_n(sep, n - parts));
                    range.end..range.end
                }
            };
        }
        Ok(Target {
            range,
            created,
            level,
        })
    }

    /// Writes `er7`, already encoded for this message, in place of the position `path` names,
    /// or of the whole field (every repetition) when `whole_field`; empty `er7` clears it as
    /// [`Message::clear`] does, creating nothing.
    pub(crate) fn replace_position(
        &mut self,
        path: &Path,
        whole_field: bool,
        er7: &[u8],
    ) -> Result<(), EditError> {
        let depth = if whole_field {
            Depth::WholeField
        } else {
            Depth::AsNamed
        };
        match self.target(path, depth) {
            Ok(target) if er7.is_empty() && !target.created.is_empty() => Ok(()),
            Ok(target) => self.write(target, er7),
            Err(EditError::NoSuchSegment { .. }) if er7.is_empty() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Replaces the target's bytes with its created separators and `value`.
    fn write(&mut self, target: Target, value: &[u8]) -> Result<(), EditError> {
        self.splice(target.range, &[&target.created, value])
    }

    /// Replaces `range` of the bytes with `parts`, one after the other.
    pub(crate) fn splice(&mut self, range: Range<usize>, parts: &[&[u8]]) -> Result<(), EditError> {
        let added: usize = parts.iter().map(|p| p.len()).sum();
        let mut out = Vec::with_capacity(self.bytes.len() - range.len() + added);
        out.extend_from_slice(&self.bytes[..range.start]);
        for part in parts {
            out.extend_from_slice(part);
        }
        out.extend_from_slice(&self.bytes[range.end..]);
        self.commit(out, self.delims)
    }

    /// Makes `bytes` the message, if they index; otherwise leaves the message unchanged.
    pub(crate) fn commit(&mut self, bytes: Vec<u8>, delims: Delimiters) -> Result<(), EditError> {
        if u32::try_from(bytes.len()).is_err() {
            return Err(EditError::TooLarge);
        }
        let old_bytes = std::mem::replace(&mut self.bytes, bytes);
        let old_delims = std::mem::replace(&mut self.delims, delims);
        // `reindex` changes nothing when it fails, so restoring the bytes restores the message.
        if let Err(e) = self.reindex() {
            self.bytes = old_bytes;
            self.delims = old_delims;
            return Err(EditError::BadSegment(e.kind));
        }
        Ok(())
    }
}

/// The field being re-encoded, for naming a value in an error.
#[derive(Clone, Copy)]
struct Place {
    segment: SegmentId,
    position: usize,
    field: usize,
}

impl Place {
    /// The path of a value in this field; `rep`, `comp` and `sub` are 0-based.
    fn path(&self, msg: &Message, rep: usize, comp: usize, sub: usize) -> String {
        let occurrence = msg.index.segments[..self.position]
            .iter()
            .filter(|s| s.id == self.segment)
            .count()
            + 1;
        let n = |i: usize| Some(u16::try_from(i + 1).unwrap_or(u16::MAX));
        Path {
            segment: self.segment,
            occurrence: n(occurrence - 1),
            field: u16::try_from(self.field).unwrap_or(u16::MAX),
            repetition: n(rep),
            component: n(comp),
            subcomponent: n(sub),
        }
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::escape::Formatting;
    use crate::path::testing::p;
    use crate::{ParseErrorKind, Presence};

    const ADT: &str = "MSH|^~\\&|ADT|HOSP|LAB|HOSP|20240101||ADT^A01|MSG1|P|2.5.1\r\
        PID|1|X\r\
        OBX|1|ST|A||one\r";

    fn msg() -> Message {
        Message::parse(ADT).unwrap()
    }

    fn seg(m: &Message, position: usize) -> &[u8] {
        m.segment(position).unwrap().raw()
    }

    /// The message parses back from its bytes to the same values.
    fn reparses(m: &Message) {
        let again = Message::parse(m.as_bytes().to_vec()).unwrap();
        assert_eq!(&again, m);
        assert_eq!(again.segment_count(), m.segment_count());
    }

    #[test]
    fn sets_existing_values() {
        let mut m = msg();
        m.set(p("PID-2"), "Y").unwrap();
        m.set(p("OBX-5"), "two").unwrap();
        assert_eq!(seg(&m, 1), b"PID|1|Y");
        assert_eq!(seg(&m, 2), b"OBX|1|ST|A||two");
        reparses(&m);
    }

    #[test]
    fn creates_deep_structure() {
        let mut m = msg();
        m.set(p("PID-3[3].4.2"), "B").unwrap();
        assert_eq!(seg(&m, 1), b"PID|1|X|~~^^^&B");
        assert_eq!(&m[p("PID-3[3].4.2")], "B");
        assert_eq!(m.get(p("PID-3[2]")).presence(), Presence::Empty);
        m.set(p("PID-3[3].4.1"), "A").unwrap();
        m.set(p("PID-3[3].2"), "C").unwrap();
        m.set(p("PID-3[1].1"), "1").unwrap();
        assert_eq!(seg(&m, 1), b"PID|1|X|1~~^C^^A&B");
        m.set(p("PID-2.3"), "Z").unwrap();
        assert_eq!(seg(&m, 1), b"PID|1|X^^Z|1~~^C^^A&B");
        reparses(&m);
    }

    #[test]
    fn sets_the_first_leaf_and_keeps_the_rest() {
        let mut m = Message::parse("MSH|^~\\&\rPID|1||a&q^b&c~d^e").unwrap();
        m.set(p("PID-3"), "x^y").unwrap();
        assert_eq!(seg(&m, 1), b"PID|1||x\\S\\y&q^b&c~d^e");
        assert_eq!(&m[p("PID-3")], "x^y");
        m.set(p("PID-3.2"), "B").unwrap();
        assert_eq!(seg(&m, 1), b"PID|1||x\\S\\y&q^B&c~d^e");
        m.set(p("PID-3[2]"), "z").unwrap();
        assert_eq!(seg(&m, 1), b"PID|1||x\\S\\y&q^B&c~z^e");
        m.set(p("PID-3.1.2"), "Q&R").unwrap();
        assert_eq!(seg(&m, 1), b"PID|1||x\\S\\y&Q\\T\\R^B&c~z^e");
        // An empty first leaf is set like any other; `clear` and `set_er7` take the whole.
        m.set(p("PID-3[2]"), "").unwrap();
        assert_eq!(seg(&m, 1), b"PID|1||x\\S\\y&Q\\T\\R^B&c~^e");
        m.set(p("PID-3[2]"), "w").unwrap();
        m.set_er7(p("PID-3"), "v").unwrap();
        assert_eq!(seg(&m, 1), b"PID|1||v~w^e");
        m.clear(p("PID-3[2]")).unwrap();
        assert_eq!(seg(&m, 1), b"PID|1||v~");
        // Created positions get the leaf only.
        m.set(p("PID-4[2]"), "n").unwrap();
        assert_eq!(seg(&m, 1), b"PID|1||v~|~n");
        reparses(&m);
    }

    #[test]
    fn edits_the_header() {
        let mut m = msg();
        m.set(p("MSH-9.2"), "A08").unwrap();
        m.set(p("MSH-9.3"), "ADT_A01").unwrap();
        assert_eq!(m.get(p("MSH-9")).er7(), "ADT^A08^ADT_A01");
        m.set(p("MSH-9"), "ORU").unwrap();
        assert_eq!(m.get(p("MSH-9")).er7(), "ORU^A08^ADT_A01");
        m.set(p("MSH-18"), "UNICODE UTF-8").unwrap();
        assert_eq!(m.charset(), &crate::Charset::Utf8);
        assert!(seg(&m, 0).ends_with(b"|2.5.1||||||UNICODE UTF-8"));
        for path in ["MSH-1", "MSH-2", "MSH-2.1", "MSH-1[2]"].map(p) {
            let e = m.set(path, "x").unwrap_err();
            assert!(matches!(e, EditError::DelimiterField { .. }), "{path}");
            assert!(m.set_null(path).is_err());
            assert!(m.clear(path).is_err());
            assert!(m.set_er7(path, "x").is_err());
        }
        reparses(&m);
    }

    #[test]
    fn null_empty_and_absent() {
        let mut m = msg();
        m.set_null(p("PID-8")).unwrap();
        assert_eq!(seg(&m, 1), b"PID|1|X||||||\"\"");
        assert_eq!(m.get(p("PID-8")).presence(), Presence::Null);
        m.clear(p("PID-8")).unwrap();
        assert_eq!(m.get(p("PID-8")).presence(), Presence::Empty);
        assert_eq!(seg(&m, 1), b"PID|1|X||||||");
        // Absent positions and segments stay absent.
        let before = m.clone();
        m.clear(p("PID-9.2")).unwrap();
        m.clear(p("PID-2.3")).unwrap();
        m.clear(p("ZZZ-1")).unwrap();
        assert_eq!(m, before);
        m.clear(p("PID-2")).unwrap();
        assert_eq!(seg(&m, 1), b"PID|1|||||||");
        // Clearing a whole repetition removes its components.
        let mut m = Message::parse("MSH|^~\\&\rPID|1||a^b~c").unwrap();
        m.clear(p("PID-3")).unwrap();
        assert_eq!(seg(&m, 1), b"PID|1||~c");
    }

    #[test]
    fn unterminated_last_segment() {
        let mut m = Message::parse("MSH|^~\\&\rPID|1").unwrap();
        m.set(p("PID-3.2"), "x").unwrap();
        assert_eq!(m.as_bytes(), b"MSH|^~\\&\rPID|1||^x");
        m.push_segment("PV1|1").unwrap();
        assert_eq!(m.as_bytes(), b"MSH|^~\\&\rPID|1||^x\rPV1|1");
        m.insert_segment(1, "EVN|A01").unwrap();
        assert_eq!(m.as_bytes(), b"MSH|^~\\&\rEVN|A01\rPID|1||^x\rPV1|1");
        m.remove_segment(3).unwrap();
        assert_eq!(m.as_bytes(), b"MSH|^~\\&\rEVN|A01\rPID|1||^x");
        m.remove_segment(1).unwrap();
        m.remove_segment(1).unwrap();
        assert_eq!(m.as_bytes(), b"MSH|^~\\&");
        m.set(p("MSH-3"), "A").unwrap();
        assert_eq!(m.as_bytes(), b"MSH|^~\\&|A");
        m.push_segment("PID").unwrap();
        assert_eq!(m.as_bytes(), b"MSH|^~\\&|A\rPID");
        m.set(p("PID-1"), "1").unwrap();
        assert_eq!(m.as_bytes(), b"MSH|^~\\&|A\rPID|1");
        reparses(&m);
    }

    #[test]
    fn escapes_every_delimiter() {
        let mut m = Message::parse("MSH|^~\\&#\rPID|1").unwrap();
        let text = "a|b^c~d\\e&f#g\rh\ni\tj";
        m.set(p("PID-5.1.1"), text).unwrap();
        assert_eq!(
            seg(&m, 1),
            b"PID|1||||a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f\\P\\g\\X0D\\h\\X0A\\i\tj"
        );
        assert_eq!(&m[p("PID-5.1.1")], text);
        assert_eq!(&m[p("PID-5")], text);
        m.set(p("PID-6"), "\"\"").unwrap();
        assert_eq!(m.get(p("PID-6")).presence(), Presence::Null);
        reparses(&m);
    }

    #[test]
    fn encodes_in_the_message_charset() {
        let mut m = Message::parse("MSH|^~\\&|||||||ADT^A01|1|P|2.5||||||8859/1\rPID|1").unwrap();
        m.set(p("PID-5"), "Müller").unwrap();
        assert_eq!(seg(&m, 1), b"PID|1||||M\xfcller");
        assert_eq!(&m[p("PID-5")], "Müller");
        let e = m.set(p("PID-5"), "10 €").unwrap_err();
        assert_eq!(
            e,
            EditError::Unencodable {
                path: "PID-5".into(),
                charset: "ISO-8859-1"
            }
        );
        assert!(!e.to_string().contains('€'));
        assert!(m.set_er7(p("PID-5"), "€").is_err());
        assert!(m.push_segment("ZZZ|€").is_err());
        assert_eq!(&m[p("PID-5")], "Müller");

        let mut m = Message::parse("MSH|^~\\&|||||||ADT^A01|1|P|2.5||||||8859/2\rPID|1").unwrap();
        assert!(matches!(
            m.set(p("PID-5"), "é"),
            Err(EditError::Unencodable { .. })
        ));
        m.set(p("PID-5"), "plain").unwrap();

        let mut m = Message::parse("MSH|^~\\&|||||||ADT^A01|1|P|2.5\rPID|1").unwrap();
        m.set(p("PID-5"), "Müller €").unwrap();
        assert_eq!(&m[p("PID-5")], "Müller €");
    }

    #[test]
    fn errors_name_the_path_not_the_value() {
        let mut m = msg();
        let e = m.set(p("OBX[2]-5"), "SECRET").unwrap_err();
        assert_eq!(
            e,
            EditError::NoSuchSegment {
                path: "OBX[2]-5".into()
            }
        );
        assert!(!e.to_string().contains("SECRET"));
        let e = m.set_er7(p("PID-5.1"), "SECRET^X").unwrap_err();
        assert!(e.to_string().starts_with("PID-5.1:"));
        assert!(!e.to_string().contains("SECRET"));
        assert_eq!(m, msg());
    }

    #[test]
    fn without_subcomponent_or_escape_characters() {
        let mut m = Message::parse("MSH|^~\\\rPID|1").unwrap();
        m.set(p("PID-5.1.1"), "a&b").unwrap();
        assert_eq!(seg(&m, 1), b"PID|1||||a&b");
        assert!(matches!(
            m.set(p("PID-5.1.2"), "x"),
            Err(EditError::NoSubcomponentSeparator { .. })
        ));
        let mut m = Message::parse("MSH|^~\rPID|1").unwrap();
        m.set(p("PID-5"), "a&b\\c").unwrap();
        assert!(matches!(
            m.set(p("PID-5"), "a^b"),
            Err(EditError::NoEscapeCharacter { .. })
        ));
        assert!(m.set(p("PID-5"), "a\rb").is_err());
        assert_eq!(&m[p("PID-5")], "a&b\\c");
    }

    #[test]
    fn raw_values_stay_below_their_level() {
        let mut m = msg();
        m.set_er7(p("PID-5"), "Doe^John^^Jr&Sr").unwrap();
        assert_eq!(&m[p("PID-5.4.2")], "Sr");
        m.set_er7(p("PID-3[2]"), "1\\S\\2^^^H").unwrap();
        assert_eq!(&m[p("PID-3[2].1")], "1^2");
        m.set_er7(p("PID-5.4"), "III&IV").unwrap();
        m.set_er7(p("PID-5.4.2"), "V\\T\\").unwrap();
        assert_eq!(&m[p("PID-5.4.2")], "V&");
        let crosses = |m: &mut Message, path: &str, raw: &str| {
            assert!(
                matches!(
                    m.set_er7(p(path), raw),
                    Err(EditError::RawValueCrossesLevel { .. })
                ),
                "{path} {raw:?}"
            );
        };
        for raw in ["a|b", "a~b", "a\rb", "a\nb"] {
            crosses(&mut m, "PID-5", raw);
        }
        crosses(&mut m, "PID-5.1", "a^b");
        crosses(&mut m, "PID-5.1.1", "a&b");
        assert!(matches!(
            m.set_er7(p("PID-5"), "a\x01"),
            Err(EditError::RawValueControlByte { .. })
        ));
        m.set_er7(p("PID-6"), "a\tb").unwrap();
        reparses(&m);
    }

    #[test]
    fn inserts_replaces_and_removes_segments() {
        let mut m = msg();
        m.insert_segment(1, "EVN|A01").unwrap();
        m.insert_segment(4, "NTE|1||note").unwrap();
        m.replace_segment(2, "PID|1||123").unwrap();
        assert_eq!(
            m.as_bytes(),
            b"MSH|^~\\&|ADT|HOSP|LAB|HOSP|20240101||ADT^A01|MSG1|P|2.5.1\r\
              EVN|A01\rPID|1||123\rOBX|1|ST|A||one\rNTE|1||note\r"
        );
        assert_eq!(&m[p("NTE-3")], "note");
        m.remove_segment(4).unwrap();
        m.remove_segment(1).unwrap();
        assert_eq!(&m[p("PID-3")], "123");
        assert_eq!(m.segment_count(), 3);
        reparses(&m);

        assert_eq!(m.insert_segment(0, "EVN"), Err(EditError::HeaderPosition));
        assert_eq!(m.remove_segment(0), Err(EditError::HeaderPosition));
        assert_eq!(m.replace_segment(0, "EVN"), Err(EditError::HeaderPosition));
        assert_eq!(
            m.insert_segment(4, "EVN"),
            Err(EditError::SegmentIndex { index: 4, count: 3 })
        );
        assert!(matches!(
            m.remove_segment(3),
            Err(EditError::SegmentIndex { .. })
        ));
        let bad = |m: &mut Message, text: &str, kind| {
            assert_eq!(
                m.push_segment(text),
                Err(EditError::BadSegment(kind)),
                "{text:?}"
            );
        };
        bad(&mut m, "", ParseErrorKind::EmptySegment);
        bad(&mut m, "PI|1", ParseErrorKind::BadSegmentName);
        bad(&mut m, "pid|1", ParseErrorKind::BadSegmentName);
        bad(&mut m, "PID|1\rPV1|1", ParseErrorKind::ControlByte);
        bad(&mut m, "PID|1\n", ParseErrorKind::ControlByte);
        bad(&mut m, "MSH|^~\\&", ParseErrorKind::NestedHeader);
        assert_eq!(m.segment_count(), 3);
    }

    #[test]
    fn changes_delimiters_and_back() {
        let text = "MSH|^~\\&|A|B|||20240101||ORU^R01|1|P|2.5\r\
            PID|1||1\\F\\2^^^H&X~3||D\\E\\oe^J\\S\\|||\\.br\\x\\X0D0A\\\\Zq\\|a\\T\\b~\r\
            OBX|1|TX|||l1\\.br\\l2\\H\\b\\N\\";
        let mut m = Message::parse(text).unwrap();
        let before: Vec<String> = [
            "PID-3.1",
            "PID-3.4.2",
            "PID-5.1",
            "PID-5.2",
            "PID-8",
            "PID-9",
            "OBX-5",
        ]
        .iter()
        .map(|path| m[p(path)].to_owned())
        .collect();
        let new = Delimiters {
            field: b'!',
            component: b'|',
            repetition: b'^',
            escape: Some(b'&'),
            subcomponent: Some(b'\\'),
            truncation: Some(b'#'),
        };
        m.set_delimiters(new).unwrap();
        assert_eq!(m.delimiters(), &new);
        assert_eq!(
            m.as_bytes(),
            b"MSH!|^&\\#!A!B!!!20240101!!ORU|R01!1!P!2.5\r\
              PID!1!!1&S&2|||H\\X^3!!D&T&oe|J&R&!!!&.br&x&X0D0A&&Zq&!a&E&b^\r\
              OBX!1!TX!!!l1&.br&l2&H&b&N&"
                .as_slice()
        );
        // Values read the same; kept escape sequences read with the new escape character.
        let after: Vec<String> = [
            "PID-3.1",
            "PID-3.4.2",
            "PID-5.1",
            "PID-5.2",
            "PID-8",
            "PID-9",
            "OBX-5",
        ]
        .iter()
        .map(|path| m[p(path)].to_owned())
        .collect();
        assert_eq!(after[..4], before[..4]);
        assert_eq!(after[4], before[4].replace('\\', "&"));
        assert_eq!(after[5], before[5]);
        assert_eq!(after[6], before[6].replace('\\', "&"));
        reparses(&m);
        m.set_delimiters(Delimiters::STANDARD).unwrap();
        assert_eq!(m.as_bytes(), text.as_bytes());
    }

    #[test]
    fn refuses_delimiters_that_cannot_hold_the_message() {
        let mut m = Message::parse("MSH|^~\\&\rPID|1||a&b\rNTE|1||\\.sp+2\\").unwrap();
        let same = m.clone();
        let bad = Delimiters {
            component: b'|',
            ..Delimiters::STANDARD
        };
        assert_eq!(
            m.set_delimiters(bad),
            Err(EditError::BadDelimiters(ParseErrorKind::RepeatedDelimiter))
        );
        let no_sub = Delimiters {
            subcomponent: None,
            ..Delimiters::STANDARD
        };
        assert_eq!(
            m.set_delimiters(no_sub),
            Err(EditError::DelimitersCannotEncode {
                path: "PID[1]-3[1].1.2".into()
            })
        );
        let plus = Delimiters {
            repetition: b'+',
            ..Delimiters::STANDARD
        };
        assert_eq!(
            m.set_delimiters(plus),
            Err(EditError::DelimitersCannotEncode {
                path: "NTE[1]-3[1].1.1".into()
            })
        );
        assert_eq!(m, same);
        m.remove_segment(2).unwrap();
        m.clear(p("PID-3")).unwrap();
        m.set(p("PID-3"), "a^b").unwrap();
        let no_escape = Delimiters {
            escape: None,
            subcomponent: None,
            ..Delimiters::STANDARD
        };
        assert!(m.set_delimiters(no_escape).is_err());
        m.set(p("PID-3"), "a&b").unwrap();
        m.set_delimiters(no_escape).unwrap();
        assert_eq!(m.as_bytes(), b"MSH|^~\rPID|1||a&b");
    }

    #[test]
    fn refuses_what_it_cannot_write() {
        let mut m = Message::parse("MSH|^\"\rPID|1").unwrap();
        assert!(matches!(
            m.set_null(p("PID-2")),
            Err(EditError::NullUnrepresentable { .. })
        ));
        let mut m = msg();
        let mut path = Path::parse("PID-3").unwrap();
        path.repetition = Some(0);
        assert!(matches!(
            m.set(path, "x"),
            Err(EditError::Path(PathError::BadNumber { .. }))
        ));
        assert_eq!(m, msg());
    }

    #[test]
    fn read_modify_write_keeps_structure() {
        let mut m = Message::parse(
            "MSH|^~\\&|||||||ADT^A08|1|P|2.5\rPID|1||||van&Beethoven^Ludwig~Smith\\T\\Co\r",
        )
        .unwrap();
        let family = m[p("PID-5.1")].to_uppercase();
        m.set(p("PID-5.1"), &family).unwrap();
        assert_eq!(seg(&m, 1), b"PID|1||||VAN&Beethoven^Ludwig~Smith\\T\\Co");
        // Every leaf, one by one.
        for path in ["PID-5.1.2", "PID-5.2"].map(p) {
            let upper = m[path].to_uppercase();
            m.set(path, &upper).unwrap();
        }
        assert_eq!(seg(&m, 1), b"PID|1||||VAN&BEETHOVEN^LUDWIG~Smith\\T\\Co");
        // A delimiter that is text reads as text and is written back escaped.
        let upper = m[p("PID-5[2]")].to_uppercase();
        assert_eq!(upper, "SMITH&CO");
        m.set(p("PID-5[2]"), &upper).unwrap();
        assert_eq!(seg(&m, 1), b"PID|1||||VAN&BEETHOVEN^LUDWIG~SMITH\\T\\CO");
        // Setting what a position reads, composite or not, changes nothing; not even an
        // absent position is created for an empty text.
        let before = m.clone();
        for path in [
            "PID-5",
            "PID-5.1",
            "PID-5[2]",
            "PID-5.1.2",
            "PID-30",
            "PID-5.3.2",
        ]
        .map(p)
        {
            let text = m[path].to_owned();
            m.set(path, &text).unwrap();
            let er7 = m.get(path).er7().into_owned();
            m.set_er7(path, &er7).unwrap();
        }
        assert_eq!(m, before);
        // `set_null` and `set_er7` take the whole position.
        m.set_null(p("PID-5[2]")).unwrap();
        m.set_er7(p("PID-5"), "Doe^John").unwrap();
        assert_eq!(seg(&m, 1), b"PID|1||||Doe^John~\"\"");
    }

    #[test]
    fn unchanged_text_keeps_bytes_that_set_would_write_otherwise() {
        let text = "MSH|^~\\&#|||||||ADT^A08|1|P|2.7\r\
            NTE|1||\\X41\\B|\\X0D0A\\|\\Q\\|a\\b|\"\"|LAB ID# 1|x\\.br\\y\r";
        let mut m = Message::parse(text).unwrap();
        let reads: Vec<String> = (3..=10)
            .map(|n| m[p(&format!("NTE-{n}"))].to_owned())
            .collect();
        assert_eq!(
            reads,
            [
                "AB",
                "\r\n",
                "\\Q\\",
                "a\\b",
                "\"\"",
                "LAB ID# 1",
                "x\\.br\\y",
                ""
            ]
        );
        for (n, read) in (3..).zip(&reads) {
            m.set(p(&format!("NTE-{n}")), read).unwrap();
        }
        assert_eq!(m.as_bytes(), text.as_bytes());
        // Changed, each is written the way `set` writes: hex only for control characters,
        // other escape characters and the truncation character as text.
        for (n, new) in [
            (3, "ABC"),
            (4, "\r\n!"),
            (5, "\\Q\\!"),
            (6, "a\\b!"),
            (7, "\"\"!"),
            (8, "LAB ID# 2"),
            (9, "X\\.br\\Y"),
        ] {
            let path = p(&format!("NTE-{n}"));
            m.set(path, new).unwrap();
            assert_eq!(&m[path], new, "{path}");
        }
        assert_eq!(
            seg(&m, 1),
            b"NTE|1||ABC|\\X0D\\\\X0A\\!|\\E\\Q\\E\\!|a\\E\\b!|\"\"!|LAB ID\\P\\ 2|X\\.br\\Y"
        );
        // The explicit null is the text `""`.
        m.set(p("NTE-7"), "\"\"").unwrap();
        assert_eq!(m.get(p("NTE-7")).presence(), Presence::Null);
    }

    #[test]
    fn formatting_survives_an_edit_and_look_alikes_are_text() {
        let mut m = Message::parse(
            "MSH|^~\\&|||||||ORU^R01|1|P|2.5\r\
             OBX|1|FT|||line one\\.br\\line two \\H\\bold\\N\\ \\.sp2\\\\.in+4\\ \\Zx1\\ \\C2842\\ \\M244218\\\r",
        )
        .unwrap();
        let edited = m[p("OBX-5")].replace("one", "1");
        m.set(p("OBX-5"), &edited).unwrap();
        assert_eq!(
            seg(&m, 1),
            b"OBX|1|FT|||line 1\\.br\\line two \\H\\bold\\N\\ \\.sp2\\\\.in+4\\ \\Zx1\\ \\C2842\\ \\M244218\\"
        );
        assert_eq!(
            m.get(p("OBX-5")).try_text_with(Formatting::Render).unwrap(),
            "line 1\nline two bold \n\n \\Zx1\\ \\C2842\\ \\M244218\\"
        );
        // Escape characters that start no such sequence are text.
        let text = "C:\\temp\\x \\X41\\ \\E\\ \\.BR\\ \\Hx\\";
        m.set(p("OBX-5"), text).unwrap();
        assert_eq!(
            seg(&m, 1),
            b"OBX|1|FT|||C:\\E\\temp\\E\\x \\E\\X41\\E\\ \\E\\E\\E\\ \\E\\.BR\\E\\ \\E\\Hx\\E\\"
        );
        assert_eq!(&m[p("OBX-5")], text);
    }

    #[test]
    fn charsets_an_edit_keeps() {
        // No MSH-18 and ISO-8859-1 bytes: an edit writes ISO-8859-1 too.
        let latin = b"MSH|^~\\&|||||||ADT^A08|1|P|2.5\rPID|1||||M\xfcller\r".to_vec();
        let mut m = Message::parse(latin).unwrap();
        let upper = m[p("PID-5")].to_uppercase();
        m.set(p("PID-5"), &upper).unwrap();
        assert_eq!(seg(&m, 1), b"PID|1||||M\xdcLLER");
        assert!(matches!(
            m.set(p("PID-5"), "10 €"),
            Err(EditError::Unencodable {
                charset: "ISO-8859-1",
                ..
            })
        ));
        // No MSH-18 and UTF-8 (or ASCII only): UTF-8.
        let mut m = Message::parse("MSH|^~\\&|||||||ADT^A08|1|P|2.5\rPID|1||||Müller\r").unwrap();
        let upper = m[p("PID-5")].to_uppercase();
        m.set(p("PID-5"), &upper).unwrap();
        assert_eq!(seg(&m, 1), "PID|1||||MÜLLER".as_bytes());
        // A set this library does not decode reads with U+FFFD; set back unchanged, the bytes
        // stay, and ASCII text can still be written.
        let other =
            b"MSH|^~\\&|||||||ADT^A08|1|P|2.5||||||8859/2\rPID|1||||M\xfcller^Hans\r".to_vec();
        let mut m = Message::parse(other.clone()).unwrap();
        let read = m[p("PID-5")].to_owned();
        assert_eq!(read, "M\u{fffd}ller");
        m.set(p("PID-5"), &read).unwrap();
        let er7 = m.get(p("PID-5")).er7().into_owned();
        m.set_er7(p("PID-5"), &er7).unwrap();
        assert_eq!(m.as_bytes(), other.as_slice());
        assert!(matches!(
            m.set(p("PID-5"), &read.to_uppercase()),
            Err(EditError::Unencodable { .. })
        ));
        m.set(p("PID-5.2"), "HANS").unwrap();
        assert_eq!(seg(&m, 1), b"PID|1||||M\xfcller^HANS");
    }

    #[test]
    fn failed_edits_change_nothing() {
        let mut m = msg();
        let before = m.clone();
        assert!(m.set(p("ZZZ-1"), "x").is_err());
        assert!(m.set_er7(p("PID-3"), "a|b").is_err());
        assert!(m.push_segment("bad").is_err());
        assert_eq!(m, before);
        assert_eq!(&m[p("PID-2")], "X");
    }
}
