use messagefoundry::prelude::*;

inbound!(IB_Web, http(port = 8080, path = "hl7"), router = r);
outbound!(OB_Web, http(url = "http://127.0.0.1:8080/hl7", headers = ["X-Feed: lab", "Content-Type: text/plain", "broken"]));

#[router]
fn r(_msg: &Message) -> Route {
    Route::unrouted()
}

fn main() {}
