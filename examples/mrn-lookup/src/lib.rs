//! A clinic's ADT feed to the hospital's EHR. The clinic knows its patients by its own MRN; the
//! EHR knows them by the enterprise MRN. Each admission (A01), registration (A04) and update
//! (A08) goes on to the EHR with the clinic's MRN (PID-3.1) looked up in the MRN crosswalk, a
//! SQLite database the enterprise master patient index keeps, and replaced by the enterprise
//! MRN. A patient the crosswalk does not know is an ERROR for an operator to look at, never a
//! message sent with the wrong identifier.
//!
//! The lookup is I/O, so the handler is an `async fn`: the engine awaits it, for at most its
//! timeout (`#[handler(timeout = "2s")]`); a database that does not answer in time makes the
//! message an ERROR, with a reason naming the handler and the timeout. The interface is this
//! library; `src/main.rs` makes it the `mrn-lookup` binary.

use messagefoundry::hl7::EditError;
use messagefoundry::prelude::*;

pub mod crosswalk;

// Receive HL7 v2 over MLLP on port 2578 (the other examples take 2575 to 2577).
inbound!(pub IB_CLINIC_ADT, mllp(port = 2578), router = clinic_router);
// The EHR. Loopback here, so running the example can never reach another machine.
outbound!(pub OB_EHR_ADT, mllp(host = "127.0.0.1", port = 6665));

values! {
    /// The MRN crosswalk: the path of its SQLite file, on the machine `serve` runs on.
    crosswalk_db: text,
}

/// Admissions, registrations and updates go to the EHR; every other event is unrouted.
#[router]
pub fn clinic_router(msg: &Message) -> Route {
    match msg["MSH-9.2"].as_str() {
        "A01" | "A04" | "A08" => route![to_ehr],
        _ => Route::unrouted(),
    }
}

/// Sends the EHR its copy, with the enterprise MRN in PID-3 (assigning authority `EMPI`).
#[handler(timeout = "2s")]
pub async fn to_ehr(mut msg: Message) -> Result<Outcome, EditError> {
    let clinic_mrn = msg["PID-3.1"].to_string();
    // The reasons below are recorded and logged, so they name no patient.
    let enterprise_mrn = match crosswalk::enterprise_mrn(value!("crosswalk_db"), clinic_mrn).await {
        Ok(Some(mrn)) => mrn,
        Ok(None) => {
            return Ok(Outcome::error(
                "the MRN crosswalk has no enterprise MRN for this patient",
            ));
        }
        Err(e) => return Ok(Outcome::error(e)),
    };
    msg.set("PID-3.1", &enterprise_mrn)?;
    msg.set("PID-3.4", "EMPI")?;
    Ok(Outcome::send(OB_EHR_ADT, msg))
}

#[cfg(test)]
mod tests;
