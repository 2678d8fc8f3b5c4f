//! A fan-out interface for the process tests of `test`, `sink` and the per-destination
//! `messages` commands: every ADT goes to three handlers.
//!
//! - `to_archive` sends it to `OB_ARCHIVE` as received;
//! - `to_ehr` sends `OB_EHR` a copy with MSH-5 set to `EHR` and the family name in upper case;
//! - `to_billing` sends `OB_BILLING` a copy with MSH-5 set to `BILLING`, except for a patient
//!   whose number (PID-3.1) starts with `NOBILL`: an ERROR, while the others still send.
//!
//! It declares its own connections and does not link the tests' library (which holds the lab
//! interface), so this binary has these and no others.

use messagefoundry::prelude::*;

inbound!(IB_ADT, mllp(port = 2577), router = fan_out);
// Loopback addresses that tests replace in an environment file.
outbound!(OB_ARCHIVE, mllp(host = "127.0.0.1", port = 6671));
outbound!(OB_EHR, mllp(host = "127.0.0.1", port = 6672));
outbound!(OB_BILLING, mllp(host = "127.0.0.1", port = 6673));

/// Every ADT goes to all three handlers.
#[router]
fn fan_out(msg: &Message) -> Route {
    if msg["MSH-9.1"] != "ADT" {
        return Route::unrouted();
    }
    route![to_archive, to_ehr, to_billing]
}

/// The archive keeps the message as received.
#[handler]
fn to_archive(msg: Message) -> Outcome {
    Outcome::send(OB_ARCHIVE, msg)
}

/// The EHR gets its own name in MSH-5 and the family name in upper case.
#[handler]
fn to_ehr(mut msg: Message) -> Result<Outcome, messagefoundry::hl7::EditError> {
    msg.set("MSH-5", "EHR")?;
    let family = msg["PID-5.1"].to_uppercase();
    msg.set("PID-5.1", &family)?;
    Ok(Outcome::send(OB_EHR, msg))
}

/// Billing gets its own name in MSH-5; a patient not to bill is an error to look at.
#[handler]
fn to_billing(mut msg: Message) -> Result<Outcome, messagefoundry::hl7::EditError> {
    if msg["PID-3.1"].starts_with("NOBILL") {
        return Ok(Outcome::error("no billing account for this patient"));
    }
    msg.set("MSH-5", "BILLING")?;
    Ok(Outcome::send(OB_BILLING, msg))
}

messagefoundry::main!();
