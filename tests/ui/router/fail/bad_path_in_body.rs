use messagefoundry::prelude::*;

#[router]
fn r(msg: &Message) -> Route {
    if msg["MSH-9.x"] == "ORU" {
        return Route::unrouted();
    }
    Route::unrouted()
}

fn main() {}
