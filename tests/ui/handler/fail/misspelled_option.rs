use messagefoundry::prelude::*;

#[handler(timout = "2s")]
async fn h(_msg: Message) -> Outcome {
    Outcome::filtered()
}

fn main() {}
