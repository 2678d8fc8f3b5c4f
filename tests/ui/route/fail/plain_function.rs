use messagefoundry::prelude::*;

fn plain_fn(_msg: Message) -> Outcome {
    Outcome::filtered()
}

#[router]
fn r(_msg: &Message) -> Route {
    route![plain_fn]
}

fn main() {}
