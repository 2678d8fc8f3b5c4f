//! Copying from another message: a field or any other position ([`Message::copy_from`]), a
//! segment ([`Message::copy_segment_from`], [`Message::push_segment_from`]). What is copied is
//! written with this message's delimiters and in its character set, so it reads here as it
//! reads there.

use std::borrow::Cow;

use crate::charset::Charset;
use crate::error::EditError;
use crate::message::{IntoPath, IntoSegmentId, Message, Segment};
use crate::path::{Path, SegmentId};
use crate::recode::{self, Scope, Unencodable};
use crate::value::Level;

impl Message {
    /// Copies what `from` holds at `path` to the same position here, in place of what this
    /// message holds there: a whole field, every repetition, when the path names no repetition
    /// and no component (`PID-3`); else the one repetition, component or sub-component it names
    /// (`PID-3[2]`, `PID-5.1`). Where `from` holds nothing, the position here is cleared.
    ///
    /// The value keeps its bytes when both messages share delimiters and character set.
    /// Otherwise it is re-encoded as [`Message::set_delimiters`] re-encodes, and transcoded to
    /// this message's character set, so it reads the same text. Hex escapes (`\Xhh\`) are
    /// copied as written: they stand for bytes of the character set of the message they are in.
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, Path};
    /// let from = Message::parse("MSH|^~\\&|||||||ADT^A08|1|P|2.5\rPID|1||123^^^H~456^^^B||Smith \\T\\ Jones^Al\r")?;
    /// let mut to = Message::parse("MSH#^~!@#######ADT^A08#2#P#2.5\rPID#1\r")?;
    /// to.copy_from(&from, Path::parse("PID-3")?)?;        // every repetition
    /// to.copy_from(&from, Path::parse("PID-5.1")?)?;      // one component
    /// assert_eq!(to.segment(1).unwrap().raw(), b"PID#1##123^^^H~456^^^B##Smith & Jones");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Message::set_er7`] (no such segment here, MSH-1 and MSH-2, …);
    /// [`EditError::DelimitersCannotEncode`] when this message's delimiters cannot write the
    /// value; [`EditError::Undecodable`] or [`EditError::Unencodable`] when its text cannot be
    /// carried from one character set to the other.
    pub fn copy_from(&mut self, from: &Message, path: impl IntoPath) -> Result<(), EditError> {
        let path = path.into_path();
        let whole_field = path.repetition.is_none() && path.component.is_none();
        let found = if whole_field {
            from.find_segment(path.segment, path.occurrence_or_first())
                .and_then(|seg| from.field_range(seg, path.field))
                .map(|(range, level)| (range, level, Scope::Field))
        } else {
            from.locate(&path).map(|(range, level)| {
                let scope = match level {
                    Level::Delimiters | Level::Repetition => Scope::Repetition,
                    Level::Component => Scope::Component,
                    Level::Subcomponent => Scope::Subcomponent,
                };
                (range, level, scope)
            })
        };
        let er7 = match found {
            Some((_, Level::Delimiters, _)) => {
                return Err(EditError::DelimiterField {
                    path: path.to_string(),
                });
            }
            Some((range, _, scope)) => {
                self.adopt(from, &from.bytes[range], scope, |at| named(path, at))?
            }
            None => Vec::new(),
        };
        self.replace_position(&path, whole_field, &er7)
    }

    /// Copies the first segment `id` of `from` in place of the first one here, or after the
    /// last segment when this message has none, re-encoded as [`Message::copy_from`] does.
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, SegmentId};
    /// let from = Message::parse("MSH|^~\\&|||||||ADT^A08|1|P|2.5\rPID|1||123||Doe^John\rPV1|1|I\r")?;
    /// let mut to = Message::parse("MSH|^~\\&|||||||ADT^A08|2|P|2.5\rPID|1||999\r")?;
    /// let (pid, pv1) = (SegmentId::from_slice(b"PID").unwrap(), SegmentId::from_slice(b"PV1").unwrap());
    /// to.copy_segment_from(&from, pid)?;
    /// to.copy_segment_from(&from, pv1)?;
    /// assert!(to.as_bytes().ends_with(b"\rPID|1||123||Doe^John\rPV1|1|I\r"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`EditError::NotInSource`] when `from` has no such segment; [`EditError::HeaderPosition`]
    /// for MSH; those of [`Message::copy_from`].
    pub fn copy_segment_from(
        &mut self,
        from: &Message,
        id: impl IntoSegmentId,
    ) -> Result<(), EditError> {
        let id = id.into_segment_id();
        let source = from
            .segments_named(id)
            .next()
            .ok_or_else(|| EditError::NotInSource {
                segment: id.to_string(),
            })?;
        let segment = self.adopt_segment(source)?;
        match self.find_segment(id, 1).copied() {
            Some(entry) => self.splice(entry.start as usize..entry.end as usize, &[&segment]),
            None => self.append(&segment),
        }
    }

    /// Appends a copy of a segment of another message, re-encoded as [`Message::copy_from`]
    /// does: for building one message from the segments of another.
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, SegmentId};
    /// let oru = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.5\rOBR|1\rOBX|1|ST|A||x\rOBX|2|ST|B||y\r")?;
    /// let mut out = Message::parse("MSH|^~\\&|||||||ORU^R01|2|P|2.5\r")?;
    /// for obx in oru.segments_named(SegmentId::from_slice(b"OBX").unwrap()) {
    ///     out.push_segment_from(obx)?;
    /// }
    /// assert!(out.as_bytes().ends_with(b"\rOBX|1|ST|A||x\rOBX|2|ST|B||y\r"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`EditError::HeaderPosition`] for an MSH; those of [`Message::copy_from`].
    pub fn push_segment_from(&mut self, segment: Segment<'_>) -> Result<(), EditError> {
        let segment = self.adopt_segment(segment)?;
        self.append(&segment)
    }

    /// A segment of another message, encoded for this one.
    fn adopt_segment(&self, segment: Segment<'_>) -> Result<Vec<u8>, EditError> {
        let id = segment.id();
        if id == SegmentId::MSH {
            return Err(EditError::HeaderPosition);
        }
        let from = segment.message();
        let raw = segment.raw();
        if from.delims == self.delims {
            return self.transcode(from, raw.to_vec(), || id.to_string());
        }
        let mut out = Vec::with_capacity(raw.len() + 8);
        for (n, field) in raw.split(|&b| b == from.delims.field).enumerate() {
            if n == 0 {
                out.extend_from_slice(id.as_bytes());
                continue;
            }
            out.push(self.delims.field);
            let path = Path::field(id, u16::try_from(n).unwrap_or(u16::MAX));
            recode::recode(field, Scope::Field, &from.delims, &self.delims, &mut out).map_err(
                |at| EditError::DelimitersCannotEncode {
                    path: named(path, at),
                },
            )?;
        }
        self.transcode(from, out, || id.to_string())
    }

    /// A value of `from`, of `scope`, encoded for this message.
    fn adopt(
        &self,
        from: &Message,
        raw: &[u8],
        scope: Scope,
        name: impl Fn(Unencodable) -> String,
    ) -> Result<Vec<u8>, EditError> {
        let mut out = Vec::with_capacity(raw.len());
        if from.delims == self.delims {
            out.extend_from_slice(raw);
        } else {
            recode::recode(raw, scope, &from.delims, &self.delims, &mut out)
                .map_err(|at| EditError::DelimitersCannotEncode { path: name(at) })?;
        }
        let first = Unencodable {
            repetition: 0,
            component: 0,
            subcomponent: 0,
        };
        self.transcode(from, out, || name(first))
    }

    /// ER7 bytes of `from`, in its character set, in this message's instead.
    fn transcode(
        &self,
        from: &Message,
        er7: Vec<u8>,
        name: impl Fn() -> String,
    ) -> Result<Vec<u8>, EditError> {
        // Declaring none, either message may hold UTF-8 or ISO-8859-1: only decoding tells.
        let undeclared = matches!(from.charset, Charset::Unspecified | Charset::Ascii);
        if er7.is_ascii() || (from.charset == self.charset && !undeclared) {
            return Ok(er7);
        }
        let text = from
            .charset
            .decode(Cow::Owned(er7))
            .map_err(|_| EditError::Undecodable {
                path: name(),
                charset: from.charset.name(),
            })?;
        Ok(self.encode(&text, name)?.into_owned())
    }
}

/// The path of the value `at` points to, below the position `path` names.
fn named(path: Path, at: Unencodable) -> String {
    let n = |i: usize| Some(u16::try_from(i + 1).unwrap_or(u16::MAX));
    Path {
        repetition: path.repetition.or(n(at.repetition)),
        component: path.component.or(n(at.component)),
        subcomponent: path.subcomponent.or(n(at.subcomponent)),
        ..path
    }
    .to_string()
}
