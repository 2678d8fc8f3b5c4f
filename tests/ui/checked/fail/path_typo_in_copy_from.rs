use messagefoundry::hl7::EditError;
use messagefoundry::prelude::*;

#[checked]
fn copy_identifiers(msg: &mut Message, from: &Message) -> Result<(), EditError> {
    msg.copy_from(from, "PID-99")
}

fn main() {}
