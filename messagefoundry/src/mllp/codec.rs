//! The MLLP frame codec: `0x0B <message> 0x1C 0x0D`.
//!
//! A tokio-util [`Decoder`]/[`Encoder`] in the manner of `LinesCodec`: scanning resumes where
//! the last call stopped, the size cap is enforced while scanning (an oversize frame is skipped,
//! never buffered whole), and the tail is checked at end of input.

use bytes::{Buf, BufMut, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

/// Start block: the byte that opens a frame.
pub const START_BLOCK: u8 = 0x0B;
/// End block: the byte that closes a frame, followed by [`CARRIAGE_RETURN`].
pub const END_BLOCK: u8 = 0x1C;
/// The carriage return after the end block.
pub const CARRIAGE_RETURN: u8 = 0x0D;

/// The default cap on one frame's content: 16 MiB.
pub const DEFAULT_MAX_FRAME: usize = 16 * 1024 * 1024;

/// A read buffer larger than this is given back, not reused, once its bytes are dropped, so a
/// large frame that was refused or skipped does not pin its memory for the connection's life.
const KEEP_CAPACITY: usize = 64 * 1024;
/// The capacity of a read buffer that replaces one given back.
const FRESH_CAPACITY: usize = 8 * 1024;

/// What the decoder yields.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// A complete frame's content, without the framing bytes.
    Message(BytesMut),
    /// A frame larger than the cap ended; its content was discarded while it arrived. The
    /// peer should get a negative acknowledgment; the connection goes on.
    Oversize {
        /// How many content bytes the frame had.
        len: usize,
    },
}

/// Errors of the codec.
#[derive(Debug, thiserror::Error)]
pub enum MllpError {
    /// The input ended inside a frame: the partial frame is dropped, never taken as a message.
    #[error("connection closed inside an MLLP frame ({len} bytes received without an end block)")]
    TruncatedFrame {
        /// How many content bytes had arrived.
        len: usize,
    },
    /// The underlying connection failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Where the decoder is between calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Looking for a start block; anything before it is discarded.
    Seeking,
    /// Inside a frame whose content starts at buffer offset 1 (after the start block).
    InFrame,
    /// Inside a frame that passed the cap; `len` bytes of content seen so far were dropped.
    Skipping { len: usize },
}

/// The MLLP codec. One per connection.
#[derive(Debug)]
pub struct MllpCodec {
    max_frame: usize,
    state: State,
    /// Offset in the buffer from which to resume looking for the end block, so a frame that
    /// arrives in many reads is scanned once.
    next_index: usize,
    /// Bytes seen outside any frame, for the connection's log line.
    discarded: u64,
    /// When the frame being read began, for the frame timeout.
    started: Option<std::time::Instant>,
}

impl Default for MllpCodec {
    fn default() -> Self {
        MllpCodec::new(DEFAULT_MAX_FRAME)
    }
}

impl MllpCodec {
    /// A codec that accepts frames of up to `max_frame` content bytes.
    pub fn new(max_frame: usize) -> MllpCodec {
        MllpCodec {
            max_frame,
            state: State::Seeking,
            next_index: 0,
            discarded: 0,
            started: None,
        }
    }

    /// When the frame now being read began (its start block arrived); `None` between frames.
    pub fn frame_started(&self) -> Option<std::time::Instant> {
        self.started
    }

    /// How many bytes arrived outside frames (before a start block, or an abandoned partial
    /// frame that a new start block replaced) since the codec was made.
    #[cfg(any(test, feature = "test-support"))]
    pub fn discarded_bytes(&self) -> u64 {
        self.discarded
    }

    /// Whether a frame's bytes are being kept as they arrive (a frame has begun and is not
    /// being skipped).
    pub fn keeping_frame(&self) -> bool {
        self.state == State::InFrame
    }

    /// Stops keeping the frame being read, to bound memory: what arrived of it is dropped, the
    /// rest is skipped as it arrives, and it ends as [`Frame::Oversize`]. Between frames, or
    /// while a frame is already skipped, nothing changes.
    pub fn abandon_frame(&mut self, buf: &mut BytesMut) {
        if self.state != State::InFrame {
            return;
        }
        // In a kept frame the buffer holds that frame only: its start block, then content.
        let len = buf.len().saturating_sub(1);
        release(buf);
        self.state = State::Skipping { len };
        self.next_index = 0;
    }

    fn discard(&mut self, buf: &mut BytesMut, n: usize) {
        buf.advance(n);
        self.discarded += n as u64;
    }

    /// Drops everything before the next start block; true when one was found (it is then at
    /// offset 0).
    fn seek_start(&mut self, buf: &mut BytesMut) -> bool {
        match memchr::memchr(START_BLOCK, buf) {
            Some(at) => {
                self.discard(buf, at);
                self.state = State::InFrame;
                self.next_index = 1;
                self.started = Some(std::time::Instant::now());
                true
            }
            None => {
                let n = buf.len();
                self.discard(buf, n);
                false
            }
        }
    }
}

impl Decoder for MllpCodec {
    type Item = Frame;
    type Error = MllpError;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, MllpError> {
        loop {
            match self.state {
                State::Seeking => {
                    if !self.seek_start(buf) {
                        return Ok(None);
                    }
                }
                State::InFrame => {
                    let from = self.next_index;
                    let Some(rel) = memchr::memchr2(END_BLOCK, START_BLOCK, &buf[from..]) else {
                        let len = buf.len() - 1;
                        if len > self.max_frame {
                            release(buf);
                            self.state = State::Skipping { len };
                        } else {
                            self.next_index = buf.len();
                            buf.reserve(1);
                        }
                        return Ok(None);
                    };
                    let at = from + rel;
                    if buf[at] == START_BLOCK {
                        // A new frame began before this one ended: the sender gave up on the
                        // partial frame. Drop it and start over, never merging the two.
                        self.discard(buf, at);
                        self.next_index = 1;
                        continue;
                    }
                    // The end block must be followed by a carriage return; wait for it.
                    let len = at - 1;
                    let Some(&after) = buf.get(at + 1) else {
                        if len > self.max_frame {
                            // Keep only the end block while waiting, as when skipping.
                            buf.advance(at);
                            self.state = State::Skipping { len };
                        } else {
                            self.next_index = at;
                        }
                        return Ok(None);
                    };
                    if len > self.max_frame {
                        buf.advance(at + 1 + usize::from(after == CARRIAGE_RETURN));
                        self.state = State::Seeking;
                        self.started = None;
                        return Ok(Some(Frame::Oversize { len }));
                    }
                    let mut frame = buf.split_to(at + 1 + usize::from(after == CARRIAGE_RETURN));
                    frame.advance(1);
                    frame.truncate(len);
                    self.state = State::Seeking;
                    self.started = None;
                    self.next_index = 0;
                    return Ok(Some(Frame::Message(frame)));
                }
                State::Skipping { len } => {
                    // Keep the last byte in case it is an end block whose carriage return is in
                    // the next read.
                    match memchr::memchr2(END_BLOCK, START_BLOCK, buf) {
                        Some(at) if buf[at] == START_BLOCK => {
                            // As within the cap: a new frame replaces the partial one (its start
                            // block, the `len` bytes dropped so far and these `at`).
                            self.discarded += (1 + len + at) as u64;
                            buf.advance(at);
                            self.state = State::InFrame;
                            self.next_index = 1;
                        }
                        Some(at) => {
                            let Some(&after) = buf.get(at + 1) else {
                                buf.advance(at);
                                self.state = State::Skipping { len: len + at };
                                return Ok(None);
                            };
                            buf.advance(at + 1 + usize::from(after == CARRIAGE_RETURN));
                            self.state = State::Seeking;
                            self.started = None;
                            return Ok(Some(Frame::Oversize { len: len + at }));
                        }
                        None => {
                            let n = buf.len();
                            buf.advance(n);
                            self.state = State::Skipping { len: len + n };
                            return Ok(None);
                        }
                    }
                }
            }
        }
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, MllpError> {
        if let Some(frame) = self.decode(buf)? {
            return Ok(Some(frame));
        }
        let len = match self.state {
            State::Seeking => return Ok(None),
            State::InFrame => buf.len().saturating_sub(1),
            State::Skipping { len } => len + buf.len(),
        };
        buf.clear();
        self.state = State::Seeking;
        self.started = None;
        self.next_index = 0;
        Err(MllpError::TruncatedFrame { len })
    }
}

/// Drops every buffered byte, giving a large allocation back.
fn release(buf: &mut BytesMut) {
    if buf.capacity() > KEEP_CAPACITY {
        *buf = BytesMut::with_capacity(FRESH_CAPACITY);
    } else {
        buf.clear();
    }
}

impl Encoder<&[u8]> for MllpCodec {
    type Error = MllpError;

    fn encode(&mut self, message: &[u8], dst: &mut BytesMut) -> Result<(), MllpError> {
        dst.reserve(message.len() + 3);
        dst.put_u8(START_BLOCK);
        dst.extend_from_slice(message);
        dst.put_u8(END_BLOCK);
        dst.put_u8(CARRIAGE_RETURN);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(codec: &mut MllpCodec, chunks: &[&[u8]]) -> Vec<Frame> {
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for chunk in chunks {
            buf.extend_from_slice(chunk);
            while let Some(f) = codec.decode(&mut buf).unwrap() {
                out.push(f);
            }
        }
        out
    }

    fn msg(s: &[u8]) -> Frame {
        Frame::Message(BytesMut::from(s))
    }

    #[test]
    fn back_to_back_frames_in_one_read() {
        let frames = decode_all(&mut MllpCodec::default(), &[b"\x0bA\r\x1c\r\x0bB\x1c\r"]);
        assert_eq!(frames, vec![msg(b"A\r"), msg(b"B")]);
    }

    #[test]
    fn frame_split_over_every_byte() {
        let input = b"junk\x0bMSH|A\rPID|1\r\x1c\r";
        let chunks: Vec<&[u8]> = input.chunks(1).collect();
        let mut codec = MllpCodec::default();
        assert_eq!(
            decode_all(&mut codec, &chunks),
            vec![msg(b"MSH|A\rPID|1\r")]
        );
        assert_eq!(codec.discarded_bytes(), 4);
    }

    #[test]
    fn oversize_is_skipped_and_the_next_frame_works() {
        let mut codec = MllpCodec::new(4);
        let frames = decode_all(
            &mut codec,
            &[b"\x0b12345", b"6789", b"\x1c", b"\r\x0bok\x1c\r"],
        );
        assert_eq!(frames, vec![Frame::Oversize { len: 9 }, msg(b"ok")]);
    }

    #[test]
    fn oversize_never_buffers_the_whole_frame() {
        let mut codec = MllpCodec::new(10);
        let mut buf = BytesMut::new();
        buf.extend_from_slice(b"\x0b");
        for _ in 0..100 {
            buf.extend_from_slice(&[b'x'; 100]);
            assert!(codec.decode(&mut buf).unwrap().is_none());
            assert!(buf.len() <= 101, "buffer grew to {}", buf.len());
        }
        buf.extend_from_slice(b"\x1c\r");
        assert_eq!(
            codec.decode(&mut buf).unwrap(),
            Some(Frame::Oversize { len: 10_000 })
        );
    }

    #[test]
    fn an_abandoned_frame_ends_as_oversize_and_gives_its_memory_back() {
        let mut codec = MllpCodec::new(1 << 20);
        let mut buf = BytesMut::new();
        buf.extend_from_slice(b"\x0b");
        buf.extend_from_slice(&[b'x'; 200_000]);
        assert!(codec.decode(&mut buf).unwrap().is_none());
        assert!(codec.keeping_frame());
        codec.abandon_frame(&mut buf);
        assert!(!codec.keeping_frame());
        assert!(buf.is_empty() && buf.capacity() <= KEEP_CAPACITY);
        buf.extend_from_slice(b"yyy\x1c\r\x0bok\x1c\r");
        assert_eq!(
            codec.decode(&mut buf).unwrap(),
            Some(Frame::Oversize { len: 200_003 })
        );
        assert_eq!(codec.decode(&mut buf).unwrap(), Some(msg(b"ok")));
        // Between frames there is nothing to abandon.
        codec.abandon_frame(&mut buf);
        assert!(codec.frame_started().is_none());
    }

    #[test]
    fn oversize_frame_waiting_for_its_carriage_return_is_not_buffered() {
        let mut codec = MllpCodec::new(10);
        let mut buf = BytesMut::from(&b"\x0b"[..]);
        buf.extend_from_slice(&[b'x'; 100]);
        buf.extend_from_slice(b"\x1c");
        assert!(codec.decode(&mut buf).unwrap().is_none());
        assert!(buf.len() <= 12, "buffer holds {} bytes", buf.len());
        buf.extend_from_slice(b"\r\x0bok\x1c\r");
        assert_eq!(
            codec.decode(&mut buf).unwrap(),
            Some(Frame::Oversize { len: 100 })
        );
        assert_eq!(codec.decode(&mut buf).unwrap(), Some(msg(b"ok")));
    }

    #[test]
    fn partial_frame_at_eof_is_an_error() {
        let mut codec = MllpCodec::default();
        let mut buf = BytesMut::from(&b"\x0bMSH|partial"[..]);
        assert!(codec.decode(&mut buf).unwrap().is_none());
        assert!(matches!(
            codec.decode_eof(&mut buf),
            Err(MllpError::TruncatedFrame { len: 11 })
        ));
        let mut buf = BytesMut::from(&b"garbage only"[..]);
        assert!(MllpCodec::default().decode_eof(&mut buf).unwrap().is_none());
    }

    #[test]
    fn restarted_frame_replaces_the_partial_one() {
        let frames = decode_all(&mut MllpCodec::default(), &[b"\x0bhalf\x0bwhole\x1c\r"]);
        assert_eq!(frames, vec![msg(b"whole")]);
    }

    #[test]
    fn restarted_frame_replaces_an_oversize_partial_one() {
        // Whether the partial frame passed the cap before the new start block arrived (cut
        // reads) or not (one read), the new frame replaces it.
        let input: &[u8] = b"\x0b123456\x0bok\x1c\r";
        let mut whole = MllpCodec::new(4);
        assert_eq!(decode_all(&mut whole, &[input]), vec![msg(b"ok")]);
        let mut cut = MllpCodec::new(4);
        assert_eq!(
            decode_all(&mut cut, &[&input[..7], &input[7..]]),
            vec![msg(b"ok")]
        );
        assert_eq!(whole.discarded_bytes(), 7);
        assert_eq!(cut.discarded_bytes(), 7);
    }

    #[test]
    fn end_block_waits_for_its_carriage_return() {
        let mut codec = MllpCodec::default();
        let mut buf = BytesMut::from(&b"\x0babc\x1c"[..]);
        assert!(codec.decode(&mut buf).unwrap().is_none());
        buf.extend_from_slice(b"\r");
        assert_eq!(codec.decode(&mut buf).unwrap(), Some(msg(b"abc")));
        assert!(buf.is_empty());
    }

    #[test]
    fn encodes() {
        let mut out = BytesMut::new();
        MllpCodec::default()
            .encode(&b"MSH|x"[..], &mut out)
            .unwrap();
        assert_eq!(&out[..], b"\x0bMSH|x\x1c\r");
    }
}
