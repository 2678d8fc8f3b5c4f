use messagefoundry::prelude::*;

#[router]
async fn r(_msg: &Message) -> Route {
    Route::unrouted()
}

fn main() {}
