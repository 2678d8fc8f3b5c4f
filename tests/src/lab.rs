//! The lab results interface of `examples/lab-oru`, the example itself, for the end-to-end tests:
//! ORU^R01 to the EHR, OBR-25 = X filtered, OBR-25 = E an ERROR outcome, anything else unrouted.
//!
//! Its two connections are registered once, by the example's library, as they were when this
//! crate declared its own copy: a test binary linking this crate has them and no others. The
//! declared addresses are the example's; tests never use them. Each test gives its engine a
//! listener on port 0 and an EHR address it owns ([`ehr_at`], [`ehr_down`]).

use messagefoundry::config::OutboundSettings;

pub use lab_oru::{IB_Lab_ORU, OB_EHR_ORU, oru_router, to_ehr};

/// The EHR outbound's settings, delivering to this loopback port.
pub fn ehr_at(port: u16) -> OutboundSettings {
    let mut settings = OutboundSettings::from(OB_EHR_ORU.def().mllp().expect("an MLLP outbound"));
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
        file_inbounds: Vec::new(),
        file_outbounds: Vec::new(),
        retention: None,
        store_keys: Default::default(),
    })
    .await
    .expect("engine starts")
}
