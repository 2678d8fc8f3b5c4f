use messagefoundry::prelude::*;

#[router]
fn r(_msg: &Message) -> Route {
    route![to_ehrr]
}

fn main() {}
