//! What both downstreams need done to an ADT message, and the one thing that differs: who
//! receives it.

use messagefoundry::hl7::EditError;
use messagefoundry::prelude::*;

/// A destination as MSH names it.
#[derive(Clone, Debug)]
pub struct Receiver {
    /// MSH-5, the receiving application.
    pub application: String,
    /// MSH-6, the receiving facility.
    pub facility: String,
}

/// Makes a copy ready for `to`: family names upper case, point of care mapped, Z-segments
/// dropped, MSH-5/MSH-6 set.
#[checked]
pub fn prepare(mut msg: Message, to: &Receiver) -> Result<Message, EditError> {
    uppercase_family_names(&mut msg)?;
    map_point_of_care(&mut msg)?;
    drop_z_segments(&mut msg)?;
    msg.set("MSH-5", &to.application)?;
    msg.set("MSH-6", &to.facility)?;
    Ok(msg)
}

/// The surname (PID-5.1) of every name the patient has (every repetition of PID-5) is in upper
/// case; the other parts of each name stay as they are.
#[checked]
pub fn uppercase_family_names(msg: &mut Message) -> Result<(), EditError> {
    msg.update_every("PID-5.1", |family| family.to_uppercase())
}

/// Replaces the point of care (PV1-3.1) by the downstreams' code for it in the table
/// `point_of_care`; a code the table does not have passes unchanged.
#[checked]
pub fn map_point_of_care(msg: &mut Message) -> Result<(), EditError> {
    msg.update("PV1-3.1", |code| {
        table!("point_of_care", "downstream")
            .lookup(code)
            .or_pass_through()
    })
}

/// Every Z-segment is dropped: they are this sender's own, and neither downstream reads them.
pub fn drop_z_segments(msg: &mut Message) -> Result<(), EditError> {
    msg.retain_segments(|segment| !segment.id().is_z_segment())
}
