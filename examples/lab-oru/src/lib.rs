//! The lab results feed: the lab sends ORU^R01 on port 2575; results go on to the EHR, results
//! corrected in error (OBR-25 = X) are filtered, a result status HL7 does not define (E) is an
//! ERROR to look at, and anything that is not a result is unrouted.
//!
//! The interface is this library; `src/main.rs` makes it the `lab-oru` binary. The end-to-end
//! tests of the workspace run the same interface.

use messagefoundry::prelude::*;

// Receive HL7 v2 over MLLP on port 2575; operators search its messages by MRN and family name.
inbound!(
    pub IB_Lab_ORU,
    mllp(port = 2575),
    router = oru_router,
    index = ["PID-3.1", "PID-5.1"]
);
// Send to the EHR. Loopback here, so running the example can never reach another machine;
// a real deployment puts the EHR's address here, or overrides it per environment.
outbound!(pub OB_EHR_ORU, mllp(host = "127.0.0.1", port = 6661));

/// Lab results go to the EHR; nothing else is routed.
#[router]
pub fn oru_router(msg: &Message) -> Route {
    if msg["MSH-9.1"] != "ORU" {
        return Route::unrouted(); // not a lab result
    }
    route![to_ehr]
}

/// Sends results to the EHR, except those corrected in error and those the EHR would refuse.
#[handler]
pub fn to_ehr(msg: Message) -> Outcome {
    if msg["OBR-25"] == "X" {
        return Outcome::filtered(); // corrected in error
    }
    if msg["OBR-25"] == "E" {
        // Not a result status of HL7 table 0123: the EHR would refuse it.
        return Outcome::error("result status E is not accepted");
    }
    Outcome::send(OB_EHR_ORU, msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use messagefoundry::testing;

    const ORU: &str = include_str!("../samples/oru_r01.hl7");
    const ADT: &str = include_str!("../samples/adt_a01.hl7");

    fn with_status(status: &str) -> Message {
        let mut msg = Message::parse(ORU).unwrap();
        msg.set(path!("OBR-25"), status).unwrap();
        msg
    }

    #[test]
    fn results_reach_the_ehr() {
        let run = testing::run_text(IB_Lab_ORU, ORU).unwrap();
        assert_eq!(run.disposition(), Disposition::Processed);
        let sent = run.sent_to(OB_EHR_ORU);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].as_bytes(), ORU.as_bytes());
    }

    #[test]
    fn admissions_are_unrouted() {
        let run = testing::run_text(IB_Lab_ORU, ADT).unwrap();
        assert_eq!(run.disposition(), Disposition::Unrouted);
        assert!(run.sent_to(OB_EHR_ORU).is_empty());
    }

    #[test]
    fn corrected_in_error_is_filtered() {
        let run = testing::run(IB_Lab_ORU, &with_status("X"));
        assert_eq!(run.disposition(), Disposition::Filtered);
        assert!(run.sent_to(OB_EHR_ORU).is_empty());
    }

    #[test]
    fn an_undefined_status_is_an_error() {
        let run = testing::run(IB_Lab_ORU, &with_status("E"));
        assert_eq!(run.disposition(), Disposition::Error);
        assert!(run.sent_to(OB_EHR_ORU).is_empty());
    }
}
