//! The `http-lab` interface binary: lab results posted over HTTP(S), each answered with its
//! ACK once stored, and posted on to the EHR's HTTP endpoint. `docs/http.md` runs it.

use messagefoundry::prelude::*;

// The lab posts to https://<this host>:8088/hl7 with the bearer token in LAB_HTTP_TOKEN.
inbound!(
    IB_Lab_Web,
    http(
        port = 8088,
        path = "/hl7",
        auth_token_env = "LAB_HTTP_TOKEN"
    ),
    router = results
);
// The EHR's endpoint; production overrides the URL and its TLS settings per environment.
outbound!(
    OB_EHR_Web,
    http(url = "http://127.0.0.1:8089/hl7", retries = 3)
);

#[router]
fn results(msg: &Message) -> Route {
    if msg["MSH-9.1"] != "ORU" {
        return Route::unrouted(); // not a lab result
    }
    route![to_ehr]
}

#[handler]
fn to_ehr(msg: Message) -> Outcome {
    Outcome::send(OB_EHR_Web, msg)
}

messagefoundry::main!();
