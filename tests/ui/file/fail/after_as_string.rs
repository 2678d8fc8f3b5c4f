use messagefoundry::prelude::*;

inbound!(IB_X, file(dir = "in", after = "delete", settle = 5), router = r);

#[router]
fn r(_msg: &Message) -> Route {
    Route::unrouted()
}

fn main() {}
