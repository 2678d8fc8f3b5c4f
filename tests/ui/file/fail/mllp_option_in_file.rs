use messagefoundry::prelude::*;

inbound!(IB_X, file(dir = "in", port = 2575), router = r);

#[router]
fn r(_msg: &Message) -> Route {
    Route::unrouted()
}

fn main() {}
