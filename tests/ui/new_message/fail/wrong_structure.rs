use messagefoundry::prelude::*;

fn main() {
    // ADT^A04 has the structure ADT_A01.
    let msg = new_message!("ADT^A04^ADT_A04").build();
    let _ = msg;
}
