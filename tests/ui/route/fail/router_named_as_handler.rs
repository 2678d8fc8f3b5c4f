use messagefoundry::prelude::*;

#[router]
fn other(_msg: &Message) -> Route {
    Route::unrouted()
}

#[router]
fn r(_msg: &Message) -> Route {
    route![other]
}

fn main() {}
