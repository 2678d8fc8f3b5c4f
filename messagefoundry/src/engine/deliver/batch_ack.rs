//! Reading what a downstream answers to a batch the sender sent (BHS … BTS in one frame).
//!
//! HL7 v2 lets the receiver of a batch answer with an acknowledgment batch whose BHS-12 names
//! the batch's BHS-11, holding the ACK of every message or only those of the messages in error
//! (the others are then accepted). Downstreams also answer in other ways, all read here:
//!
//! - an acknowledgment batch (or ACKs one after another in one frame): each ACK is credited to
//!   the message its MSA-2 names; once the answer is known to be the batch's (its BHS-12 names
//!   the batch, or it acknowledges one of its messages), a message with no ACK of its own is
//!   accepted, as the standard says;
//! - one ACK whose MSA-2 is the batch's control ID: it answers every message;
//! - one ACK per message, each in its own frame: the exchange ends when every message has one.
//!
//! An ACK naming neither the batch nor one of its messages is a stray: dropped, never credited.

use messagefoundry_hl7::Message;
use messagefoundry_hl7::ack::Ack;
use messagefoundry_hl7::batch::{self, SplitOptions};

use super::exchange::{Heard, Stray};

/// What the downstream said of one message of a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Said {
    /// An ACK for it: its own, matched by MSA-2, or one naming the whole batch.
    Ack(Ack),
    /// Nothing of its own in an acknowledgment batch that answered the batch: accepted.
    Implied,
    /// Nothing yet.
    Unanswered,
}

/// Reads one frame the downstream sent while the answer to batch `batch_id`, holding messages
/// with the control IDs `members`, is awaited; records in `said` what it says of each.
pub(crate) fn hear(
    frame: &[u8],
    batch_id: &str,
    members: &[String],
    said: &mut [Said],
) -> Heard<()> {
    if batch::is_batch(frame) {
        let Ok(split) = batch::split_with(frame, SplitOptions { tolerant: true }) else {
            return Heard::Stray(Stray::NotAnAck);
        };
        let names_batch = split
            .groups()
            .iter()
            .filter_map(|g| g.header())
            .any(|h| h.field(12).text() == batch_id);
        let mut credited = false;
        for raw in split.messages() {
            if let Some(ack) = read(raw.bytes()) {
                credited |= credit(ack, batch_id, members, said);
            }
        }
        if !names_batch && !credited {
            return Heard::Stray(Stray::OtherAck);
        }
        for s in said.iter_mut().filter(|s| **s == Said::Unanswered) {
            *s = Said::Implied;
        }
        return Heard::Answer(());
    }
    let Some(ack) = read(frame) else {
        return Heard::Stray(Stray::NotAnAck);
    };
    if !credit(ack, batch_id, members, said) {
        return Heard::Stray(Stray::OtherAck);
    }
    if said.contains(&Said::Unanswered) {
        Heard::Part
    } else {
        Heard::Answer(())
    }
}

/// The ACK a message's bytes hold, if they are one.
fn read(bytes: &[u8]) -> Option<Ack> {
    Message::parse(bytes.to_vec())
        .ok()
        .and_then(|msg| Ack::read(&msg).ok())
}

/// Credits `ack` to the batch (every message not yet answered) or to the first message not yet
/// answered whose control ID its MSA-2 names; false when it names neither.
fn credit(ack: Ack, batch_id: &str, members: &[String], said: &mut [Said]) -> bool {
    if ack.acknowledges(batch_id) {
        for s in said.iter_mut().filter(|s| **s == Said::Unanswered) {
            *s = Said::Ack(ack.clone());
        }
        return true;
    }
    let open = members
        .iter()
        .zip(said.iter())
        .position(|(id, s)| *s == Said::Unanswered && ack.acknowledges(id));
    match open {
        Some(at) => {
            said[at] = Said::Ack(ack);
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use messagefoundry_hl7::ack::Code;

    use super::*;

    fn ack(code: &str, control_id: &str) -> String {
        format!(
            "MSH|^~\\&|EHR|H|LAB|H|20240101||ACK|A{control_id}|P|2.5\rMSA|{code}|{control_id}\r"
        )
    }

    fn members() -> Vec<String> {
        ["1", "2", "3"].map(String::from).to_vec()
    }

    fn code(said: &Said) -> Option<Code> {
        match said {
            Said::Ack(a) => Some(a.code),
            _ => None,
        }
    }

    #[test]
    fn an_acknowledgment_batch_answers_each_message_and_accepts_those_it_leaves_out() {
        let frame = format!(
            "BHS|^~\\&|EHR||LAB||20240101||||R1|B1\r{}{}BTS|2\r",
            ack("AE", "2"),
            ack("AR", "3")
        );
        let mut said = vec![Said::Unanswered; 3];
        assert!(matches!(
            hear(frame.as_bytes(), "B1", &members(), &mut said),
            Heard::Answer(())
        ));
        assert_eq!(said[0], Said::Implied);
        assert_eq!(code(&said[1]), Some(Code::ApplicationError));
        assert_eq!(code(&said[2]), Some(Code::ApplicationReject));
    }

    #[test]
    fn an_empty_acknowledgment_batch_naming_the_batch_accepts_all() {
        let frame = "BHS|^~\\&|EHR||LAB||20240101||||R1|B1\rBTS|0\r";
        let mut said = vec![Said::Unanswered; 3];
        assert!(matches!(
            hear(frame.as_bytes(), "B1", &members(), &mut said),
            Heard::Answer(())
        ));
        assert!(said.iter().all(|s| *s == Said::Implied));
        // Naming another batch, it is a stray and credits nothing.
        let mut said = vec![Said::Unanswered; 3];
        assert!(matches!(
            hear(frame.as_bytes(), "B2", &members(), &mut said),
            Heard::Stray(Stray::OtherAck)
        ));
        assert!(said.iter().all(|s| *s == Said::Unanswered));
    }

    #[test]
    fn one_ack_per_frame_ends_the_exchange_when_every_message_has_one() {
        let mut said = vec![Said::Unanswered; 3];
        for id in ["1", "2"] {
            assert!(matches!(
                hear(ack("AA", id).as_bytes(), "B1", &members(), &mut said),
                Heard::Part
            ));
        }
        assert!(matches!(
            hear(ack("AA", "9").as_bytes(), "B1", &members(), &mut said),
            Heard::Stray(Stray::OtherAck)
        ));
        assert!(matches!(
            hear(b"garbage", "B1", &members(), &mut said),
            Heard::Stray(Stray::NotAnAck)
        ));
        assert!(matches!(
            hear(ack("CA", "3").as_bytes(), "B1", &members(), &mut said),
            Heard::Answer(())
        ));
        assert!(said.iter().all(|s| matches!(s, Said::Ack(_))));
    }

    #[test]
    fn an_ack_naming_the_batch_answers_every_message_left() {
        let mut said = vec![Said::Unanswered; 3];
        let _ = hear(ack("AA", "1").as_bytes(), "B1", &members(), &mut said);
        assert!(matches!(
            hear(ack("AR", "B1").as_bytes(), "B1", &members(), &mut said),
            Heard::Answer(())
        ));
        assert_eq!(code(&said[0]), Some(Code::ApplicationAccept));
        assert_eq!(code(&said[1]), Some(Code::ApplicationReject));
        assert_eq!(code(&said[2]), Some(Code::ApplicationReject));
    }

    #[test]
    fn messages_sharing_a_control_id_are_answered_in_order() {
        let members = ["7", "7"].map(String::from).to_vec();
        let mut said = vec![Said::Unanswered; 2];
        let frame = format!("BHS|^~\\&\r{}{}BTS|2\r", ack("AE", "7"), ack("AA", "7"));
        let _ = hear(frame.as_bytes(), "B1", &members, &mut said);
        assert_eq!(code(&said[0]), Some(Code::ApplicationError));
        assert_eq!(code(&said[1]), Some(Code::ApplicationAccept));
    }
}
