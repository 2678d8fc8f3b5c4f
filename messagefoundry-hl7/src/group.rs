//! Segment groups: a segment and the segments that belong to it, such as an OBR with its NTE
//! and OBX. [`Message::groups`] reads them; [`Message::for_each_group`] edits inside each.
//!
//! A group is named by the segment that starts it and the IDs of the segments that may follow
//! it; it takes those segments up to the first that is not one of them (or starts the next
//! group). That rule needs no schema and reads as the message does, so a group is what an
//! analyst sees in the message. Inside a group, paths count occurrences from the group's
//! start: `OBX-5` is the group's first OBX, `OBX[2]-5` its second.

use std::ops::Range;

use crate::error::EditError;
use crate::message::{IntoPath, IntoSegmentId, Message, Segment, SegmentsNamed};
use crate::path::{Path, SegmentId};
use crate::text::Text;
use crate::value::{Level, Value};

/// One group of segments of a message, as [`Message::groups`] finds them: the segment that
/// starts it and the segments of the member IDs that follow it.
///
/// Paths read inside the group: `order["OBR-4"]` is the group's OBR, `order["OBX[2]-5"]` the
/// value of its second OBX, and a segment the group does not hold reads as absent.
///
/// ```
/// # use messagefoundry_hl7::{Message, Path, SegmentId};
/// # let id = |text: &str| SegmentId::from_slice(text.as_bytes()).unwrap();
/// let msg = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.5\rPID|1\rOBR|1||A|GLU\rOBX|1|NM|GLU||5.5\rOBR|2||B|NA\rOBX|1|NM|NA||140\r")?;
/// for order in msg.groups(id("OBR"), [id("OBX")]) {
///     let (test, value) = (order[Path::parse("OBR-4")?].as_str(), order[Path::parse("OBX-5")?].as_str());
///     assert!((test, value) == ("GLU", "5.5") || (test, value) == ("NA", "140"));
///     assert_eq!(&order[Path::parse("PID-1")?], ""); // PID is not in the group
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Group<'m> {
    msg: &'m Message,
    /// The positions of the group's segments in the message.
    positions: Range<usize>,
}

impl<'m> Group<'m> {
    /// The positions of the group's segments in the message (0 is MSH): the start of the
    /// range is the segment that starts the group.
    ///
    /// ```
    /// # use messagefoundry_hl7::{Message, Path, SegmentId};
    /// # let id = |text: &str| SegmentId::from_slice(text.as_bytes()).unwrap();
    /// let msg = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.5\rPID|1\rOBR|1||A|GLU\rOBX|1|NM|GLU||5.5\rNTE|1||fasting\rOBX|2|NM|GLU||6.1\r")?;
    /// let order = msg.groups(id("OBR"), [id("OBX"), id("NTE")]).next().unwrap();
    /// assert_eq!(order.positions(), 2..6);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn positions(&self) -> Range<usize> {
        self.positions.clone()
    }

    /// The group's segments, in order, the one that starts it first.
    ///
    /// ```
    /// # use messagefoundry_hl7::{Message, Path, SegmentId};
    /// # let id = |text: &str| SegmentId::from_slice(text.as_bytes()).unwrap();
    /// let msg = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.5\rPID|1\rOBR|1||A|GLU\rOBX|1|NM|GLU||5.5\rNTE|1||fasting\rOBX|2|NM|GLU||6.1\r")?;
    /// let order = msg.groups(id("OBR"), [id("OBX"), id("NTE")]).next().unwrap();
    /// let ids: Vec<String> = order.segments().map(|s| s.id().to_string()).collect();
    /// assert_eq!(ids, ["OBR", "OBX", "NTE", "OBX"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn segments(&self) -> impl Iterator<Item = Segment<'m>> + use<'m> {
        let msg = self.msg;
        self.positions.clone().filter_map(move |p| msg.segment(p))
    }

    /// The group's segments with the given ID, in order.
    ///
    /// ```
    /// # use messagefoundry_hl7::{Message, Path, SegmentId};
    /// # let id = |text: &str| SegmentId::from_slice(text.as_bytes()).unwrap();
    /// let msg = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.5\rPID|1\rOBR|1||A|GLU\rOBX|1|NM|GLU||5.5\rNTE|1||fasting\rOBX|2|NM|GLU||6.1\r")?;
    /// let order = msg.groups(id("OBR"), [id("OBX"), id("NTE")]).next().unwrap();
    /// assert_eq!(order.segments_named(id("OBX")).count(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn segments_named(&self, id: impl IntoSegmentId) -> SegmentsNamed<'m> {
        SegmentsNamed::new(self.msg, id.into_segment_id(), self.positions())
    }

    /// The value at `path` in the group (its occurrence counted from the group's start), as
    /// [`Message::get`] reads it; absent when the group has no such segment.
    ///
    /// ```
    /// # use messagefoundry_hl7::{Message, Path, SegmentId};
    /// # let id = |text: &str| SegmentId::from_slice(text.as_bytes()).unwrap();
    /// let msg = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.5\rPID|1\rOBR|1||A|GLU\rOBX|1|NM|GLU||5.5\rNTE|1||fasting\rOBX|2|NM|GLU||6.1\r")?;
    /// let order = msg.groups(id("OBR"), [id("OBX"), id("NTE")]).next().unwrap();
    /// assert_eq!(order.get(Path::parse("OBX[2]-5")?), "6.1");
    /// assert!(!order.get(Path::parse("PID-1")?).is_present()); // not in the group
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get(&self, path: impl IntoPath) -> Value<'m> {
        match self.in_message(&path.into_path()) {
            Some(path) => self.msg.get(path),
            None => Value::new(
                None,
                Level::Subcomponent,
                &self.msg.delims,
                &self.msg.charset,
            ),
        }
    }

    /// The path of every position `path` names in the group, as [`Message::every`] gives them
    /// (each naming its occurrence in the message).
    ///
    /// ```
    /// # use messagefoundry_hl7::{Message, Path, SegmentId};
    /// # let id = |text: &str| SegmentId::from_slice(text.as_bytes()).unwrap();
    /// let msg = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.5\rPID|1\rOBR|1||A|GLU\rOBX|1|NM|GLU||5.5\rNTE|1||fasting\rOBX|2|NM|GLU||6.1\r")?;
    /// let order = msg.groups(id("OBR"), [id("OBX"), id("NTE")]).next().unwrap();
    /// let values = order.every(Path::parse("OBX-5")?);
    /// assert_eq!(values.iter().map(|v| msg[v].to_string()).collect::<Vec<_>>(), ["5.5", "6.1"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn every(&self, path: impl IntoPath) -> Vec<Path> {
        self.msg.every_in(self.positions(), &path.into_path())
    }

    /// The path in the message of what `path` names in the group; `None` when the group has no
    /// such occurrence of the segment.
    fn in_message(&self, path: &Path) -> Option<Path> {
        let segments = &self.msg.index.segments;
        let before = segments[..self.positions.start]
            .iter()
            .filter(|s| s.id == path.segment)
            .count();
        let n = usize::from(path.occurrence_or_first());
        let in_group = segments[self.positions()]
            .iter()
            .filter(|s| s.id == path.segment)
            .count();
        if n == 0 || n > in_group {
            return None;
        }
        let occurrence = u16::try_from(before + n).ok()?;
        Some(path.occurrence(occurrence))
    }
}

/// Reads as `msg[path]` does, inside the group: see [`Group::get`].
impl<P: IntoPath> std::ops::Index<P> for Group<'_> {
    type Output = Text;
    fn index(&self, path: P) -> &Text {
        match self.in_message(&path.into_path()) {
            Some(path) => &self.msg[path],
            None => Text::new(""),
        }
    }
}

/// Shows the group's place, never its content.
impl std::fmt::Debug for Group<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group")
            .field("positions", &self.positions)
            .finish()
    }
}

/// The groups of a message, in order: what [`Message::groups`] gives.
///
/// ```
/// # use messagefoundry_hl7::{Message, Path, SegmentId};
/// # let id = |text: &str| SegmentId::from_slice(text.as_bytes()).unwrap();
/// let msg = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.5\rPID|1\rOBR|1||A|GLU\rOBX|1|NM|GLU||5.5\rNTE|1||fasting\rOBX|2|NM|GLU||6.1\r")?;
/// assert_eq!(msg.groups(id("OBX"), [id("NTE")]).count(), 2); // each OBX with its NTE
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Groups<'m> {
    msg: &'m Message,
    ranges: std::vec::IntoIter<Range<usize>>,
}

impl<'m> Iterator for Groups<'m> {
    type Item = Group<'m>;

    fn next(&mut self) -> Option<Group<'m>> {
        let positions = self.ranges.next()?;
        Some(Group {
            msg: self.msg,
            positions,
        })
    }
}

/// One group of a message while [`Message::for_each_group`] edits it: reads as a [`Group`]
/// reads, and edits with paths inside the group.
///
/// Value edits (`set`, `update`, `update_every`, …) take a path as the message's own edits do,
/// its occurrence counted from the group's start. Segment edits stay inside the group:
/// [`insert_segment_after`](GroupMut::insert_segment_after) puts a segment after the group's
/// last segment of an ID, [`remove_segments`](GroupMut::remove_segments) removes the group's
/// segments of an ID.
///
/// ```
/// # use messagefoundry_hl7::{Message, Path, SegmentId};
/// # let id = |text: &str| SegmentId::from_slice(text.as_bytes()).unwrap();
/// let mut msg = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.5\rOBR|1||A|GLU\rOBX|1|NM|GLU||5.5\rOBR|2||B|NA\rOBX|1|NM|NA||140\r")?;
/// // Number each order's results from 1, whatever the sender did.
/// msg.for_each_group(id("OBR"), [id("OBX")], |order| {
///     let mut n = 0;
///     order.update_every(Path::parse("OBX-1")?, |_| { n += 1; n.to_string() })
/// })?;
/// assert_eq!(msg.every(Path::parse("OBX-1")?).iter().map(|p| msg[p].to_string()).collect::<Vec<_>>(), ["1", "1"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct GroupMut<'m> {
    msg: &'m mut Message,
    positions: Range<usize>,
}

impl GroupMut<'_> {
    /// The group as it stands, to read: its segments, their positions.
    ///
    /// ```
    /// # use messagefoundry_hl7::{Message, Path, SegmentId};
    /// # let id = |text: &str| SegmentId::from_slice(text.as_bytes()).unwrap();
    /// let mut msg = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.5\rOBR|1||A|GLU\rOBX|1|NM|GLU||5.5|mg/dL|H\rOBX|2|NM|GLU||6.1\r")?;
    /// msg.for_each_group(id("OBR"), [id("OBX"), id("NTE")], |order| {
    ///     assert_eq!(order.view().segments().count(), 3);
    ///     Ok(())
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn view(&self) -> Group<'_> {
        Group {
            msg: self.msg,
            positions: self.positions.clone(),
        }
    }

    /// The value at `path` in the group: see [`Group::get`].
    ///
    /// ```
    /// # use messagefoundry_hl7::{Message, Path, SegmentId};
    /// # let id = |text: &str| SegmentId::from_slice(text.as_bytes()).unwrap();
    /// let mut msg = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.5\rOBR|1||A|GLU\rOBX|1|NM|GLU||5.5|mg/dL|H\rOBX|2|NM|GLU||6.1\r")?;
    /// msg.for_each_group(id("OBR"), [id("OBX"), id("NTE")], |order| {
    ///     assert_eq!(order.get(Path::parse("OBX[2]-5")?), "6.1");
    ///     Ok(())
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get(&self, path: impl IntoPath) -> Value<'_> {
        self.view().get(path)
    }

    /// The path of every position `path` names in the group: see [`Group::every`].
    ///
    /// ```
    /// # use messagefoundry_hl7::{Message, Path, SegmentId};
    /// # let id = |text: &str| SegmentId::from_slice(text.as_bytes()).unwrap();
    /// let mut msg = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.5\rOBR|1||A|GLU\rOBX|1|NM|GLU||5.5|mg/dL|H\rOBX|2|NM|GLU||6.1\r")?;
    /// msg.for_each_group(id("OBR"), [id("OBX"), id("NTE")], |order| {
    ///     assert_eq!(order.every(Path::parse("OBX-5")?).len(), 2);
    ///     Ok(())
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn every(&self, path: impl IntoPath) -> Vec<Path> {
        self.view().every(path)
    }

    /// [`Message::set`] in the group.
    ///
    /// ```
    /// # use messagefoundry_hl7::{Message, Path, SegmentId};
    /// # let id = |text: &str| SegmentId::from_slice(text.as_bytes()).unwrap();
    /// let mut msg = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.5\rOBR|1||A|GLU\rOBX|1|NM|GLU||5.5|mg/dL|H\rOBX|2|NM|GLU||6.1\r")?;
    /// msg.for_each_group(id("OBR"), [id("OBX"), id("NTE")], |order| {
    ///     order.set(Path::parse("OBX[2]-6")?, "mmol/L")?;
    ///     Ok(())
    /// })?;
    /// assert_eq!(&msg[Path::parse("OBX[2]-6")?], "mmol/L");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`EditError::NoSuchSegment`] when the group has no such segment; those of `set`.
    pub fn set(&mut self, path: impl IntoPath, text: &str) -> Result<(), EditError> {
        let path = self.in_message(path)?;
        self.msg.set(path, text)
    }

    /// [`Message::set_er7`] in the group.
    ///
    /// ```
    /// # use messagefoundry_hl7::{Message, Path, SegmentId};
    /// # let id = |text: &str| SegmentId::from_slice(text.as_bytes()).unwrap();
    /// let mut msg = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.5\rOBR|1||A|GLU\rOBX|1|NM|GLU||5.5|mg/dL|H\rOBX|2|NM|GLU||6.1\r")?;
    /// msg.for_each_group(id("OBR"), [id("OBX"), id("NTE")], |order| {
    ///     order.set_er7(Path::parse("OBX-3")?, "GLU^Glucose")?;
    ///     Ok(())
    /// })?;
    /// assert_eq!(&msg[Path::parse("OBX-3.2")?], "Glucose");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_er7(&mut self, path: impl IntoPath, er7: &str) -> Result<(), EditError> {
        let path = self.in_message(path)?;
        self.msg.set_er7(path, er7)
    }

    /// [`Message::set_null`] in the group.
    ///
    /// ```
    /// # use messagefoundry_hl7::{Message, Path, SegmentId};
    /// # let id = |text: &str| SegmentId::from_slice(text.as_bytes()).unwrap();
    /// let mut msg = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.5\rOBR|1||A|GLU\rOBX|1|NM|GLU||5.5|mg/dL|H\rOBX|2|NM|GLU||6.1\r")?;
    /// msg.for_each_group(id("OBR"), [id("OBX"), id("NTE")], |order| {
    ///     order.set_null(Path::parse("OBX-7")?)?;
    ///     Ok(())
    /// })?;
    /// assert!(msg.get(Path::parse("OBX-7")?).is_null());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_null(&mut self, path: impl IntoPath) -> Result<(), EditError> {
        let path = self.in_message(path)?;
        self.msg.set_null(path)
    }

    /// [`Message::clear`] in the group; a segment the group does not have is already clear.
    ///
    /// ```
    /// # use messagefoundry_hl7::{Message, Path, SegmentId};
    /// # let id = |text: &str| SegmentId::from_slice(text.as_bytes()).unwrap();
    /// let mut msg = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.5\rOBR|1||A|GLU\rOBX|1|NM|GLU||5.5|mg/dL|H\rOBX|2|NM|GLU||6.1\r")?;
    /// msg.for_each_group(id("OBR"), [id("OBX"), id("NTE")], |order| {
    ///     order.clear(Path::parse("OBX-7")?)?;
    ///     order.clear(Path::parse("NTE-3")?)?; // no NTE here: nothing to clear
    ///     Ok(())
    /// })?;
    /// assert!(msg.get(Path::parse("OBX-7")?).is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn clear(&mut self, path: impl IntoPath) -> Result<(), EditError> {
        match self.in_message(path) {
            Ok(path) => self.msg.clear(path),
            Err(_) => Ok(()),
        }
    }

    /// [`Message::update`] in the group: where the group has no such segment, `f` reads empty
    /// text, and anything but empty text back is [`EditError::NoSuchSegment`].
    ///
    /// ```
    /// # use messagefoundry_hl7::{Message, Path, SegmentId};
    /// # let id = |text: &str| SegmentId::from_slice(text.as_bytes()).unwrap();
    /// let mut msg = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.5\rOBR|1||A|GLU\rOBX|1|NM|GLU||5.5|mg/dL|H\rOBX|2|NM|GLU||6.1\r")?;
    /// msg.for_each_group(id("OBR"), [id("OBX"), id("NTE")], |order| {
    ///     order.update(Path::parse("OBX-5")?, |value| format!("{value}0"))?;
    ///     Ok(())
    /// })?;
    /// assert_eq!(&msg[Path::parse("OBX-5")?], "5.50");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn update<T: AsRef<str>>(
        &mut self,
        path: impl IntoPath,
        f: impl FnOnce(&str) -> T,
    ) -> Result<(), EditError> {
        let path = path.into_path();
        match self.view().in_message(&path) {
            Some(path) => self.msg.update(path, f),
            None if f("").as_ref().is_empty() => Ok(()),
            None => Err(EditError::NoSuchSegment {
                path: path.to_string(),
            }),
        }
    }

    /// [`Message::update_every`] in the group: every position `path` names among the group's
    /// segments, so `update_every("OBX-5", …)` changes the value of each result of this order.
    ///
    /// ```
    /// # use messagefoundry_hl7::{Message, Path, SegmentId};
    /// # let id = |text: &str| SegmentId::from_slice(text.as_bytes()).unwrap();
    /// let mut msg = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.5\rOBR|1||A|GLU\rOBX|1|NM|GLU||5.5|mg/dL|H\rOBX|2|NM|GLU||6.1\r")?;
    /// msg.for_each_group(id("OBR"), [id("OBX"), id("NTE")], |order| {
    ///     order.update_every(Path::parse("OBX-6")?, |_| "mmol/L")?;
    ///     Ok(())
    /// })?;
    /// assert_eq!(&msg[Path::parse("OBX[2]-6")?], "mmol/L");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn update_every<T: AsRef<str>>(
        &mut self,
        path: impl IntoPath,
        mut f: impl FnMut(&str) -> T,
    ) -> Result<(), EditError> {
        for path in self.every(path) {
            self.msg.update(path, &mut f)?;
        }
        Ok(())
    }

    /// Inserts a segment (ER7 text, as [`Message::insert_segment`] takes it) right after the
    /// group's last segment `after`; the group then holds it.
    ///
    /// ```
    /// # use messagefoundry_hl7::{Message, Path, SegmentId};
    /// # let id = |text: &str| SegmentId::from_slice(text.as_bytes()).unwrap();
    /// let mut msg = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.5\rOBR|1||A|GLU\rOBX|1|NM|GLU||5.5|mg/dL|H\rOBX|2|NM|GLU||6.1\r")?;
    /// msg.for_each_group(id("OBR"), [id("OBX"), id("NTE")], |order| {
    ///     order.insert_segment_after(id("OBX"), "NTE|1||repeated")?;
    ///     Ok(())
    /// })?;
    /// assert_eq!(msg.segment(4).unwrap().raw(), b"NTE|1||repeated");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`EditError::NoSuchSegment`] when the group has no segment `after`; those of
    /// `insert_segment`.
    pub fn insert_segment_after(
        &mut self,
        after: impl IntoSegmentId,
        er7: &str,
    ) -> Result<(), EditError> {
        let inside = self.positions.clone();
        self.msg
            .insert_after_last_in(inside, after.into_segment_id(), er7)?;
        self.positions.end += 1;
        Ok(())
    }

    /// Removes the group's segments `id`. The segment that starts the group stays, as MSH
    /// stays in a message.
    ///
    /// ```
    /// # use messagefoundry_hl7::{Message, Path, SegmentId};
    /// # let id = |text: &str| SegmentId::from_slice(text.as_bytes()).unwrap();
    /// let mut msg = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.5\rOBR|1||A|GLU\rOBX|1|NM|GLU||5.5|mg/dL|H\rOBX|2|NM|GLU||6.1\r")?;
    /// msg.for_each_group(id("OBR"), [id("OBX"), id("NTE")], |order| {
    ///     order.remove_segments(id("OBX"))?;
    ///     Ok(())
    /// })?;
    /// assert_eq!(msg.segment_count(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`EditError::HeaderPosition`] for the ID of the segment that starts the group; nothing
    /// is removed then.
    pub fn remove_segments(&mut self, id: impl IntoSegmentId) -> Result<(), EditError> {
        let id = id.into_segment_id();
        let start = self.positions.start;
        if self.msg.segment(start).is_some_and(|s| s.id() == id) {
            return Err(EditError::HeaderPosition);
        }
        let inside = self.positions.clone();
        let removed = self.view().segments_named(id).count();
        self.msg
            .retain_segments(|seg| !(inside.contains(&seg.position()) && seg.id() == id))?;
        self.positions.end -= removed;
        Ok(())
    }

    fn in_message(&self, path: impl IntoPath) -> Result<Path, EditError> {
        let path = path.into_path();
        self.view()
            .in_message(&path)
            .ok_or_else(|| EditError::NoSuchSegment {
                path: path.to_string(),
            })
    }
}

/// Reads as `msg[path]` does, inside the group: see [`Group::get`].
impl<P: IntoPath> std::ops::Index<P> for GroupMut<'_> {
    type Output = Text;
    fn index(&self, path: P) -> &Text {
        match self.view().in_message(&path.into_path()) {
            Some(path) => &self.msg[path],
            None => Text::new(""),
        }
    }
}

impl Message {
    /// The groups that start at each segment `start` and hold the segments of the `members`
    /// IDs right after it: `groups("OBR", ["NTE", "OBX"])` is each order with its notes and
    /// results, up to the first segment that is neither (an ORC, the next OBR, an SPM).
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, Path, SegmentId};
    /// let msg = Message::parse(
    ///     "MSH|^~\\&|LAB||EHR||20240101||ORU^R01|1|P|2.5.1\rPID|1||123\r\
    ///      OBR|1||A|GLU\rOBX|1|NM|GLU||5.5\r\
    ///      OBR|2||B|LYTES\rOBX|1|NM|NA||140\rNTE|1||hemolysed\rOBX|2|NM|K||4.1\r",
    /// )?;
    /// let id = |text: &str| SegmentId::from_slice(text.as_bytes()).unwrap();
    /// let (test, value) = (Path::parse("OBR-4")?, Path::parse("OBX-5")?);
    /// let orders: Vec<(String, usize)> = msg
    ///     .groups(id("OBR"), [id("NTE"), id("OBX")])
    ///     .map(|order| (order[test].to_string(), order.segments_named(id("OBX")).count()))
    ///     .collect();
    /// assert_eq!(orders, [("GLU".to_string(), 1), ("LYTES".to_string(), 2)]);
    /// let second_order = msg.groups(id("OBR"), [id("NTE"), id("OBX")]).nth(1).unwrap();
    /// assert_eq!(&second_order[Path::parse("OBX[2]-5")?], "4.1"); // the group's second OBX
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn groups<S: IntoSegmentId>(
        &self,
        start: impl IntoSegmentId,
        members: impl IntoIterator<Item = S>,
    ) -> Groups<'_> {
        let members: Vec<SegmentId> = members.into_iter().map(|m| m.into_segment_id()).collect();
        Groups {
            msg: self,
            ranges: self
                .group_ranges(start.into_segment_id(), &members)
                .into_iter(),
        }
    }

    /// Edits inside each group [`Message::groups`] finds, in order: `edit` gets each one as a
    /// [`GroupMut`], where paths count from the group's start. So "in each order, each result
    /// of a glucose test is in mmol/L" reads as it is said:
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, Path, SegmentId};
    /// let mut msg = Message::parse(
    ///     "MSH|^~\\&|LAB||EHR||20240101||ORU^R01|1|P|2.5.1\r\
    ///      OBR|1||A|GLU\rOBX|1|NM|GLU||5.5|mg/dL\rOBX|2|NM|GLU||6.1|mg/dL\r\
    ///      OBR|2||B|NA\rOBX|1|NM|NA||140|mg/dL\r",
    /// )?;
    /// let id = |text: &str| SegmentId::from_slice(text.as_bytes()).unwrap();
    /// let (test, units) = (Path::parse("OBR-4")?, Path::parse("OBX-6")?);
    /// msg.for_each_group(id("OBR"), [id("NTE"), id("OBX")], |order| {
    ///     if order[test] == "GLU" {
    ///         order.update_every(units, |_| "mmol/L")?;
    ///         order.insert_segment_after(id("OBX"), "NTE|1||converted")?;
    ///     }
    ///     Ok(())
    /// })?;
    /// assert_eq!(msg.every(units).iter().map(|u| msg[u].to_string()).collect::<Vec<_>>(),
    ///            ["mmol/L", "mmol/L", "mg/dL"]);
    /// assert_eq!(msg.segment(4).unwrap().raw(), b"NTE|1||converted");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// Segments `edit` inserts or removes inside its group move the groups after it, which
    /// are still each found where they now stand.
    ///
    /// # Errors
    ///
    /// The first error `edit` returns; the message is then as it was before the call.
    pub fn for_each_group<S: IntoSegmentId>(
        &mut self,
        start: impl IntoSegmentId,
        members: impl IntoIterator<Item = S>,
        mut edit: impl FnMut(&mut GroupMut<'_>) -> Result<(), EditError>,
    ) -> Result<(), EditError> {
        let members: Vec<SegmentId> = members.into_iter().map(|m| m.into_segment_id()).collect();
        let ranges = self.group_ranges(start.into_segment_id(), &members);
        self.all_or_nothing(|msg| {
            // The segments the groups edited so far added and removed, all before this group.
            let (mut added, mut removed) = (0, 0);
            for range in ranges {
                let positions = range.start + added - removed..range.end + added - removed;
                let before = positions.len();
                let mut group = GroupMut { msg, positions };
                edit(&mut group)?;
                let after = group.positions.len();
                added += after.saturating_sub(before);
                removed += before.saturating_sub(after);
            }
            Ok(())
        })
    }

    /// The positions of each group that starts at a segment `start` and holds the segments of
    /// the `members` IDs right after it.
    fn group_ranges(&self, start: SegmentId, members: &[SegmentId]) -> Vec<Range<usize>> {
        let segments = &self.index.segments;
        let mut groups = Vec::new();
        let mut at = 0;
        while at < segments.len() {
            if segments[at].id != start {
                at += 1;
                continue;
            }
            let first = at;
            at += 1;
            while at < segments.len()
                && segments[at].id != start
                && members.contains(&segments[at].id)
            {
                at += 1;
            }
            groups.push(first..at);
        }
        groups
    }
}
