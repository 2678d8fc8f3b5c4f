use messagefoundry::prelude::*;

values! {
    ehr_facility: text,
}

#[checked]
fn address(msg: &mut Message) -> Result<(), messagefoundry::hl7::EditError> {
    msg.set("MSH-6", &value!("ehr_facilty"))
}

fn main() {}
