use messagefoundry::prelude::*;

inbound!(IB_X, mllp(port = 2575, ack_mode = "enhanced"), router = r);

#[router]
fn r(_msg: &Message) -> Route {
    Route::unrouted()
}

fn main() {}
