use messagefoundry::prelude::*;

fn main() {
    let message_type = "ORU^R01";
    let msg = new_message!(message_type).build();
    let _ = msg;
}
