//! A header without a message type (MSH-9) or a control ID (MSH-10): stored for the operator,
//! recorded as ERROR, never routed, and answered AR (CR in enhanced mode) with an ERR naming
//! each empty field, over a connection that keeps working.

use std::time::Duration;

use messagefoundry::config::{InboundSettings, OutboundSettings};
use messagefoundry::engine::Engine;
use messagefoundry::interface::{AckMode, Disposition, MllpListen};
use messagefoundry::store::MessageId;
use messagefoundry_tests::downstream::Downstream;
use messagefoundry_tests::{
    Client, ack_code, ack_control_id, err_segments, oru, stored_disposition,
};

use messagefoundry_tests::lab::{ehr_at, ehr_down};

/// Starts the lab interface with the ACK mode given, delivering where the test says.
async fn start(db: &std::path::Path, mode: AckMode, outbound: OutboundSettings) -> Engine {
    let inbound = InboundSettings::from(&MllpListen {
        bind: "127.0.0.1",
        port: 0,
        ack_mode: mode,
        ..MllpListen::DEFAULT
    });
    messagefoundry_tests::lab::start(db, inbound, outbound).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_without_type_or_control_id_is_rejected_and_not_routed() {
    let dir = tempfile::tempdir().unwrap();
    let down = Downstream::start(std::sync::Arc::new(|_, _| {
        messagefoundry_tests::downstream::Reply::Ack("AA")
    }))
    .await;
    let engine = start(
        &dir.path().join("h.redb"),
        AckMode::Original,
        ehr_at(down.addr.port()),
    )
    .await;
    let mut client = Client::connect(engine.addresses()[0].1).await.unwrap();

    // The header alone: both fields named, each with HL7 error 101 (required field missing).
    let ack = client.exchange(b"MSH|^~\\&").await.unwrap().unwrap();
    assert_eq!(ack_code(&ack), "AR");
    let errors = err_segments(&ack);
    assert_eq!(errors.len(), 2, "one ERR per empty field: {errors:?}");
    assert!(errors[0].contains("MSH-9 (message type) is empty"));
    assert!(errors[0].contains("101"));
    assert!(errors[1].contains("MSH-10 (message control ID) is empty"));

    // A full header but for MSH-10.
    let ack = client
        .exchange(b"MSH|^~\\&|LIS|LAB|EHR|HOSP|20261124083000||ORU^R01||P|2.5.1\rPID|1||MRN1\r")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ack_code(&ack), "AR");
    assert_eq!(err_segments(&ack).len(), 1);
    assert!(err_segments(&ack)[0].contains("MSH-10"));

    // A full header but for MSH-9: its control ID is echoed, so the sender can match the AR.
    let ack = client
        .exchange(b"MSH|^~\\&|LIS|LAB|EHR|HOSP|20261124083000|||H3|P|2.5.1\r")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (ack_code(&ack), ack_control_id(&ack)),
        ("AR".into(), "H3".into())
    );
    assert!(err_segments(&ack)[0].contains("MSH-9"));

    // The connection goes on, and a good message is still delivered.
    let ack = client.exchange(&oru("H4", "F")).await.unwrap().unwrap();
    assert_eq!(
        (ack_code(&ack), ack_control_id(&ack)),
        ("AA".into(), "H4".into())
    );
    let deadline = std::time::Instant::now() + messagefoundry_tests::PATIENCE;
    while down.control_ids().is_empty() {
        assert!(std::time::Instant::now() < deadline, "H4 was not delivered");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        down.control_ids(),
        ["H4"],
        "only the good message is routed"
    );

    // The three rejected messages are stored, as ERROR with the reason, for the operator.
    for id in 1..=3 {
        let stored = stored_disposition(engine.store(), MessageId(id))
            .await
            .expect("a disposition");
        assert_eq!(stored.disposition, Disposition::Error);
        assert!(
            stored.detail.starts_with("header incomplete: "),
            "{}",
            stored.detail
        );
    }
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enhanced_mode_answers_cr() {
    let dir = tempfile::tempdir().unwrap();
    let engine = start(&dir.path().join("h.redb"), AckMode::Enhanced, ehr_down()).await;
    let mut client = Client::connect(engine.addresses()[0].1).await.unwrap();
    let ack = client
        .exchange(b"MSH|^~\\&|LIS|LAB|EHR|HOSP|20261124083000||ORU^R01||P|2.5.1|||AL|AL\r")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ack_code(&ack), "CR");
    assert!(err_segments(&ack)[0].contains("MSH-10"));
    engine.shutdown().await;
}
