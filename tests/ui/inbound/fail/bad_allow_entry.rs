use messagefoundry::prelude::*;

inbound!(
    IB_X,
    mllp(port = 2575, allow = ["127.0.0.1", "10.1.2.0/33", "10.1.3.7/24"]),
    router = r
);

#[router]
fn r(_msg: &Message) -> Route {
    Route::unrouted()
}

fn main() {}
