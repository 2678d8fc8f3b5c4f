//! Header (MSH) edits an interface makes to a message it passes on or answers: swap sender and
//! receiver, a new control ID, the time now, another version.

use crate::datetime::{DateTime, TimeZone};
use crate::error::EditError;
use crate::message::Message;
use crate::path::{Path, SegmentId};
use crate::schema;

const MSH_7: Path = Path::parse_const("MSH-7");
const MSH_10: Path = Path::parse_const("MSH-10");
const MSH_12: Path = Path::parse_const("MSH-12.1");

impl Message {
    /// Swaps the sender (MSH-3 sending application, MSH-4 sending facility) and the receiver
    /// (MSH-5, MSH-6), components and all: what a message sent back where it came from needs.
    ///
    /// ```
    /// use messagefoundry_hl7::Message;
    /// let mut msg = Message::parse("MSH|^~\\&|LIS|LAB^1.2.3^ISO|EHR|HOSP|20240101||ORU^R01|1|P|2.5.1\r")?;
    /// msg.swap_sender_receiver()?;
    /// assert!(msg.as_bytes().starts_with(b"MSH|^~\\&|EHR|HOSP|LIS|LAB^1.2.3^ISO|20240101|"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Message::set_er7`]; on an error the message is left as it was.
    pub fn swap_sender_receiver(&mut self) -> Result<(), EditError> {
        let mut swapped = self.clone();
        for (sender, receiver) in [(3, 5), (4, 6)] {
            let sender = Path::field(SegmentId::MSH, sender);
            let receiver = Path::field(SegmentId::MSH, receiver);
            swapped.set_er7(sender, &self.get(receiver).er7())?;
            swapped.set_er7(receiver, &self.get(sender).er7())?;
        }
        *self = swapped;
        Ok(())
    }

    /// Gives the message a new control ID (MSH-10) from
    /// [`new_control_id`](crate::new_control_id), as a message sent anew must have.
    ///
    /// ```
    /// use messagefoundry_hl7::Message;
    /// let mut msg = Message::parse("MSH|^~\\&|LIS||EHR||20240101||ORU^R01|LAB42|P|2.5.1\r")?;
    /// msg.set_new_control_id()?;
    /// assert_ne!(msg.control_id(), "LAB42");
    /// assert!(!msg.control_id().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Message::set`].
    pub fn set_new_control_id(&mut self) -> Result<(), EditError> {
        self.set(MSH_10, &crate::new_control_id())
    }

    /// Sets the message's time (MSH-7) to now, as the clocks of `zone` show it, to the
    /// second and with the zone's offset: `20240701083000-0500`.
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, Path};
    /// use messagefoundry_hl7::datetime::TimeZone;
    /// let mut msg = Message::parse("MSH|^~\\&|LIS||EHR||20240101||ORU^R01|1|P|2.5.1\r")?;
    /// msg.set_time_now(&TimeZone::get("America/New_York")?)?;
    /// let sent = msg.datetime(Path::parse("MSH-7")?)?.unwrap();
    /// assert!(matches!(&sent.to_string()[14..], "-0500" | "-0400"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Message::set`].
    pub fn set_time_now(&mut self, zone: &TimeZone) -> Result<(), EditError> {
        self.set(MSH_7, &DateTime::now(zone).to_string())
    }

    /// Changes the HL7 version the message declares (MSH-12.1), to one of the versions this
    /// library knows. Only the header changes: the segments stay as they are.
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, schema};
    /// let mut msg = Message::parse("MSH|^~\\&|LIS||EHR||20240101||ORU^R01|1|P|2.3\r")?;
    /// msg.set_version(schema::require_version("2.5.1")?)?;
    /// assert_eq!(msg.version(), "2.5.1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Message::set`].
    pub fn set_version(&mut self, version: &schema::Version) -> Result<(), EditError> {
        self.set(MSH_12, version.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swapping_twice_restores_the_header_and_a_failed_swap_changes_nothing() {
        let text = "MSH|^~\\&|LIS&x|LAB^1.2.3^ISO||HOSP|20240101||ORU^R01|1|P|2.5.1\rPID|1\r";
        let mut msg = Message::parse(text).unwrap();
        msg.swap_sender_receiver().unwrap();
        assert_eq!(
            msg.as_bytes(),
            b"MSH|^~\\&||HOSP|LIS&x|LAB^1.2.3^ISO|20240101||ORU^R01|1|P|2.5.1\rPID|1\r"
        );
        msg.swap_sender_receiver().unwrap();
        assert_eq!(msg.as_bytes(), text.as_bytes());

        // A header that stops before MSH-5 gets the sender's fields created.
        let mut short = Message::parse("MSH|^~\\&|LIS|LAB\r").unwrap();
        short.swap_sender_receiver().unwrap();
        assert_eq!(short.as_bytes(), b"MSH|^~\\&|||LIS|LAB\r");

        // MSH-3 to MSH-6 do not repeat; where a sender repeats one anyway, its first
        // repetition is swapped and the others stay.
        let bad = "MSH|^~\\&|A~B||C|D\r";
        let mut msg = Message::parse(bad).unwrap();
        assert_eq!(msg.get(Path::parse("MSH-3").unwrap()).er7(), "A");
        msg.swap_sender_receiver().unwrap();
        assert_eq!(msg.as_bytes(), b"MSH|^~\\&|C~B|D|A|\r");
    }

    #[test]
    fn new_control_ids_differ_and_the_version_is_written_in_msh_12_1() {
        let mut msg = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.3^USA\r").unwrap();
        msg.set_new_control_id().unwrap();
        let first = msg.control_id().to_string();
        msg.set_new_control_id().unwrap();
        assert_ne!(msg.control_id(), first.as_str());
        msg.set_version(schema::require_version("2.5").unwrap())
            .unwrap();
        assert!(msg.as_bytes().ends_with(b"|P|2.5^USA\r"));
    }
}
