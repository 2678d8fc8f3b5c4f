use messagefoundry::prelude::*;

#[handler]
fn h(_msg: Message) -> String {
    String::new()
}

#[router]
fn r(_msg: &Message) -> Route {
    route![h]
}

inbound!(IB_X, mllp(port = 2575), router = r);

fn main() {}
