//! The lab results interface of `examples/lab-oru`, for the end-to-end tests: ORU^R01 to the
//! EHR, OBR-25 = X filtered, OBR-25 = E an ERROR outcome (to test error ACKs), anything else
//! unrouted.

use messagefoundry::prelude::*;

inbound!(pub IB_Lab_ORU, mllp(port = 2575), router = oru_router);
outbound!(pub OB_EHR_ORU, mllp(host = "127.0.0.1", port = 6661));

/// Lab results go to the EHR; nothing else is routed.
#[router]
pub fn oru_router(msg: &Message) -> Route {
    if msg["MSH-9.1"] != "ORU" {
        return Route::unrouted();
    }
    route![to_ehr]
}

/// Sends results on, filters those corrected in error, fails those with status E.
#[handler]
pub fn to_ehr(msg: Message) -> Outcome {
    if msg["OBR-25"] == "X" {
        return Outcome::Filtered;
    }
    if msg["OBR-25"] == "E" {
        return Outcome::error("result status E is not accepted");
    }
    Send(OB_EHR_ORU, msg).into()
}
