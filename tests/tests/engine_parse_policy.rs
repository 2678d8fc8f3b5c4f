//! Each inbound's parse policy, on two real messages with a blank line between segments (from
//! the corpus, see corpus/README.md for their sources): a tolerant inbound (the default) stores
//! them as received, records the repair and routes them; a strict one refuses them.

use std::path::Path;

use messagefoundry::config::InboundSettings;
use messagefoundry::engine::Engine;
use messagefoundry::interface::{Disposition, MllpListen, ParsePolicy};
use messagefoundry::store::{MessageId, ParseState};
use messagefoundry_tests::lab::ehr_down;
use messagefoundry_tests::{Client, ack_code, read_stored, settled};

/// An ADT^O01 with CRLF endings, a blank line between NK1 and PV1 and a trailing space.
const ADT_BLANK_LINE: &str = "hl7-dotnetcore/adt_o01_v23_crlf_blank_line.hl7";
/// An ACK with CRLF and LF endings and stray delimiters in its fields.
const ACK_WEIRD: &str = "hapi-hl7v2/ack_a01_weird_delims_in_fields.hl7";

fn corpus(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn start(db: &Path, parse: ParsePolicy) -> Engine {
    let inbound = InboundSettings::from(&MllpListen {
        bind: "127.0.0.1",
        port: 0,
        parse,
        ..MllpListen::DEFAULT
    });
    messagefoundry_tests::lab::start(db, inbound, ehr_down()).await
}

/// Sends the ADT with a blank line, the odd ACK (never answered), the ADT again; returns the
/// answers to the two ADTs.
async fn send_both(engine: &Engine) -> [Vec<u8>; 2] {
    let mut client = Client::connect(engine.addresses()[0].1)
        .await
        .expect("connect");
    let first = answer(&mut client, &corpus(ADT_BLANK_LINE)).await;
    client.send(&corpus(ACK_WEIRD)).await.expect("sent");
    // The ACK is never acknowledged; the answer to what follows says it was taken in.
    [first, answer(&mut client, &corpus(ADT_BLANK_LINE)).await]
}

async fn answer(client: &mut Client, bytes: &[u8]) -> Vec<u8> {
    client
        .exchange(bytes)
        .await
        .expect("an answer")
        .expect("an ACK")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tolerant_inbound_repairs_blank_lines_and_keeps_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let engine = start(&dir.path().join("t.redb"), ParsePolicy::Tolerant).await;
    let adt = corpus(ADT_BLANK_LINE);
    for ack in send_both(&engine).await {
        assert_eq!(ack_code(&ack), "AA");
    }

    for id in [MessageId(1), MessageId(2)] {
        let (info, raw) = read_stored(engine.store(), id).await.unwrap();
        assert_eq!(info.parse_state, ParseState::Repaired, "{id}");
        assert!(!info.parse_error.is_empty(), "{id}: what was repaired");
        let sent = if id == MessageId(1) {
            adt.clone()
        } else {
            corpus(ACK_WEIRD)
        };
        assert_eq!(raw, sent, "{id}: stored as received");
        // Routed like any message: the lab router leaves ADT and ACK unrouted.
        assert_eq!(
            settled(engine.store(), id).await,
            Disposition::Unrouted,
            "{id}"
        );
    }
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_strict_inbound_refuses_them() {
    let dir = tempfile::tempdir().unwrap();
    let engine = start(&dir.path().join("s.redb"), ParsePolicy::Strict).await;
    for ack in send_both(&engine).await {
        assert_eq!(ack_code(&ack), "AR");
        assert!(String::from_utf8_lossy(&ack).contains("blank line"));
    }

    for id in [MessageId(1), MessageId(2)] {
        let (info, _) = read_stored(engine.store(), id).await.unwrap();
        assert_eq!(info.parse_state, ParseState::Broken, "{id}");
        assert_eq!(
            settled(engine.store(), id).await,
            Disposition::Error,
            "{id}"
        );
    }
    engine.shutdown().await;
}
