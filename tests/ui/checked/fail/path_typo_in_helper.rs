use messagefoundry::prelude::*;

#[checked]
fn is_inpatient(msg: &Message) -> bool {
    msg["PV1-99.1"] == "I"
}

fn main() {}
