use messagefoundry::prelude::*;

// An MLLP option is not an HTTP one: the suggestion and the list are HTTP's.
inbound!(IB_Web, http(port = 8080, pth = "/hl7", max_frame = 1024), router = r);

#[router]
fn r(_msg: &Message) -> Route {
    Route::unrouted()
}

fn main() {}
