//! Which acknowledgment an inbound sends, and when: by its ACK mode and the message's MSH-15
//! and MSH-16, decided in one place ([`AckPlan`]).

use messagefoundry_hl7::{
    AckBuilder, AckCode, AckCondition, AckError, AckOptions, Message, ParseError, ParseErrorKind,
    ack_unparseable,
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

/// Which acknowledgments a stored message gets, decided once from the inbound's ACK mode and
/// the message's MSH-15 and MSH-16. Every answer to a message that parsed is built from it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct AckPlan {
    /// The inbound's mode.
    mode: AckMode,
    /// When the answer at storage is sent: AA in original mode, CA (or CE when storing failed)
    /// in enhanced mode as MSH-15 asks; `None` when there is none.
    pub on_stored: Option<AckCondition>,
    /// When the application acknowledgment (AA, or AE for an ERROR) is sent once the router and
    /// handlers have run: always in after-processing mode, as MSH-16 asks in enhanced mode;
    /// `None` when there is none.
    pub after_processing: Option<AckCondition>,
}

impl AckPlan {
    /// Decides. In enhanced mode a message with neither MSH-15 nor MSH-16 gets the CA only; an
    /// empty one of the two reads as `AL`, and `NE` means none.
    pub(crate) fn of(mode: AckMode, msg: &Message) -> AckPlan {
        let wanted = |c: AckCondition| (c != AckCondition::Never).then_some(c);
        let (on_stored, after_processing) = match mode {
            AckMode::Original => (Some(AckCondition::Always), None),
            AckMode::AfterProcessing => (None, Some(AckCondition::Always)),
            AckMode::None => (None, None),
            AckMode::Enhanced => match messagefoundry_hl7::AckMode::of(msg) {
                messagefoundry_hl7::AckMode::Original => (Some(AckCondition::Always), None),
                messagefoundry_hl7::AckMode::Enhanced {
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
            AckMode::Enhanced => AckCode::CommitAccept,
            _ => AckCode::ApplicationAccept,
        };
        match self.on_stored {
            Some(when) if when.wants(true) => bytes(AckBuilder::new(msg, code).build_now()),
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
                AckCode::CommitError
            }
            AckMode::Enhanced => return Answer::Nothing,
            AckMode::Original | AckMode::AfterProcessing => AckCode::ApplicationReject,
        };
        let error = AckError::new(AckError::APPLICATION_INTERNAL_ERROR)
            .with_text("the message could not be stored; send it again later");
        bytes(AckBuilder::new(msg, code).error(error).build_now())
    }

    /// The answers to a stored message that failed validation at intake: AE with an ERR per
    /// finding, at once in original and after-processing modes; in enhanced mode the CA as
    /// MSH-15 asks now, and the AE as MSH-16 asks after it.
    pub(crate) fn invalid(&self, msg: &Message, errors: Vec<AckError>) -> (Answer, Answer) {
        let application_error = || {
            bytes(
                AckBuilder::new(msg, AckCode::ApplicationError)
                    .errors(errors)
                    .build_now(),
            )
        };
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
            AckBuilder::new(msg, AckCode::ApplicationAccept)
        } else {
            let mut error = AckError::new(AckError::APPLICATION_INTERNAL_ERROR);
            if let Some(reason) = reason {
                error = error.with_text(reason);
            }
            AckBuilder::new(msg, AckCode::ApplicationError).error(error)
        };
        bytes(builder.build_now())
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn message(msh15: &str, msh16: &str) -> Message {
        let text =
            format!("MSH|^~\\&|LIS|LAB|EHR|HOSP|20260101||ORU^R01|X1|P|2.5.1|||{msh15}|{msh16}\r");
        Message::parse(text.into_bytes()).expect("test message parses")
    }

    /// MSA-1 of an answer, or "" for none.
    fn code(answer: Answer) -> String {
        match answer {
            Answer::Nothing => String::new(),
            Answer::Ack(bytes) => {
                let ack = Message::parse(bytes).expect("the ACK parses");
                ack[messagefoundry_hl7::Path::parse_const("MSA-1")].to_owned()
            }
        }
    }

    /// The decision, row by row: the inbound's mode, MSH-15, MSH-16, and then the answer once
    /// stored, after processing with success, after processing with an ERROR, and when the
    /// message could not be stored.
    #[test]
    fn the_ack_decision_table() {
        use AckMode::{AfterProcessing, Enhanced, None, Original};
        #[rustfmt::skip]
        let table = [
            (Original,        "",   "",   "AA", "",   "",   "AR"),
            (Original,        "NE", "NE", "AA", "",   "",   "AR"),
            (AfterProcessing, "",   "",   "",   "AA", "AE", "AR"),
            (AfterProcessing, "NE", "NE", "",   "AA", "AE", "AR"),
            (None,            "",   "",   "",   "",   "",   ""),
            (None,            "AL", "AL", "",   "",   "",   ""),
            (Enhanced,        "",   "",   "CA", "",   "",   "CE"),
            (Enhanced,        "AL", "AL", "CA", "AA", "AE", "CE"),
            (Enhanced,        "",   "AL", "CA", "AA", "AE", "CE"),
            (Enhanced,        "AL", "",   "CA", "AA", "AE", "CE"),
            (Enhanced,        "NE", "AL", "",   "AA", "AE", ""),
            (Enhanced,        "AL", "NE", "CA", "",   "",   "CE"),
            (Enhanced,        "NE", "NE", "",   "",   "",   ""),
            (Enhanced,        "ER", "ER", "",   "",   "AE", "CE"),
            (Enhanced,        "SU", "SU", "CA", "AA", "",   ""),
            (Enhanced,        "ER", "SU", "",   "AA", "",   "CE"),
            (Enhanced,        "SU", "ER", "CA", "",   "AE", ""),
        ];
        for (mode, msh15, msh16, stored, success, error, failed) in table {
            let msg = message(msh15, msh16);
            let plan = AckPlan::of(mode, &msg);
            let row = format!("{mode:?} MSH-15={msh15:?} MSH-16={msh16:?}");
            assert_eq!(code(plan.stored(&msg)), stored, "stored: {row}");
            assert_eq!(
                code(plan.processed(&msg, Disposition::Processed, Option::None)),
                success,
                "processed: {row}"
            );
            assert_eq!(
                code(plan.processed(&msg, Disposition::Error, Some("why"))),
                error,
                "error: {row}"
            );
            assert_eq!(code(plan.store_failed(&msg)), failed, "store failed: {row}");
        }
    }

    #[test]
    fn an_ack_is_never_acknowledged() {
        let msg = Message::parse(
            b"MSH|^~\\&|LIS|LAB|EHR|HOSP|20260101||ACK|X2|P|2.5.1\rMSA|AA|X1\r".to_vec(),
        )
        .expect("test message parses");
        for mode in [
            AckMode::Original,
            AckMode::AfterProcessing,
            AckMode::Enhanced,
        ] {
            let plan = AckPlan::of(mode, &msg);
            assert_eq!(code(plan.stored(&msg)), "");
            assert_eq!(code(plan.processed(&msg, Disposition::Processed, None)), "");
        }
    }
}
