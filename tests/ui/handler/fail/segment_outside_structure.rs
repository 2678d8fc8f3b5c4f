use messagefoundry::prelude::*;

#[handler(message = "ORU^R01")]
fn h(msg: Message) -> Outcome {
    if msg["IN1-2.1"] == "X" || msg["OBR-25"] == "X" {
        return Outcome::filtered();
    }
    Outcome::filtered()
}

#[router]
fn r(_msg: &Message) -> Route {
    route![h]
}

inbound!(IB_X, mllp(port = 2575), router = r);

fn main() {}
