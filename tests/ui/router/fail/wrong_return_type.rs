use messagefoundry::prelude::*;

#[router]
fn r(msg: &Message) -> bool {
    msg["MSH-9.1"] == "ORU"
}

fn main() {}
