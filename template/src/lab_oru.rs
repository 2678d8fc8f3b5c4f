//! The lab results feed: the lab sends ORU^R01 on port 2575; results go on to the EHR, results
//! corrected in error (OBR-25 = X) are filtered, and anything that is not a result is unrouted.

use messagefoundry::prelude::*;

// Receive HL7 v2 over MLLP on port 2575. Each environment file may change this, under
// [inbound.IB_Lab_ORU].
inbound!(IB_Lab_ORU, mllp(port = 2575), router = oru_router);
// Send to the EHR. Loopback here, so a run on a laptop never reaches another machine; the EHR's
// real address goes in environments/prod.toml, under [outbound.OB_EHR_ORU].
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
        return Outcome::filtered(); // corrected in error
    }
    Outcome::send(OB_EHR_ORU, msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use messagefoundry::testing;

    const ORU: &str = include_str!("../samples/oru_r01.hl7");
    const CORRECTED: &str = include_str!("../samples/oru_r01_corrected.hl7");
    const ADT: &str = include_str!("../samples/adt_a01.hl7");

    #[test]
    fn results_reach_the_ehr_unchanged() {
        let run = testing::run_text(IB_Lab_ORU, ORU).unwrap();
        assert_eq!(run.disposition(), Disposition::Processed);
        let sent = run.sent_to(OB_EHR_ORU);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].as_bytes(), ORU.as_bytes());
    }

    #[test]
    fn results_corrected_in_error_are_filtered() {
        let run = testing::run_text(IB_Lab_ORU, CORRECTED).unwrap();
        assert_eq!(run.disposition(), Disposition::Filtered);
        assert!(run.sent_to(OB_EHR_ORU).is_empty());
    }

    #[test]
    fn admissions_are_unrouted() {
        let run = testing::run_text(IB_Lab_ORU, ADT).unwrap();
        assert_eq!(run.disposition(), Disposition::Unrouted);
        assert!(run.sent_to(OB_EHR_ORU).is_empty());
    }
}
