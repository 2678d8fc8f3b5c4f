//! Validation at intake: an inbound with `validate` answers a message that fails the schema AE
//! with an ERR per finding, stores it as ERROR with its findings and never routes it; a valid
//! message goes on as usual.

use std::sync::Arc;
use std::time::{Duration, Instant};

use messagefoundry::config::InboundSettings;
use messagefoundry::engine::Engine;
use messagefoundry::interface::{AckMode, Disposition, InvalidAck, MllpListen, ValidatePolicy};
use messagefoundry::store::MessageId;
use messagefoundry_tests::downstream::{Downstream, Reply};
use messagefoundry_tests::lab::{ehr_at, ehr_down};
use messagefoundry_tests::{
    Client, PATIENCE, ack_code, ack_control_id, err_segments, oru, stored_disposition,
};

/// An ORU^R01 without its required OBR: invalid in either preset.
fn without_obr(control_id: &str) -> Vec<u8> {
    format!(
        "MSH|^~\\&|LIS|LAB|EHR|HOSP|20261124083000||ORU^R01^ORU_R01|{control_id}|P|2.5.1\r\
         PID|1||MRN1^^^HOSP^MR||Testpatient^Alex\r\
         OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|70-99|N|||F\r"
    )
    .into_bytes()
}

async fn start(db: &std::path::Path, mode: AckMode, validate: ValidatePolicy, down: u16) -> Engine {
    let inbound = InboundSettings::from(&MllpListen {
        bind: "127.0.0.1",
        port: 0,
        ack_mode: mode,
        validate,
        ..MllpListen::DEFAULT
    });
    messagefoundry_tests::lab::start(db, inbound, ehr_at(down)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_message_is_answered_ae_stored_as_error_and_not_routed() {
    for policy in [ValidatePolicy::Tolerant, ValidatePolicy::Strict] {
        let dir = tempfile::tempdir().unwrap();
        let down = Downstream::start(Arc::new(|_, _| Reply::Ack("AA"))).await;
        let engine = start(
            &dir.path().join("v.redb"),
            AckMode::Original,
            policy,
            down.addr.port(),
        )
        .await;
        let mut client = Client::connect(engine.addresses()[0].1).await.unwrap();

        let ack = client.exchange(&without_obr("V1")).await.unwrap().unwrap();
        assert_eq!(
            (ack_code(&ack), ack_control_id(&ack)),
            ("AE".into(), "V1".into()),
            "{policy:?}"
        );
        let errs = err_segments(&ack);
        assert!(
            errs.iter().any(|e| e.contains("OBR") && e.contains("|E|")),
            "{policy:?}: {errs:?}"
        );

        let ack = client.exchange(&oru("V2", "F")).await.unwrap().unwrap();
        assert_eq!(ack_code(&ack), "AA", "{policy:?}: a valid message");
        let deadline = Instant::now() + PATIENCE;
        while down.control_ids().is_empty() {
            assert!(Instant::now() < deadline, "V2 was not delivered");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(down.control_ids(), ["V2"], "{policy:?}: only the valid one");

        let stored = stored_disposition(engine.store(), MessageId(1))
            .await
            .expect("a disposition");
        assert_eq!(stored.disposition, Disposition::Error);
        assert!(
            stored.detail.starts_with("validation: "),
            "{}",
            stored.detail
        );
        assert!(stored.detail.contains("OBR"), "{}", stored.detail);
        engine.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enhanced_mode_accepts_then_answers_ae() {
    let dir = tempfile::tempdir().unwrap();
    let down = Downstream::start(Arc::new(|_, _| Reply::Ack("AA"))).await;
    let engine = start(
        &dir.path().join("v.redb"),
        AckMode::Enhanced,
        ValidatePolicy::Tolerant,
        down.addr.port(),
    )
    .await;
    let mut client = Client::connect(engine.addresses()[0].1).await.unwrap();
    let mut message = String::from_utf8(without_obr("V3")).unwrap();
    message = message.replacen("|P|2.5.1\r", "|P|2.5.1|||AL|AL\r", 1);
    let ack = client.exchange(message.as_bytes()).await.unwrap().unwrap();
    assert_eq!(ack_code(&ack), "CA");
    let ack = client.receive().await.unwrap().unwrap();
    assert_eq!(
        (ack_code(&ack), ack_control_id(&ack)),
        ("AE".into(), "V3".into())
    );
    assert!(!err_segments(&ack).is_empty());
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_ack_ar_answers_ar_with_the_findings() {
    let dir = tempfile::tempdir().unwrap();
    let inbound = InboundSettings::from(&MllpListen {
        bind: "127.0.0.1",
        port: 0,
        validate: ValidatePolicy::Tolerant,
        invalid_ack: InvalidAck::Ar,
        ..MllpListen::DEFAULT
    });
    let engine =
        messagefoundry_tests::lab::start(&dir.path().join("v.redb"), inbound, ehr_down()).await;
    let mut client = Client::connect(engine.addresses()[0].1).await.unwrap();
    let ack = client.exchange(&without_obr("V4")).await.unwrap().unwrap();
    assert_eq!(
        (ack_code(&ack), ack_control_id(&ack)),
        ("AR".into(), "V4".into())
    );
    assert!(err_segments(&ack).iter().any(|e| e.contains("OBR")));
    let stored = stored_disposition(engine.store(), MessageId(1))
        .await
        .expect("a disposition");
    assert_eq!(stored.disposition, Disposition::Error);
    engine.shutdown().await;
}
