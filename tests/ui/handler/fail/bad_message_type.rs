use messagefoundry::prelude::*;

#[handler(message = "ORU-R01")]
fn h(_msg: Message) -> Outcome {
    Outcome::filtered()
}

#[router]
fn r(_msg: &Message) -> Route {
    route![h]
}

inbound!(IB_X, mllp(port = 2575), router = r);

fn main() {}
