//! Removing segments by what they are ([`Message::retain_segments`],
//! [`Message::remove_segments`]) and inserting one after another by its ID
//! ([`Message::insert_segment_after`]), with no positions to keep track of.

use std::ops::Range;

use crate::error::EditError;
use crate::message::{IntoSegmentId, Message, Segment, SegmentsNamed};
use crate::path::SegmentId;

impl Message {
    /// Keeps the segments for which `keep` is true and removes the others, in one edit: no
    /// positions to collect, nothing shifts under the caller. MSH always stays (`keep` is not
    /// asked about it). The segments kept keep their bytes, and the message its ending.
    /// Segments of a message always make a message, so this returns an error only where every
    /// edit could, which removing cannot bring about; it returns a `Result` as every edit does.
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, Path};
    /// let mut msg = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.5\rOBX|1|ST|A||x\rZOB|1\rNTE|1||\rOBX|2|ST|B||y\r")?;
    /// let comment = Path::parse("NTE-3")?;
    /// // Drop site segments and empty notes.
    /// msg.retain_segments(|seg| !seg.id().is_z_segment() && !(seg.id().as_str() == "NTE" && seg[comment].is_empty()))?;
    /// assert_eq!(msg.as_bytes(), b"MSH|^~\\&|||||||ORU^R01|1|P|2.5\rOBX|1|ST|A||x\rOBX|2|ST|B||y\r");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn retain_segments(
        &mut self,
        mut keep: impl FnMut(&Segment<'_>) -> bool,
    ) -> Result<(), EditError> {
        let kept: Vec<bool> = self
            .segments()
            .map(|seg| seg.position() == 0 || keep(&seg))
            .collect();
        if kept.iter().all(|&k| k) {
            return Ok(());
        }
        let terminated = self.bytes.last() == Some(&b'\r');
        let mut out = Vec::with_capacity(self.bytes.len());
        for (entry, _) in self.index.segments.iter().zip(&kept).filter(|(_, k)| **k) {
            if !out.is_empty() {
                out.push(b'\r');
            }
            out.extend_from_slice(&self.bytes[entry.start as usize..entry.end as usize]);
        }
        if terminated {
            out.push(b'\r');
        }
        self.commit(out, self.delims)
    }

    /// Removes every segment `id`: `remove_segments(segment!("ZPI"))`. Removing none is not an
    /// error. [`Message::retain_segments`] removes by any other rule.
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, SegmentId};
    /// let mut msg = Message::parse("MSH|^~\\&|||||||ADT^A08|1|P|2.5\rPID|1\rZPI|1\rPV1|1\rZPI|2\r")?;
    /// msg.remove_segments(SegmentId::from_slice(b"ZPI").unwrap())?;
    /// assert_eq!(msg.as_bytes(), b"MSH|^~\\&|||||||ADT^A08|1|P|2.5\rPID|1\rPV1|1\r");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`EditError::HeaderPosition`] for MSH, which must stay; nothing is removed then.
    pub fn remove_segments(&mut self, id: impl IntoSegmentId) -> Result<(), EditError> {
        let id = id.into_segment_id();
        if id == SegmentId::MSH {
            return Err(EditError::HeaderPosition);
        }
        self.retain_segments(|seg| seg.id() != id)
    }

    /// Inserts a segment, given as ER7 text as for [`Message::insert_segment`], right after the
    /// last segment `after`: after a PID, or after the last OBX so that a new OBX is the last
    /// result. To insert after another occurrence, use its [`Segment::position`] with
    /// `insert_segment`.
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, SegmentId};
    /// let mut msg = Message::parse("MSH|^~\\&|||||||ADT^A08|1|P|2.5\rPID|1\rPV1|1\r")?;
    /// msg.insert_segment_after(SegmentId::from_slice(b"PID").unwrap(), "PD1|||GENHOSP")?;
    /// assert_eq!(msg.as_bytes(), b"MSH|^~\\&|||||||ADT^A08|1|P|2.5\rPID|1\rPD1|||GENHOSP\rPV1|1\r");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`EditError::NoSuchSegment`] when the message has no segment `after`; those of
    /// [`Message::insert_segment`].
    pub fn insert_segment_after(
        &mut self,
        after: impl IntoSegmentId,
        er7: &str,
    ) -> Result<(), EditError> {
        self.insert_after_last_in(0..self.segment_count(), after.into_segment_id(), er7)
    }

    /// [`Message::insert_segment_after`] the last segment `after` among those at `positions`.
    pub(crate) fn insert_after_last_in(
        &mut self,
        positions: Range<usize>,
        after: SegmentId,
        er7: &str,
    ) -> Result<(), EditError> {
        let last = SegmentsNamed::new(self, after, positions).last();
        match last {
            Some(seg) => self.insert_segment(seg.position() + 1, er7),
            None => Err(EditError::NoSuchSegment {
                path: after.to_string(),
            }),
        }
    }
}
