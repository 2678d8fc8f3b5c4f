use messagefoundry::prelude::*;

#[router]
fn r(msg: &Message) -> Route {
    if msg["PIX-3.1"] == "123" {
        return Route::unrouted();
    }
    Route::unrouted()
}

fn main() {}
