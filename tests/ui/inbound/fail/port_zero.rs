use messagefoundry::prelude::*;

inbound!(IB_X, mllp(port = 0), router = r);

#[router]
fn r(_msg: &Message) -> Route {
    Route::unrouted()
}

fn main() {}
