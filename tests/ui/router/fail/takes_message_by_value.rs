use messagefoundry::prelude::*;

#[router]
fn r(_msg: Message) -> Route {
    Route::unrouted()
}

inbound!(IB_X, mllp(port = 2575), router = r);

fn main() {}
