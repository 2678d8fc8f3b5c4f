//! The answer to a batch frame: one acknowledgment batch, shaped like the batch it answers.
//!
//! HL7 v2 (chapter 2, "acknowledging batches") lets a receiver answer a batch with a batch of
//! ACK messages whose BHS-12 (reference batch control ID) names the BHS-11 of the batch
//! answered, and allows that batch to hold the ACKs of every message or only of those in
//! error. The engine writes the ACK of every message it answers, so that a sender can match
//! each one by MSA-2 without relying on what an absent ACK means:
//!
//! - the answer has an FHS when the frame had one (FHS-12 naming its FHS-11), and one BHS … BTS
//!   for each batch of the frame (BHS-12 naming its BHS-11), with BTS-1 / FTS-1 counted;
//! - the header's sending and receiving application and facility are those of the header
//!   answered, swapped, as an ACK's MSH swaps them;
//! - messages with no ACK (the sender asked for none, or they are themselves ACKs) are left out;
//!   a frame none of whose messages gets an ACK gets no answer at all;
//! - messages sent one after another with no envelope are answered with their ACKs one after
//!   another, with no envelope either.

use messagefoundry_hl7::batch::{Batch, BatchBuilder, Header, HeaderFields};
use messagefoundry_hl7::{hl7_timestamp, new_control_id};

use super::acks::Answer;

/// What the answer's envelope copies from the frame's.
pub(super) struct Envelope {
    /// The answer's FHS, when the frame had an FHS.
    file: Option<HeaderFields>,
    /// For each batch of the frame: the answer's BHS (`None` when the frame had no envelope at
    /// all) and how many messages it held.
    batches: Vec<(Option<HeaderFields>, usize)>,
}

impl Envelope {
    /// The envelope answering `split`.
    pub fn of(split: &Batch<'_>) -> Envelope {
        let enveloped = split.file_header().is_some()
            || split.file_trailer().is_some()
            || split
                .groups()
                .iter()
                .any(|g| g.header().is_some() || g.trailer().is_some());
        Envelope {
            file: split.file_header().map(answering).or_else(|| {
                split
                    .file_trailer()
                    .map(|_| HeaderFields::new().control_id(new_control_id()))
            }),
            batches: split
                .groups()
                .iter()
                .map(|g| {
                    let header = match g.header() {
                        Some(h) => Some(answering(h)),
                        None => enveloped.then(|| fresh(HeaderFields::new())),
                    };
                    (header, g.messages().len())
                })
                .collect(),
        }
    }

    /// The envelope answering a frame that could not be split: one batch, enveloped when the
    /// frame starts like a batch.
    pub fn unreadable(raw: &[u8]) -> Envelope {
        let start = raw
            .iter()
            .position(|b| !b.is_ascii_whitespace() && !matches!(b, 0x0B | 0x1C | 0x00))
            .unwrap_or(raw.len());
        let rest = &raw[start..];
        let enveloped = rest.starts_with(b"BHS") || rest.starts_with(b"FHS");
        Envelope {
            file: rest.starts_with(b"FHS").then(|| fresh(HeaderFields::new())),
            batches: vec![(enveloped.then(|| fresh(HeaderFields::new())), 1)],
        }
    }

    /// The answer holding `answers`, one per message of the frame in order.
    pub fn answer(&self, answers: Vec<Answer>) -> Answer {
        let mut answers = answers.into_iter();
        let mut builder = BatchBuilder::new();
        let mut plain = Vec::new();
        let mut any = false;
        for (header, count) in &self.batches {
            let acks: Vec<Vec<u8>> = answers
                .by_ref()
                .take(*count)
                .filter_map(|a| match a {
                    Answer::Ack(bytes) => Some(bytes),
                    Answer::Nothing => None,
                })
                .collect();
            any |= !acks.is_empty();
            plain.extend(acks.iter().flat_map(|a| terminated(a.clone())));
            if let Some(header) = header {
                builder = builder.batch_of_bytes(header.clone(), acks);
            }
        }
        if !any {
            return Answer::Nothing;
        }
        if self.batches.iter().all(|(h, _)| h.is_none()) && self.file.is_none() {
            return Answer::Ack(plain);
        }
        if let Some(file) = &self.file {
            builder = builder.file(file.clone());
        }
        match builder.build() {
            Ok(bytes) => Answer::Ack(bytes),
            // Only bad delimiters or header fields fail, and these come from a header that
            // was read: fall back to the ACKs alone rather than leave the sender unanswered.
            Err(_) => Answer::Ack(plain),
        }
    }
}

/// An ACK's bytes ending with a segment terminator, to be followed by the next.
fn terminated(mut bytes: Vec<u8>) -> Vec<u8> {
    if !bytes.ends_with(b"\r") {
        bytes.push(b'\r');
    }
    bytes
}

/// The header answering `header`: its applications and facilities swapped, its control ID as
/// the reference.
fn answering(header: &Header<'_>) -> HeaderFields {
    let text = |n: u16| header.field(n).text().into_owned();
    fresh(
        HeaderFields::new()
            .sending_application(text(5))
            .sending_facility(text(6))
            .receiving_application(text(3))
            .receiving_facility(text(4))
            .reference_control_id(text(11)),
    )
}

/// `fields` with the time of creation and a control ID of its own.
fn fresh(fields: HeaderFields) -> HeaderFields {
    fields
        .created(hl7_timestamp(std::time::SystemTime::now()))
        .control_id(new_control_id())
}
