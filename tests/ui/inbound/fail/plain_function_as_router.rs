use messagefoundry::prelude::*;

inbound!(IB_X, mllp(port = 2575), router = plain_fn);

fn plain_fn(_msg: &Message) -> Route {
    Route::unrouted()
}

fn main() {}
