//! A sender that declares ISO-8859-1 in MSH-18 and sends UTF-8 (a real message from the corpus,
//! see corpus/README.md for its source): intake notices it, records it with the stored
//! message, and stores the bytes as received; `testing` reads it in the inbound's declared
//! character set.

use std::path::Path;

use messagefoundry::config::InboundSettings;
use messagefoundry::interface::{CharsetPolicy, MllpListen};
use messagefoundry::prelude::*;
use messagefoundry::store::MessageId;
use messagefoundry_tests::lab::ehr_down;
use messagefoundry_tests::{Client, ack_code, read_stored};

const DUTCH: &str = "node-hl7-client/adt_a08_v24_dutch_utf8_declared_8859_1.hl7";
const LATIN1: &str = "MSH|^~\\&|ADT|H|EHR|H|20260101||ADT^A08|C2|P|2.4|||||NLD|8859/1\rPID|1||M2\r";

fn corpus(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mislabelled_message_is_recorded_and_stored_as_received() {
    let dir = tempfile::tempdir().unwrap();
    let inbound = InboundSettings::from(&MllpListen {
        bind: "127.0.0.1",
        port: 0,
        ..MllpListen::DEFAULT
    });
    let engine =
        messagefoundry_tests::lab::start(&dir.path().join("c.redb"), inbound, ehr_down()).await;
    let mut client = Client::connect(engine.addresses()[0].1)
        .await
        .expect("connect");
    for frame in [corpus(DUTCH), LATIN1.as_bytes().to_vec()] {
        let ack = client
            .exchange(&frame)
            .await
            .expect("an answer")
            .expect("an ACK");
        assert_eq!(ack_code(&ack), "AA");
    }

    let (dutch, raw) = read_stored(engine.store(), MessageId(1)).await.unwrap();
    assert!(dutch.utf8_declared_latin1, "noticed and recorded");
    assert_eq!(raw, corpus(DUTCH), "stored as received");
    let (ascii, _) = read_stored(engine.store(), MessageId(2)).await.unwrap();
    assert!(!ascii.utf8_declared_latin1, "pure ASCII is not flagged");
    engine.shutdown().await;
}

#[router]
fn by_family_name(msg: &Message) -> Route {
    if msg["PID-5.1.3"] == "Testpatiënt" {
        Route::filtered()
    } else {
        Route::unrouted()
    }
}

inbound!(IB_AS_DECLARED, mllp(port = 2575), router = by_family_name);
inbound!(
    IB_UTF8,
    mllp(port = 2576, charset = utf8),
    router = by_family_name
);

#[test]
fn testing_reads_in_the_inbounds_character_set() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus")
        .join(DUTCH);
    let declared = messagefoundry::testing::run_file(IB_AS_DECLARED, &path).unwrap();
    assert_eq!(declared.disposition(), Disposition::Unrouted);
    let utf8 = messagefoundry::testing::run_file(IB_UTF8, &path).unwrap();
    assert_eq!(utf8.disposition(), Disposition::Filtered);
    assert_eq!(IB_UTF8.def().charset(), CharsetPolicy::Utf8);
}
