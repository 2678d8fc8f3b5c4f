//! The ADT fan-out: the registration system sends ADT on port 2576; admissions (A01),
//! registrations (A04) and updates (A08) go on to both the EHR and the bed board, test patients
//! are filtered, and every other event is unrouted.
//!
//! Each destination gets its own copy, made ready by [`transform::prepare`]: family names in
//! upper case, the point of care in the downstreams' codes (the code table `point_of_care`), no
//! Z-segments, and MSH-5/MSH-6 naming that destination (values set per environment). The interface is this library; `src/main.rs` makes it the `adt-fanout`
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

tables! {
    /// The registration system's point-of-care codes (PV1-3.1) and the downstreams' codes for
    /// them. A test or production system may read another file (`[tables]` in its environment).
    point_of_care = "../tables/point_of_care.csv",
}

values! {
    /// How the EHR names itself in MSH-5.
    ehr_application: text = "EHR",
    /// How the EHR names its facility in MSH-6: its test system has a name of its own.
    ehr_facility: text,
    /// How the bed board names itself in MSH-5.
    bed_board_application: text = "BEDBOARD",
    /// How the bed board names its facility in MSH-6.
    bed_board_facility: text,
}

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
    let ehr = Receiver {
        application: value!("ehr_application"),
        facility: value!("ehr_facility"),
    };
    Ok(Outcome::send(OB_EHR_ADT, transform::prepare(msg, &ehr)?))
}

/// Sends the bed board its copy.
#[handler]
pub fn to_bed_board(msg: Message) -> Result<Outcome, EditError> {
    let bed_board = Receiver {
        application: value!("bed_board_application"),
        facility: value!("bed_board_facility"),
    };
    Ok(Outcome::send(
        OB_BED_BOARD,
        transform::prepare(msg, &bed_board)?,
    ))
}

#[cfg(test)]
mod tests;
