//! Updating values in place: one position with a function of its text ([`Message::update`]),
//! or every repetition and segment occurrence a path leaves open ([`Message::update_every`]),
//! whose paths [`Message::every`] gives.

use std::ops::Range;

use crate::error::EditError;
use crate::message::{IntoPath, Message, split};
use crate::path::Path;
use crate::value::Level;

impl Message {
    /// The path of every position `path` names, in message order: one for each occurrence of
    /// the segment and each repetition of the field there is, where the path names none; the
    /// occurrence or repetition it does name, where it names one. Each path names its occurrence
    /// and repetition (`PID[1]-5[2].1`), so it stays valid while values are edited.
    ///
    /// So `every("PID-5.1")` is the family name of every name of the patient, and
    /// `every("OBX-5")` every value of every result. A field past the end of a segment is one
    /// empty repetition, as an empty field is (senders drop trailing empty fields), so
    /// `every("OBX-6")` reaches each OBX; a segment the message does not have gives none. The
    /// paths do not borrow the message, so they can be edited in the loop:
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, Path};
    /// let mut msg = Message::parse("MSH|^~\\&|||||||ADT^A08|1|P|2.5\rPID|1||||Doe^John~Roe^Jane\r")?;
    /// let names = msg.every(Path::parse("PID-5")?);
    /// assert_eq!(names.len(), 2);
    /// for name in names {
    ///     let initial: String = msg.get(name).component(2).to_string().chars().take(1).collect();
    ///     msg.set(name.component(2), &initial)?;
    /// }
    /// assert_eq!(msg.segment(1).unwrap().raw(), b"PID|1||||Doe^J~Roe^J");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// Paths past the 65535th occurrence or repetition cannot be written, and are not given.
    pub fn every(&self, path: impl IntoPath) -> Vec<Path> {
        self.every_in(0..self.segment_count(), &path.into_path())
    }

    /// [`Message::every`] among the segments at `within`: the path's occurrence, where it names
    /// one, counts from the first segment there; the paths given name occurrences in the message.
    pub(crate) fn every_in(&self, within: Range<usize>, path: &Path) -> Vec<Path> {
        let segments = &self.index.segments;
        let mut in_message = segments[..within.start]
            .iter()
            .filter(|s| s.id == path.segment)
            .count();
        let mut in_range = 0;
        let mut paths = Vec::new();
        for seg in &segments[within] {
            if seg.id != path.segment {
                continue;
            }
            in_message += 1;
            in_range += 1;
            if path.occurrence.is_some_and(|n| usize::from(n) != in_range) {
                continue;
            }
            let Ok(occurrence) = u16::try_from(in_message) else {
                break;
            };
            // A field past the segment's end is one empty repetition, as an empty field is.
            let repetitions = match self.field_range(seg, path.field) {
                Some((field, Level::Repetition)) => {
                    split(&self.bytes, field, self.delims.repetition).count()
                }
                _ => 1,
            };
            let wanted = |r: &u16| path.repetition.is_none_or(|n| n == *r);
            let last = u16::try_from(repetitions).unwrap_or(u16::MAX);
            paths.extend(
                (1..=last)
                    .filter(wanted)
                    .map(|r| path.occurrence(occurrence).repetition(r)),
            );
        }
        paths
    }

    /// Sets the text at `path` to what `f` makes of the text there now: `msg[path]` in, the new
    /// text out, written as [`Message::set`] writes it, so the other components stay. Text
    /// that comes back unchanged changes nothing and is never an error, even where the message
    /// has no such segment: a rule that maps codes passes a message without them as it came.
    /// Otherwise the rules and errors are those of `set`.
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, Path};
    /// let mut msg = Message::parse("MSH|^~\\&|||||||ADT^A08|1|P|2.5\rPID|1||||van&Beethoven^Ludwig\r")?;
    /// let family = Path::parse("PID-5.1")?;
    /// msg.update(family, |name| name.to_uppercase())?;
    /// assert_eq!(msg.segment(1).unwrap().raw(), b"PID|1||||VAN&Beethoven^Ludwig");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn update<T: AsRef<str>>(
        &mut self,
        path: impl IntoPath,
        f: impl FnOnce(&str) -> T,
    ) -> Result<(), EditError> {
        let path = path.into_path();
        let new = f(&self[path]);
        if self[path] == *new.as_ref() {
            return Ok(());
        }
        self.set(path, new.as_ref())
    }

    /// [`Message::update`] at every position [`Message::every`] gives for `path`: every
    /// repetition of the field, in every occurrence of the segment, unless the path names one.
    /// No index to count, nothing to borrow: `update_every("PID-5.1", …)` changes the family name
    /// of every name, `update_every("OBX-5", …)` every result's value.
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, Path};
    /// let mut msg = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.5\rOBX|1|ST|A||neg~trace\rOBX|2|ST|B||pos\r")?;
    /// msg.update_every(Path::parse("OBX-5")?, |value| value.to_uppercase())?;
    /// assert_eq!(msg.segment(1).unwrap().raw(), b"OBX|1|ST|A||NEG~TRACE");
    /// assert_eq!(msg.segment(2).unwrap().raw(), b"OBX|2|ST|B||POS");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The first error [`Message::set`] gives; the message is then as it was before the call.
    pub fn update_every<T: AsRef<str>>(
        &mut self,
        path: impl IntoPath,
        mut f: impl FnMut(&str) -> T,
    ) -> Result<(), EditError> {
        let paths = self.every(path);
        self.all_or_nothing(|msg| paths.into_iter().try_for_each(|p| msg.update(p, &mut f)))
    }

    /// Runs several edits as one: if one fails, the message is as it was before the first.
    pub(crate) fn all_or_nothing<R>(
        &mut self,
        edits: impl FnOnce(&mut Message) -> Result<R, EditError>,
    ) -> Result<R, EditError> {
        let before = self.clone();
        let result = edits(self);
        if result.is_err() {
            *self = before;
        }
        result
    }
}
