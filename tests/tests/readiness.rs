//! A listener counts as listening from the moment the engine has started: `serve` says it is
//! ready (and prints its banners) as soon as `Engine::start` returns, so `/ready` must not
//! wait for the listener's task to be scheduled.

use messagefoundry::config::InboundSettings;
use messagefoundry::engine::{Engine, EngineConfig};
use messagefoundry::interface::MllpListen;
use messagefoundry_tests::lab::{IB_Lab_ORU, OB_EHR_ORU, ehr_down};

// One thread: the listener's task cannot run before this test yields.
#[tokio::test(flavor = "current_thread")]
async fn every_listener_is_listening_when_the_engine_has_started() {
    let dir = tempfile::tempdir().unwrap();
    let mut inbound = InboundSettings::from(&MllpListen {
        bind: "127.0.0.1",
        ..MllpListen::DEFAULT
    });
    inbound.port = 0;
    let engine = Engine::start(EngineConfig {
        db: dir.path().join("r.redb"),
        inbounds: vec![(IB_Lab_ORU, inbound)],
        outbounds: vec![(OB_EHR_ORU, ehr_down())],
        file_inbounds: Vec::new(),
        file_outbounds: Vec::new(),
        retention: None,
        store_keys: Default::default(),
    })
    .await
    .expect("engine starts");
    let handle = engine.handle();
    assert!(handle.metrics().inbounds[0].listening());
    engine.shutdown().await;
    assert!(!handle.metrics().inbounds[0].listening());
}
