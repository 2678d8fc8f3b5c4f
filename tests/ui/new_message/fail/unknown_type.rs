use messagefoundry::prelude::*;

fn main() {
    // OMG^O19 exists from HL7 2.4 on, but not as ORU^O19.
    let msg = new_message!("ORU^O19").build();
    let _ = msg;
}
