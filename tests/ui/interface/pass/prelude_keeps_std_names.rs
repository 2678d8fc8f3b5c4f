//! The prelude's glob import shadows none of Rust's own names: `Send` is still the marker
//! trait, and a router may drop a message on purpose.
use messagefoundry::prelude::*;

inbound!(IB_ADT, mllp(port = 2575), router = adt_router);
outbound!(OB_EHR, mllp(host = "127.0.0.1", port = 6661));

fn assert_send<T: Send + Sync>() {}

#[router]
fn adt_router(msg: &Message) -> Route {
    if msg["PID-3.1"] == "TEST" {
        return Route::filtered(); // a test patient
    }
    route![to_ehr]
}

#[handler]
fn to_ehr(msg: Message) -> Outcome {
    Outcome::send(OB_EHR, msg)
}

fn main() {
    assert_send::<Message>();
    assert_send::<Outcome>();
}
