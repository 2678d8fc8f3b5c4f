use messagefoundry::prelude::*;

#[handler(message = "ORU-R01")]
fn h(_msg: Message) -> Outcome {
    Outcome::filtered()
}

fn main() {}
