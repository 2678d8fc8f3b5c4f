//! The MLLP decoder gives the same result however the stream is cut into reads: the input is
//! decoded whole, then again in fuzzer-chosen pieces, and the frames, oversize reports, end
//! of input error and discarded byte count must match. Neither may panic, no frame is over the
//! cap, and between reads the decoder holds at most a capped frame and its end block.
//!
//! Input layout: bytes 0–1 the frame cap (u16, little-endian, so small caps and oversize
//! frames are common), byte 2 the number of cuts (mod 16), then one byte per cut giving the
//! length of each read; the rest is the stream, whatever the cuts leave is the last read.

#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use messagefoundry::mllp::{Frame, MllpCodec, MllpError};
use tokio_util::codec::{Decoder, Encoder};

/// What a connection sees from the decoder.
#[derive(Debug, PartialEq, Eq)]
enum Event {
    Message(Vec<u8>),
    Oversize(usize),
    Truncated(usize),
}

fuzz_target!(|data: &[u8]| {
    let Some((&[cap_lo, cap_hi, cuts], rest)) = data.split_first_chunk::<3>() else {
        return;
    };
    let max = usize::from(u16::from_le_bytes([cap_lo, cap_hi]));
    let cuts = usize::from(cuts % 16).min(rest.len());
    let (lengths, stream) = rest.split_at(cuts);

    let (whole, whole_discarded) = decode(max, [stream]);
    let mut reads = Vec::with_capacity(lengths.len() + 1);
    let mut left = stream;
    for &n in lengths {
        let (read, after) = left.split_at(usize::from(n).min(left.len()));
        reads.push(read);
        left = after;
    }
    reads.push(left);
    let (pieces, pieces_discarded) = decode(max, reads);
    assert_eq!(whole, pieces, "the frames depend on how the input was cut");
    assert_eq!(whole_discarded, pieces_discarded, "discarded bytes differ");

    // A decoded message, framed again, decodes to itself.
    for event in &whole {
        if let Event::Message(content) = event {
            let mut framed = BytesMut::new();
            MllpCodec::new(max)
                .encode(content.as_slice(), &mut framed)
                .expect("encoding never fails");
            let (again, _) = decode(max, [&framed[..]]);
            assert_eq!(again, [Event::Message(content.clone())]);
        }
    }
});

/// Feeds the reads to one codec as a connection would (decode after each read, then
/// `decode_eof` at the end until it yields nothing or fails), checking the cap as it goes.
fn decode<'a>(max: usize, reads: impl IntoIterator<Item = &'a [u8]>) -> (Vec<Event>, u64) {
    let mut codec = MllpCodec::new(max);
    let mut buf = BytesMut::new();
    let mut events = Vec::new();
    for read in reads {
        buf.extend_from_slice(read);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(frame)) => events.push(event(frame, max)),
                Ok(None) => break,
                Err(e) => panic!("decode failed before the end of input: {e}"),
            }
        }
        // Between reads: at most a frame of `max` bytes, its start block and its end block.
        assert!(
            buf.len() <= max + 2,
            "{} bytes buffered with a cap of {max}",
            buf.len()
        );
    }
    loop {
        match codec.decode_eof(&mut buf) {
            Ok(Some(frame)) => events.push(event(frame, max)),
            Ok(None) => break,
            Err(MllpError::TruncatedFrame { len }) => {
                events.push(Event::Truncated(len));
                break;
            }
            Err(e) => panic!("unexpected error at the end of input: {e}"),
        }
    }
    (events, codec.discarded_bytes())
}

fn event(frame: Frame, max: usize) -> Event {
    match frame {
        Frame::Message(content) => {
            assert!(content.len() <= max, "a frame over the cap was delivered");
            Event::Message(content.to_vec())
        }
        Frame::Oversize { len } => {
            assert!(len > max, "an oversize report for a frame within the cap");
            Event::Oversize(len)
        }
    }
}
