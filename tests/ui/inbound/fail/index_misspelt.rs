use messagefoundry::prelude::*;

inbound!(IB_X, mllp(port = 2575), router = r, indx = ["PID-3.1"]);

inbound!(IB_Y, file(dir = "/data/in"), router = r, index = "PID-3.1");

inbound!(IB_Z, http(port = 8080, index = ["PID-3.1"]), router = r);

#[router]
fn r(_msg: &Message) -> Route {
    Route::unrouted()
}

fn main() {}
