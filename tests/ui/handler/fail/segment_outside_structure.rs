use messagefoundry::prelude::*;

#[handler(message = "ORU^R01")]
fn h(msg: Message) -> Outcome {
    if msg["IN1-2.1"] == "X" || msg["OBR-25"] == "X" {
        return Outcome::filtered();
    }
    Outcome::filtered()
}

fn main() {}
