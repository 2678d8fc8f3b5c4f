//! What both downstreams need done to an ADT message, and the one thing that differs: who
//! receives it.

use messagefoundry::hl7::EditError;
use messagefoundry::prelude::*;

/// A destination as MSH names it.
#[derive(Clone, Copy, Debug)]
pub struct Receiver {
    /// MSH-5, the receiving application.
    pub application: &'static str,
    /// MSH-6, the receiving facility.
    pub facility: &'static str,
}

/// The registration system's point-of-care codes (PV1-3.1) and the downstreams' codes for them.
/// A static slice, because there is no code-table feature yet; a code not in it passes unchanged.
const POINT_OF_CARE: &[(&str, &str)] = &[("4W", "MED4W"), ("ICU", "CRITCARE"), ("ED", "EMERG")];

/// Makes a copy ready for `to`: family names upper case, point of care mapped, Z-segments
/// dropped, MSH-5/MSH-6 set.
#[checked]
pub fn prepare(mut msg: Message, to: Receiver) -> Result<Message, EditError> {
    uppercase_family_names(&mut msg)?;
    map_point_of_care(&mut msg)?;
    drop_z_segments(&mut msg)?;
    msg.set("MSH-5", to.application)?;
    msg.set("MSH-6", to.facility)?;
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

/// Replaces the point of care (PV1-3.1) by the downstreams' code for it, if the table has one.
#[checked]
pub fn map_point_of_care(msg: &mut Message) -> Result<(), EditError> {
    let code = msg["PV1-3.1"].as_str();
    match POINT_OF_CARE.iter().find(|(from, _)| *from == code) {
        Some((_, to)) => msg.set("PV1-3.1", to),
        None => Ok(()),
    }
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
