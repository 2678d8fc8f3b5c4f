use messagefoundry::prelude::*;

fn main() {
    let msg = new_message!("ORU R01").build();
    let _ = msg;
}
