use messagefoundry::hl7::EditError;
use messagefoundry::prelude::*;

#[checked]
fn uppercase_family_names(msg: &mut Message) -> Result<(), EditError> {
    msg.update_every("PID-5.20", |family| family.to_uppercase())
}

fn main() {}
