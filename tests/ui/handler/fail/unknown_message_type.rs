use messagefoundry::prelude::*;

#[handler(message = "ORU^Z99")]
fn h(_msg: Message) -> Outcome {
    Outcome::filtered()
}

fn main() {}
