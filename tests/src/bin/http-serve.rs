//! An interface binary with HTTP connections for the end-to-end tests: an HTTP inbound whose
//! every message goes to an HTTP outbound. The declared addresses are placeholders; each test
//! gives its own in an environment file (the inbound on port 0, the outbound to a downstream
//! it started). The bearer token is read from `MF_TEST_HTTP_TOKEN`.

use messagefoundry::prelude::*;

inbound!(
    IB_Web,
    http(
        port = 8080,
        path = "/hl7",
        auth_token_env = "MF_TEST_HTTP_TOKEN"
    ),
    router = to_web
);
outbound!(
    OB_Web,
    http(
        url = "http://127.0.0.1:9/hl7",
        retries = 3,
        backoff = "100ms",
        max_backoff = "200ms",
        headers = ["X-Feed: lab"]
    )
);

#[router]
fn to_web(_msg: &Message) -> Route {
    route![forward]
}

#[handler]
fn forward(msg: Message) -> Outcome {
    Outcome::send(OB_Web, msg)
}

messagefoundry::main!();
