//! Which acknowledgment an inbound sends, and when: by its ACK mode and the message's MSH-15
//! and MSH-16, decided in one place ([`AckPlan`]).

use messagefoundry_hl7::{Message, ParseError, ParseErrorKind, ack};

use crate::interface::{AckMode, Disposition};

/// What the connection answers a frame with.
pub(crate) enum Answer {
    /// These bytes (an ER7 ACK).
    Ack(Vec<u8>),
    /// Nothing: the inbound sends no ACKs, the sender asked for none, or the message is
    /// itself an acknowledgment.
    Nothing,
}

fn bytes(result: Result<Message, ack::BuildError>) -> Answer {
    match result {
        Ok(ack) => Answer::Ack(ack.into_bytes()),
        // The only build errors are "never ACK an ACK" and a header that cannot be echoed:
        // in both cases silence is the right answer.
        Err(_) => Answer::Nothing,
    }
}

/// Which acknowledgments a stored message gets, decided once from the inbound's ACK mode and
/// the message's MSH-15 and MSH-16. Every answer to a message that parsed is built from it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct AckPlan {
    /// The inbound's mode.
    mode: AckMode,
    /// When the answer at storage is sent: AA in original mode, CA (or CE when storing failed)
    /// in enhanced mode as MSH-15 asks; `None` when there is none.
    pub on_stored: Option<ack::Condition>,
    /// When the application acknowledgment (AA, or AE for an ERROR) is sent once the router and
    /// handlers have run: always in after-processing mode, as MSH-16 asks in enhanced mode;
    /// `None` when there is none.
    pub after_processing: Option<ack::Condition>,
}

impl AckPlan {
    /// Decides. In enhanced mode a message with neither MSH-15 nor MSH-16 gets the CA only; an
    /// empty one of the two reads as `AL`, and `NE` means none.
    pub(crate) fn of(mode: AckMode, msg: &Message) -> AckPlan {
        let wanted = |c: ack::Condition| (c != ack::Condition::Never).then_some(c);
        let (on_stored, after_processing) = match mode {
            AckMode::Original => (Some(ack::Condition::Always), None),
            AckMode::AfterProcessing => (None, Some(ack::Condition::Always)),
            AckMode::None => (None, None),
            AckMode::Enhanced => match ack::Requested::of(msg) {
                ack::Requested::Original => (Some(ack::Condition::Always), None),
                ack::Requested::Enhanced {
                    accept,
                    application,
                } => (wanted(accept), wanted(application)),
            },
        };
        AckPlan {
            mode,
            on_stored,
            after_processing,
        }
    }

    /// The answer once the message is stored: AA, CA, or nothing.
    pub(crate) fn stored(&self, msg: &Message) -> Answer {
        let code = match self.mode {
            AckMode::Enhanced => ack::Code::CommitAccept,
            _ => ack::Code::ApplicationAccept,
        };
        match self.on_stored {
            Some(when) if when.wants(true) => bytes(ack::Builder::new(msg, code).build_now()),
            _ => Answer::Nothing,
        }
    }

    /// The answer when the message could not be stored: AR (the answer a sender in original or
    /// after-processing mode waits for), CE in enhanced mode if MSH-15 wants it, nothing in
    /// `none` mode.
    pub(crate) fn store_failed(&self, msg: &Message) -> Answer {
        let code = match self.mode {
            AckMode::None => return Answer::Nothing,
            AckMode::Enhanced if self.on_stored.is_some_and(|c| c.wants(false)) => {
                ack::Code::CommitError
            }
            AckMode::Enhanced => return Answer::Nothing,
            AckMode::Original | AckMode::AfterProcessing => ack::Code::ApplicationReject,
        };
        let error = ack::ErrorEntry::new(ack::ErrorEntry::APPLICATION_INTERNAL_ERROR)
            .with_text("the message could not be stored; send it again later");
        bytes(ack::Builder::new(msg, code).error(error).build_now())
    }

    /// The answers to a stored message that failed validation at intake: `code` (AE, or AR by
    /// the inbound's `invalid_ack`) with an ERR per finding, at once in original and
    /// after-processing modes; in enhanced mode the CA as MSH-15 asks now, and `code` as MSH-16
    /// asks after it.
    pub(crate) fn invalid(
        &self,
        msg: &Message,
        code: ack::Code,
        errors: Vec<ack::ErrorEntry>,
    ) -> (Answer, Answer) {
        let application_error = || bytes(ack::Builder::new(msg, code).errors(errors).build_now());
        match self.mode {
            AckMode::None => (Answer::Nothing, Answer::Nothing),
            AckMode::Enhanced => {
                let later = if self.after_processing.is_some_and(|c| c.wants(false)) {
                    application_error()
                } else {
                    Answer::Nothing
                };
                (self.stored(msg), later)
            }
            AckMode::Original | AckMode::AfterProcessing => (application_error(), Answer::Nothing),
        }
    }

    /// The application acknowledgment once the message was processed, if the plan has one and
    /// its condition holds for this outcome: AA, or AE with the reason for an ERROR.
    pub(crate) fn processed(
        &self,
        msg: &Message,
        disposition: Disposition,
        reason: Option<&str>,
    ) -> Answer {
        let positive = disposition != Disposition::Error;
        if !self.after_processing.is_some_and(|c| c.wants(positive)) {
            return Answer::Nothing;
        }
        let builder = if positive {
            ack::Builder::new(msg, ack::Code::ApplicationAccept)
        } else {
            let mut error = ack::ErrorEntry::new(ack::ErrorEntry::APPLICATION_INTERNAL_ERROR);
            if let Some(reason) = reason {
                error = error.with_text(reason);
            }
            ack::Builder::new(msg, ack::Code::ApplicationError).error(error)
        };
        bytes(builder.build_now())
    }
}

/// The answer to a message whose header lacks what the engine needs (see `header.rs`): AR, or
/// CR in enhanced mode, with an ERR for each empty field.
pub(crate) fn header_incomplete(
    mode: AckMode,
    msg: &Message,
    missing: Vec<ack::ErrorEntry>,
) -> Answer {
    let Some(code) = reject_code(mode) else {
        return Answer::Nothing;
    };
    bytes(ack::Builder::new(msg, code).errors(missing).build_now())
}

/// The code that refuses a message outright: AR, or CR in enhanced mode; none in `none` mode.
pub(super) fn reject_code(mode: AckMode) -> Option<ack::Code> {
    match mode {
        AckMode::None => None,
        AckMode::Enhanced => Some(ack::Code::CommitReject),
        AckMode::Original | AckMode::AfterProcessing => Some(ack::Code::ApplicationReject),
    }
}

/// The answer to a frame that is not a valid message: AR, or CR in enhanced mode.
pub(crate) fn unparseable(mode: AckMode, raw: &[u8], error: &ParseError) -> Answer {
    let Some(code) = reject_code(mode) else {
        return Answer::Nothing;
    };
    bytes(ack::for_unparseable(raw, error, code, &ack::Stamp::now()))
}

/// The answer to a frame over the size cap, whose content was never kept.
pub(crate) fn oversize(mode: AckMode, len: usize) -> Answer {
    let error = ParseError {
        offset: len,
        kind: ParseErrorKind::TooLarge,
    };
    unparseable(mode, b"", &error)
}

#[cfg(test)]
mod tests;
