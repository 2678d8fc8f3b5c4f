use messagefoundry::prelude::*;

inbound!(
    IB_X,
    mllp(port = 2575),
    router = r,
    index = ["PID-3.1", "PID-99", "PID-3.1"]
);

#[router]
fn r(_msg: &Message) -> Route {
    Route::unrouted()
}

fn main() {}
