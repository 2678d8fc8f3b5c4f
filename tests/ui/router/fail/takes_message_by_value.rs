use messagefoundry::prelude::*;

#[router]
fn r(_msg: Message) -> Route {
    Route::unrouted()
}

fn main() {}
