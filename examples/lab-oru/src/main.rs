//! The lab results feed: the lab sends ORU^R01 on port 2575; results go on to the EHR, results
//! corrected in error (OBR-25 = X) are filtered, and anything that is not a result is unrouted.

use messagefoundry::prelude::*;

// Receive HL7 v2 over MLLP on port 2575.
inbound!(IB_Lab_ORU, mllp(port = 2575), router = oru_router);
// Send to the EHR. Loopback here, so running the example can never reach another machine;
// a real deployment puts the EHR's address here, or overrides it per environment.
outbound!(OB_EHR_ORU, mllp(host = "127.0.0.1", port = 6661));

/// Lab results go to the EHR; nothing else is routed.
#[router]
fn oru_router(msg: &Message) -> Route {
    if msg["MSH-9.1"] != "ORU" {
        return Route::unrouted(); // not a lab result
    }
    route![to_ehr]
}

/// Sends results to the EHR, except those corrected in error.
#[handler]
fn to_ehr(msg: Message) -> Outcome {
    if msg["OBR-25"] == "X" {
        return Outcome::filtered(); // corrected-in-error
    }
    Outcome::send(OB_EHR_ORU, msg)
}

messagefoundry::main!();

#[cfg(test)]
mod tests {
    use super::*;
    use messagefoundry::testing;

    const ORU: &str = include_str!("../samples/oru_r01.hl7");
    const ADT: &str = include_str!("../samples/adt_a01.hl7");

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
        let mut msg = Message::parse(ORU).unwrap();
        msg.set(path!("OBR-25"), "X").unwrap();
        let run = testing::run(IB_Lab_ORU, &msg);
        assert_eq!(run.disposition(), Disposition::Filtered);
        assert!(run.sent_to(OB_EHR_ORU).is_empty());
    }
}
