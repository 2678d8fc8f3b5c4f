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

/// Upper-cases the surname (PID-5.1.1) of every name the patient has (every repetition of PID-5),
/// keeping the other parts of each name as they are.
#[checked]
pub fn uppercase_family_names(msg: &mut Message) -> Result<(), EditError> {
    let names = msg.repetitions("PID-5").len();
    // A path cannot hold more repetitions than u16 counts; HL7 messages never come near that.
    for repetition in 1..=u16::try_from(names).unwrap_or(u16::MAX) {
        let family = Path {
            repetition: Some(repetition),
            ..path!("PID-5.1")
        };
        let upper = msg[family].to_uppercase();
        msg.set(family, &upper)?;
    }
    Ok(())
}

/// Replaces the point of care (PV1-3.1) by the downstreams' code for it in the table
/// `point_of_care`; a code the table does not have passes unchanged.
#[checked]
pub fn map_point_of_care(msg: &mut Message) -> Result<(), EditError> {
    let code = table!("point_of_care", "downstream")
        .lookup(&msg["PV1-3.1"])
        .or_pass_through();
    msg.set("PV1-3.1", &code)
}

/// Removes every Z-segment: they are this sender's own, and neither downstream reads them.
pub fn drop_z_segments(msg: &mut Message) -> Result<(), EditError> {
    let z: Vec<usize> = msg
        .segments()
        .filter(|seg| seg.id().is_z_segment())
        .map(|seg| seg.position())
        .collect();
    // From the end, so the positions still to remove stay where they were.
    for position in z.into_iter().rev() {
        msg.remove_segment(position)?;
    }
    Ok(())
}
