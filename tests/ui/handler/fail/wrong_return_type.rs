use messagefoundry::prelude::*;

#[handler]
fn h(_msg: Message) -> String {
    String::new()
}

fn main() {}
