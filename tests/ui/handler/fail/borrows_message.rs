use messagefoundry::prelude::*;

#[handler]
fn h(_msg: &Message) -> Outcome {
    Outcome::filtered()
}

fn main() {}
