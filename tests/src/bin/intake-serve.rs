//! An interface binary for measuring intake by transport (`scripts/intake-by-transport.sh`):
//! one router and handler behind an MLLP, an HTTP and a file inbound, every result to one MLLP
//! outbound, so the transports differ in nothing else. The declared ports and folder are
//! placeholders; the script gives its own in an environment file. The HTTP inbound's bearer
//! token is read from `MF_BENCH_HTTP_TOKEN`.

use messagefoundry::prelude::*;

inbound!(IB_Mllp, mllp(port = 2575), router = results);
inbound!(
    IB_Http,
    http(
        port = 8088,
        path = "/hl7",
        auth_token_env = "MF_BENCH_HTTP_TOKEN"
    ),
    router = results
);
inbound!(
    IB_Files,
    file(dir = "inbox", pattern = "*.hl7"),
    router = results
);
outbound!(OB_EHR, mllp(host = "127.0.0.1", port = 6661));

/// Lab results go to the EHR (the lab example's rule); nothing else is routed.
#[router]
fn results(msg: &Message) -> Route {
    if msg["MSH-9.1"] != "ORU" {
        return Route::unrouted();
    }
    route![to_ehr]
}

/// Sends each result on as received.
#[handler]
fn to_ehr(msg: Message) -> Outcome {
    Outcome::send(OB_EHR, msg)
}

messagefoundry::main!();
