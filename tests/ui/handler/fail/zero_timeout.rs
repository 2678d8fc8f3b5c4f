use messagefoundry::prelude::*;

#[handler(timeout = "0s")]
async fn h(_msg: Message) -> Outcome {
    Outcome::filtered()
}

fn main() {}
