use messagefoundry::prelude::*;

#[router]
fn r(msg: &Message) -> bool {
    msg["MSH-9.1"] == "ORU"
}

inbound!(IB_X, mllp(port = 2575), router = r);

fn main() {}
