//! The ADT fan-out: the registration system sends ADT on port 2576; admissions (A01),
//! registrations (A04) and updates (A08) go on to both the EHR and the bed board, test patients
//! are filtered, and every other event is unrouted.
//!
//! Each destination gets its own copy, made ready by [`transform::prepare`]: family names in
//! upper case, the point of care in the downstream's codes, no Z-segments, and MSH-5/MSH-6 naming
//! that destination. The interface is this library; `src/main.rs` makes it the `adt-fanout`
//! binary.

use messagefoundry::hl7::EditError;
use messagefoundry::prelude::*;

pub mod transform;

use transform::Receiver;

// Receive HL7 v2 over MLLP on port 2576 (lab-oru takes 2575).
inbound!(pub IB_ADT, mllp(port = 2576), router = adt_router);
// The two downstreams. Loopback here, so running the example can never reach another machine;
// a real deployment puts their addresses here, or overrides them per environment.
outbound!(pub OB_EHR_ADT, mllp(host = "127.0.0.1", port = 6662));
outbound!(pub OB_BED_BOARD, mllp(host = "127.0.0.1", port = 6663));

// MSH-5/MSH-6 for each destination. Constants, because a handler cannot read per-environment
// values yet; the addresses above can be overridden per environment, these cannot.
/// How the EHR names itself in MSH-5 and MSH-6.
pub const EHR: Receiver = Receiver {
    application: "EHR",
    facility: "GENHOSP",
};
/// How the bed board names itself in MSH-5 and MSH-6.
pub const BED_BOARD: Receiver = Receiver {
    application: "BEDBOARD",
    facility: "GENHOSP_OPS",
};

/// Admissions, registrations and updates go to both downstreams; test patients are filtered
/// whatever their event, and every other event is unrouted.
#[router]
pub fn adt_router(msg: &Message) -> Route {
    // First: a test patient's discharge is not something for an operator to look at.
    if msg["PID-3.1"].starts_with("TEST") {
        return Route::filtered();
    }
    match msg["MSH-9.2"].as_str() {
        "A01" | "A04" | "A08" => route![to_ehr, to_bed_board],
        _ => Route::unrouted(),
    }
}

/// Sends the EHR its copy.
#[handler]
pub fn to_ehr(msg: Message) -> Result<Outcome, EditError> {
    Ok(Outcome::send(OB_EHR_ADT, transform::prepare(msg, EHR)?))
}

/// Sends the bed board its copy.
#[handler]
pub fn to_bed_board(msg: Message) -> Result<Outcome, EditError> {
    Ok(Outcome::send(
        OB_BED_BOARD,
        transform::prepare(msg, BED_BOARD)?,
    ))
}

#[cfg(test)]
mod tests;
