//! The memory an inbound's frames take while they arrive, bounded for the listener as a whole.
//!
//! Each connection keeps the first [`OWN_ALLOWANCE`] bytes of a frame on its own; beyond that
//! a frame draws on the inbound's `max_frame_memory`. A frame that finds no room is no longer
//! kept: the rest of it is skipped and it is answered like an oversize frame, while the
//! connection stays usable. So many slow large frames hold at most
//! `max_connections × OWN_ALLOWANCE + max_frame_memory` bytes, not `max_connections × max_frame`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::BytesMut;
use tokio_util::codec::Decoder;

use super::admission::Presence;
use crate::mllp::{Frame, MllpCodec, MllpError};

/// Bytes of a frame a connection keeps without drawing on the shared budget: more than most
/// HL7 messages, so ordinary traffic never competes for it.
pub(crate) const OWN_ALLOWANCE: usize = 64 * 1024;

/// The shared budget of one inbound.
#[derive(Debug)]
pub(crate) struct FrameBudget {
    limit: usize,
    used: AtomicUsize,
}

impl FrameBudget {
    /// A budget of `limit` bytes.
    pub fn new(limit: usize) -> FrameBudget {
        FrameBudget {
            limit,
            used: AtomicUsize::new(0),
        }
    }

    /// Takes `n` bytes if they are free.
    fn take(&self, n: usize) -> bool {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(n).filter(|total| *total <= self.limit)
            })
            .is_ok()
    }

    fn give(&self, n: usize) {
        self.used.fetch_sub(n, Ordering::AcqRel);
    }

    /// Bytes taken now.
    #[cfg(test)]
    fn used(&self) -> usize {
        self.used.load(Ordering::Acquire)
    }
}

/// The MLLP decoder of an inbound connection: it holds its partial frame within the budget and
/// tells the listener when a frame is arriving.
pub(crate) struct InboundCodec {
    codec: MllpCodec,
    budget: Arc<FrameBudget>,
    /// Bytes this connection has taken from the budget.
    held: usize,
    presence: Arc<Presence>,
    /// The frame being skipped was refused for want of memory, not for its size.
    refused_for_memory: bool,
}

impl InboundCodec {
    /// A decoder for frames up to `max_frame` bytes, drawing on `budget`.
    pub fn new(
        max_frame: usize,
        budget: Arc<FrameBudget>,
        presence: Arc<Presence>,
    ) -> InboundCodec {
        InboundCodec {
            codec: MllpCodec::new(max_frame),
            budget,
            held: 0,
            presence,
            refused_for_memory: false,
        }
    }

    /// The MLLP codec inside.
    pub fn mllp(&self) -> &MllpCodec {
        &self.codec
    }

    /// Whether the last oversize frame was refused for want of memory; asking clears it.
    pub fn take_refused_for_memory(&mut self) -> bool {
        std::mem::take(&mut self.refused_for_memory)
    }

    /// Brings the budget taken in line with the partial frame now buffered.
    fn account(&mut self, buf: &mut BytesMut) {
        let wanted = if self.codec.keeping_frame() {
            buf.len().saturating_sub(OWN_ALLOWANCE)
        } else {
            0
        };
        if wanted > self.held && !self.budget.take(wanted - self.held) {
            self.codec.abandon_frame(buf);
            self.refused_for_memory = true;
            self.release();
        } else if wanted < self.held {
            self.budget.give(self.held - wanted);
            self.held = wanted;
        } else {
            self.held = wanted;
        }
        self.presence
            .set_mid_frame(self.codec.frame_started().is_some());
    }

    fn release(&mut self) {
        self.budget.give(self.held);
        self.held = 0;
    }
}

impl Decoder for InboundCodec {
    type Item = Frame;
    type Error = MllpError;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, MllpError> {
        let frame = self.codec.decode(buf);
        self.account(buf);
        frame
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, MllpError> {
        let frame = self.codec.decode_eof(buf);
        self.account(buf);
        frame
    }
}

impl Drop for InboundCodec {
    fn drop(&mut self) {
        self.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::InboundSettings;
    use crate::engine::intake::admission::Door;
    use crate::interface::MllpListen;

    fn codec(budget: &Arc<FrameBudget>) -> InboundCodec {
        let door = Arc::new(Door::new(&InboundSettings::from(&MllpListen::DEFAULT)));
        let ticket = door.admit("127.0.0.1".parse().unwrap()).unwrap();
        InboundCodec::new(1 << 20, Arc::clone(budget), ticket.presence())
    }

    fn feed(c: &mut InboundCodec, buf: &mut BytesMut, bytes: &[u8]) -> Option<Frame> {
        buf.extend_from_slice(bytes);
        c.decode(buf).unwrap()
    }

    #[test]
    fn frames_past_the_allowance_share_the_budget() {
        let budget = Arc::new(FrameBudget::new(100_000));
        let (mut a, mut b) = (codec(&budget), codec(&budget));
        let (mut abuf, mut bbuf) = (BytesMut::new(), BytesMut::new());
        let big = vec![b'x'; OWN_ALLOWANCE + 60_000];
        assert_eq!(feed(&mut a, &mut abuf, b"\x0b"), None);
        assert_eq!(feed(&mut a, &mut abuf, &big), None);
        assert_eq!(budget.used(), 60_001);
        // The second large frame does not fit: it is skipped, its memory given back.
        assert_eq!(feed(&mut b, &mut bbuf, b"\x0b"), None);
        assert_eq!(feed(&mut b, &mut bbuf, &big), None);
        assert!(bbuf.is_empty());
        assert_eq!(budget.used(), 60_001);
        let refused = feed(&mut b, &mut bbuf, b"\x1c\r").unwrap();
        assert!(matches!(refused, Frame::Oversize { .. }));
        assert!(b.take_refused_for_memory());
        // Small frames never need the budget, and the connection goes on.
        assert_eq!(
            feed(&mut b, &mut bbuf, b"\x0bsmall\x1c\r"),
            Some(Frame::Message(BytesMut::from(&b"small"[..])))
        );
        // The first frame completes and gives its share back.
        assert!(matches!(
            feed(&mut a, &mut abuf, b"\x1c\r"),
            Some(Frame::Message(_))
        ));
        assert_eq!(budget.used(), 0);
        assert!(!a.take_refused_for_memory());
    }

    #[test]
    fn a_connection_that_ends_gives_its_share_back() {
        let budget = Arc::new(FrameBudget::new(1 << 20));
        let mut a = codec(&budget);
        let mut buf = BytesMut::new();
        feed(&mut a, &mut buf, b"\x0b");
        feed(&mut a, &mut buf, &vec![b'x'; OWN_ALLOWANCE * 2]);
        assert!(budget.used() > 0);
        drop(a);
        assert_eq!(budget.used(), 0);
    }
}
