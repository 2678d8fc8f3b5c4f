use messagefoundry::prelude::*;

inbound!(IB_X, mllp(port = 2575), router = r);
inbound!(IB_X, mllp(port = 2576), router = r);

#[router]
fn r(_msg: &Message) -> Route {
    Route::unrouted()
}

fn main() {}
