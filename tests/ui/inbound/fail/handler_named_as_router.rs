use messagefoundry::prelude::*;

inbound!(IB_X, mllp(port = 2575), router = h);

#[handler]
fn h(_msg: Message) -> Outcome {
    Outcome::filtered()
}

fn main() {}
