//! The ACK decision as tables: for every ACK mode, MSH-15 and MSH-16 (AL, NE, ER, SU, empty)
//! and outcome, the acknowledgment codes the connection sends, in order.
//!
//! For a stored message the connection sends [`AckPlan::stored`] at once and, once the router
//! and handlers have run, [`AckPlan::processed`] for its disposition (a duplicate is answered
//! as a PROCESSED message); for one that failed validation, the two answers of
//! [`AckPlan::invalid`]; for one it could not store, [`AckPlan::store_failed`].

use super::*;

/// Every value of MSH-15 and MSH-16 a table row covers.
const CONDITIONS: [&str; 5] = ["AL", "NE", "ER", "SU", ""];

fn message(msh15: &str, msh16: &str) -> Message {
    let text =
        format!("MSH|^~\\&|LIS|LAB|EHR|HOSP|20260101||ORU^R01|X1|P|2.5.1|||{msh15}|{msh16}\r");
    Message::parse(text.into_bytes()).expect("test message parses")
}

/// The MSA-1 and MSA-2 of an answer; `None` when nothing is sent.
fn msa(answer: Answer) -> Option<(String, String)> {
    match answer {
        Answer::Nothing => None,
        Answer::Ack(bytes) => {
            let ack = Message::parse(bytes).expect("the ACK parses");
            Some((
                ack[messagefoundry_hl7::Path::parse_const("MSA-1")].to_owned(),
                ack[messagefoundry_hl7::Path::parse_const("MSA-2")].to_owned(),
            ))
        }
    }
}

/// The MSA-1 of each answer sent, in order, separated by spaces; nothing sent is "".
fn codes(answers: impl IntoIterator<Item = Answer>) -> String {
    let sent: Vec<String> = answers
        .into_iter()
        .filter_map(msa)
        .map(|(code, answers)| {
            assert_eq!(answers, "X1", "an ACK names the message it answers");
            code
        })
        .collect();
    sent.join(" ")
}

/// What one message is sent, by outcome.
#[derive(Debug, PartialEq, Eq)]
struct Sent {
    /// Stored and processed: PROCESSED, FILTERED or UNROUTED alike (and a duplicate).
    processed: String,
    /// Stored and processed with an ERROR outcome.
    error: String,
    /// Not stored: the commit failed.
    store_failed: String,
    /// Stored, and failed validation at intake.
    invalid: String,
}

fn sent(mode: AckMode, msh15: &str, msh16: &str) -> Sent {
    let msg = message(msh15, msh16);
    let plan = AckPlan::of(mode, &msg);
    let after =
        |disposition, reason| codes([plan.stored(&msg), plan.processed(&msg, disposition, reason)]);
    let processed = after(Disposition::Processed, None);
    for positive in [Disposition::Filtered, Disposition::Unrouted] {
        assert_eq!(
            after(positive, None),
            processed,
            "{positive} is answered as PROCESSED: {mode:?} MSH-15={msh15:?} MSH-16={msh16:?}"
        );
    }
    let finding =
        ack::ErrorEntry::new(ack::ErrorEntry::REQUIRED_FIELD_MISSING).with_text("OBR missing");
    let (now, later) = plan.invalid(&msg, ack::Code::ApplicationError, vec![finding]);
    Sent {
        processed,
        error: after(Disposition::Error, Some("handler to_ehr panicked")),
        store_failed: codes([plan.store_failed(&msg)]),
        invalid: codes([now, later]),
    }
}

fn row(processed: &str, error: &str, store_failed: &str, invalid: &str) -> Sent {
    Sent {
        processed: processed.to_owned(),
        error: error.to_owned(),
        store_failed: store_failed.to_owned(),
        invalid: invalid.to_owned(),
    }
}

/// Original, after-processing and `none` modes do not read MSH-15 or MSH-16.
#[test]
fn the_modes_that_ignore_msh_15_and_16() {
    #[rustfmt::skip]
    let table = [
        //                 processed error  store failed  invalid
        (AckMode::Original,        "AA", "AA", "AR", "AE"),
        (AckMode::AfterProcessing, "AA", "AE", "AR", "AE"),
        (AckMode::None,            "",   "",   "",   ""),
    ];
    for (mode, processed, error, store_failed, invalid) in table {
        for msh15 in CONDITIONS {
            for msh16 in CONDITIONS {
                assert_eq!(
                    sent(mode, msh15, msh16),
                    row(processed, error, store_failed, invalid),
                    "{mode:?} MSH-15={msh15:?} MSH-16={msh16:?}"
                );
            }
        }
    }
}

/// Enhanced mode: the CA (or CE) as MSH-15 asks, then the AA or AE as MSH-16 asks. An empty
/// one of the two reads as AL; with both empty the message gets the CA only.
#[test]
fn enhanced_mode_by_msh_15_and_16() {
    #[rustfmt::skip]
    let table = [
        // MSH-15 MSH-16  processed error    store failed  invalid
        ("AL", "AL", "CA AA", "CA AE", "CE", "CA AE"),
        ("AL", "NE", "CA",    "CA",    "CE", "CA"),
        ("AL", "ER", "CA",    "CA AE", "CE", "CA AE"),
        ("AL", "SU", "CA AA", "CA",    "CE", "CA"),
        ("AL", "",   "CA AA", "CA AE", "CE", "CA AE"),
        ("NE", "AL", "AA",    "AE",    "",   "AE"),
        ("NE", "NE", "",      "",      "",   ""),
        ("NE", "ER", "",      "AE",    "",   "AE"),
        ("NE", "SU", "AA",    "",      "",   ""),
        ("NE", "",   "AA",    "AE",    "",   "AE"),
        ("ER", "AL", "AA",    "AE",    "CE", "AE"),
        ("ER", "NE", "",      "",      "CE", ""),
        ("ER", "ER", "",      "AE",    "CE", "AE"),
        ("ER", "SU", "AA",    "",      "CE", ""),
        ("ER", "",   "AA",    "AE",    "CE", "AE"),
        ("SU", "AL", "CA AA", "CA AE", "",   "CA AE"),
        ("SU", "NE", "CA",    "CA",    "",   "CA"),
        ("SU", "ER", "CA",    "CA AE", "",   "CA AE"),
        ("SU", "SU", "CA AA", "CA",    "",   "CA"),
        ("SU", "",   "CA AA", "CA AE", "",   "CA AE"),
        ("",   "AL", "CA AA", "CA AE", "CE", "CA AE"),
        ("",   "NE", "CA",    "CA",    "CE", "CA"),
        ("",   "ER", "CA",    "CA AE", "CE", "CA AE"),
        ("",   "SU", "CA AA", "CA",    "CE", "CA"),
        ("",   "",   "CA",    "CA",    "CE", "CA"),
    ];
    assert_eq!(table.len(), CONDITIONS.len() * CONDITIONS.len());
    for (msh15, msh16, processed, error, store_failed, invalid) in table {
        assert_eq!(
            sent(AckMode::Enhanced, msh15, msh16),
            row(processed, error, store_failed, invalid),
            "MSH-15={msh15:?} MSH-16={msh16:?}"
        );
    }
}

/// A frame that is refused outright (it does not parse, its header lacks MSH-9.1 or MSH-10, it
/// is over the size cap) is answered by the mode alone: MSH-15 and MSH-16 are not trusted.
#[test]
fn refusals_by_mode() {
    for (mode, expected) in [
        (AckMode::Original, "AR"),
        (AckMode::AfterProcessing, "AR"),
        (AckMode::Enhanced, "CR"),
        (AckMode::None, ""),
    ] {
        for msh15 in CONDITIONS {
            for msh16 in CONDITIONS {
                let msg = message(msh15, msh16);
                let missing = vec![ack::ErrorEntry::new(
                    ack::ErrorEntry::REQUIRED_FIELD_MISSING,
                )];
                let row = format!("{mode:?} MSH-15={msh15:?} MSH-16={msh16:?}");
                assert_eq!(
                    codes([header_incomplete(mode, &msg, missing)]),
                    expected,
                    "header incomplete: {row}"
                );
            }
        }
        // Nothing of an oversize frame was kept, so its ACK names no message.
        let oversize = msa(oversize(mode, 20_000_000)).map(|(code, _)| code);
        assert_eq!(oversize.unwrap_or_default(), expected, "oversize: {mode:?}");
    }
}

/// The reason of an ERROR travels in the AE's ERR segment.
#[test]
fn an_application_error_carries_the_reason() {
    let msg = message("AL", "AL");
    let plan = AckPlan::of(AckMode::Enhanced, &msg);
    let Answer::Ack(bytes) =
        plan.processed(&msg, Disposition::Error, Some("handler to_ehr panicked"))
    else {
        panic!("an AE is sent");
    };
    let ack = Message::parse(bytes).expect("the ACK parses");
    assert_eq!(&ack[messagefoundry_hl7::Path::parse_const("MSA-1")], "AE");
    assert_eq!(
        &ack[messagefoundry_hl7::Path::parse_const("ERR-8")],
        "handler to_ehr panicked"
    );
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
        assert_eq!(codes([plan.stored(&msg)]), "");
        assert_eq!(
            codes([plan.processed(&msg, Disposition::Processed, None)]),
            ""
        );
    }
}
