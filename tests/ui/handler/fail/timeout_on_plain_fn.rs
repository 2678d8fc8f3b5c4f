use messagefoundry::prelude::*;

#[handler(timeout = "2s")]
fn h(_msg: Message) -> Outcome {
    Outcome::filtered()
}

fn main() {}
