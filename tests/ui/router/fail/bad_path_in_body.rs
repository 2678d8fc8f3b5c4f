use messagefoundry::prelude::*;

#[router]
fn r(msg: &Message) -> Route {
    if msg["MSH-9.x"] == "ORU" {
        return Route::unrouted();
    }
    Route::unrouted()
}

inbound!(IB_X, mllp(port = 2575), router = r);

fn main() {}
