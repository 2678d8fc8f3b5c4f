//! The lab results interface of `examples/lab-oru`, for the end-to-end tests: ORU^R01 to the
//! EHR, OBR-25 = X filtered, OBR-25 = E an ERROR outcome (to test error ACKs), anything else
//! unrouted.
//!
//! The declared addresses are the example's; tests never use them. Each test gives its engine
//! a listener on port 0 and an EHR address it owns ([`ehr_at`], [`ehr_down`]).

use messagefoundry::config::OutboundSettings;
use messagefoundry::prelude::*;

inbound!(pub IB_Lab_ORU, mllp(port = 2575), router = oru_router);
outbound!(pub OB_EHR_ORU, mllp(host = "127.0.0.1", port = 6661));

/// The EHR outbound's settings, delivering to this loopback port.
pub fn ehr_at(port: u16) -> OutboundSettings {
    let mut settings = OutboundSettings::from(&OB_EHR_ORU.def().mllp);
    settings.host = "127.0.0.1".into();
    settings.port = port;
    settings
}

/// The EHR outbound's settings, delivering to a port the test process holds and never listens
/// on: the EHR is down, whatever else runs on the machine.
pub fn ehr_down() -> OutboundSettings {
    ehr_at(crate::ports::down_port())
}

/// Starts the engine with the lab interface's one inbound and one outbound, with the settings
/// the test chose, and no retention.
pub async fn start(
    db: &std::path::Path,
    inbound: messagefoundry::config::InboundSettings,
    outbound: OutboundSettings,
) -> messagefoundry::engine::Engine {
    messagefoundry::engine::Engine::start(messagefoundry::engine::EngineConfig {
        db: db.to_path_buf(),
        inbounds: vec![(IB_Lab_ORU, inbound)],
        outbounds: vec![(OB_EHR_ORU, outbound)],
        retention: None,
    })
    .await
    .expect("engine starts")
}

/// Lab results go to the EHR; nothing else is routed.
#[router]
pub fn oru_router(msg: &Message) -> Route {
    if msg["MSH-9.1"] != "ORU" {
        return Route::unrouted();
    }
    route![to_ehr]
}

/// Sends results on, filters those corrected in error, fails those with status E.
#[handler]
pub fn to_ehr(msg: Message) -> Outcome {
    if msg["OBR-25"] == "X" {
        return Outcome::filtered();
    }
    if msg["OBR-25"] == "E" {
        return Outcome::error("result status E is not accepted");
    }
    Outcome::send(OB_EHR_ORU, msg)
}
