use messagefoundry::prelude::*;

#[handler]
async fn h(_msg: Message) -> String {
    String::new()
}

fn main() {}
