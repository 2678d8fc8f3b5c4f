use messagefoundry::prelude::*;

#[handler(timeout = "2 sec")]
async fn h(_msg: Message) -> Outcome {
    Outcome::filtered()
}

fn main() {}
