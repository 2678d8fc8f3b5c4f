//! Which acknowledgment an inbound sends, and when: by its ACK mode and the message's MSH-15.

use messagefoundry_hl7::{
    AckBuilder, AckCode, AckError, AckOptions, Message, ParseError, ParseErrorKind, ack_unparseable,
};

use crate::interface::{AckMode, Disposition};

/// What the connection answers a frame with.
pub(crate) enum Answer {
    /// These bytes (an ER7 ACK).
    Ack(Vec<u8>),
    /// Nothing: the inbound sends no ACKs, the sender asked for none, or the message is
    /// itself an acknowledgment.
    Nothing,
}

fn bytes(result: Result<Message, messagefoundry_hl7::AckBuildError>) -> Answer {
    match result {
        Ok(ack) => Answer::Ack(ack.into_bytes()),
        // The only build errors are "never ACK an ACK" and a header that cannot be echoed:
        // in both cases silence is the right answer.
        Err(_) => Answer::Nothing,
    }
}

/// Whether the message asks for the accept (commit) ACK in this outcome: MSH-15, read only in
/// enhanced mode. An empty MSH-15 means "always".
fn accept_wanted(msg: &Message, positive: bool) -> bool {
    match messagefoundry_hl7::AckMode::of(msg) {
        messagefoundry_hl7::AckMode::Original => true,
        messagefoundry_hl7::AckMode::Enhanced { accept, .. } => accept.wants(positive),
    }
}

/// The answer once the message is stored (original and enhanced modes).
pub(crate) fn stored(mode: AckMode, msg: &Message) -> Answer {
    match mode {
        AckMode::Original => bytes(AckBuilder::new(msg, AckCode::ApplicationAccept).build_now()),
        AckMode::Enhanced if accept_wanted(msg, true) => {
            bytes(AckBuilder::new(msg, AckCode::CommitAccept).build_now())
        }
        AckMode::Enhanced | AckMode::None | AckMode::AfterProcessing => Answer::Nothing,
    }
}

/// The answer after processing (after-processing mode).
pub(crate) fn processed(msg: &Message, disposition: Disposition, reason: Option<&str>) -> Answer {
    let builder = match disposition {
        Disposition::Error => {
            let mut error = AckError::new(AckError::APPLICATION_INTERNAL_ERROR);
            if let Some(reason) = reason {
                error = error.with_text(reason);
            }
            AckBuilder::new(msg, AckCode::ApplicationError).error(error)
        }
        _ => AckBuilder::new(msg, AckCode::ApplicationAccept),
    };
    bytes(builder.build_now())
}

/// The application acknowledgment of enhanced mode, once the message is processed: AA, or AE
/// for an ERROR, if MSH-16's condition asks for it.
pub(crate) fn application(
    msg: &Message,
    when: messagefoundry_hl7::AckCondition,
    disposition: Disposition,
    reason: Option<&str>,
) -> Answer {
    if when.wants(disposition != Disposition::Error) {
        processed(msg, disposition, reason)
    } else {
        Answer::Nothing
    }
}

/// The answer when the message could not be stored: AR, or CE in enhanced mode.
pub(crate) fn store_failed(mode: AckMode, msg: &Message) -> Answer {
    let (code, wanted) = match mode {
        AckMode::None => return Answer::Nothing,
        AckMode::Enhanced => (AckCode::CommitError, accept_wanted(msg, false)),
        AckMode::Original | AckMode::AfterProcessing => (AckCode::ApplicationReject, true),
    };
    if !wanted {
        return Answer::Nothing;
    }
    let error = AckError::new(AckError::APPLICATION_INTERNAL_ERROR)
        .with_text("the message could not be stored; send it again later");
    bytes(AckBuilder::new(msg, code).error(error).build_now())
}

/// The answer to a message whose header lacks what the engine needs (see `header.rs`): AR, or
/// CR in enhanced mode, with an ERR for each empty field.
pub(crate) fn header_incomplete(mode: AckMode, msg: &Message, missing: Vec<AckError>) -> Answer {
    let Some(code) = reject_code(mode) else {
        return Answer::Nothing;
    };
    bytes(AckBuilder::new(msg, code).errors(missing).build_now())
}

/// The code that refuses a message outright: AR, or CR in enhanced mode; none in `none` mode.
fn reject_code(mode: AckMode) -> Option<AckCode> {
    match mode {
        AckMode::None => None,
        AckMode::Enhanced => Some(AckCode::CommitReject),
        AckMode::Original | AckMode::AfterProcessing => Some(AckCode::ApplicationReject),
    }
}

/// The answer to a frame that is not a valid message: AR, or CR in enhanced mode.
pub(crate) fn unparseable(mode: AckMode, raw: &[u8], error: &ParseError) -> Answer {
    let Some(code) = reject_code(mode) else {
        return Answer::Nothing;
    };
    bytes(ack_unparseable(raw, error, code, &AckOptions::now()))
}

/// The answer to a frame over the size cap, whose content was never kept.
pub(crate) fn oversize(mode: AckMode, len: usize) -> Answer {
    let error = ParseError {
        offset: len,
        kind: ParseErrorKind::TooLarge,
    };
    unparseable(mode, b"", &error)
}
