use messagefoundry::prelude::*;

inbound!(IB_X, mllp(port = 2575, tls_cert = "lab.pem", plaintext = deny), router = r);

#[router]
fn r(_msg: &Message) -> Route {
    Route::unrouted()
}

fn main() {}
