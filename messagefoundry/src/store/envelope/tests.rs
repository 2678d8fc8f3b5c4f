use super::*;

/// The 2.7 KB ORU^R01 the load figures use.
const ORU: &[u8] = include_bytes!("../../../../messagefoundry-hl7/benches/data/oru_r01.hl7");
const KEY_A: [u8; 32] = [7; 32];
const KEY_B: [u8; 32] = [9; 32];

fn sealed(current: &[u8; 32], previous: &[[u8; 32]]) -> Codec {
    Codec::new(DEFAULT_LEVEL, Some(Keys::from_bytes(current, previous)))
}

#[test]
fn bodies_come_back_as_they_went_in() {
    let plain = Codec::new(DEFAULT_LEVEL, None);
    let stored = Codec::new(0, None);
    let keyed = sealed(&KEY_A, &[]);
    let odd: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    for body in [&b""[..], b"MSH|^~\\&|", ORU, &odd] {
        for codec in [&plain, &stored, &keyed] {
            let envelope = codec.seal(body).unwrap();
            assert_eq!(codec.open(&envelope).unwrap(), body);
        }
    }
}

#[test]
fn an_empty_body_stays_empty_so_a_queued_payload_still_means_as_received() {
    assert!(sealed(&KEY_A, &[]).seal(b"").unwrap().is_empty());
}

#[test]
fn the_oru_is_stored_at_under_two_fifths_of_its_size() {
    let stored = Codec::new(DEFAULT_LEVEL, None).seal(ORU).unwrap();
    assert!(
        stored.len() * 5 < ORU.len() * 2,
        "{} bytes stored for {}",
        stored.len(),
        ORU.len()
    );
    assert_eq!(stored[1], ZSTD);
}

#[test]
fn a_sealed_body_does_not_show_its_content_and_each_has_its_own_nonce() {
    let codec = Codec::new(0, Some(Keys::from_bytes(&KEY_A, &[])));
    let one = codec.seal(ORU).unwrap();
    let two = codec.seal(ORU).unwrap();
    assert!(!one.windows(4).any(|w| w == b"MSH|"), "stored in the clear");
    assert_ne!(one[6..18], two[6..18], "a nonce repeated");
    assert_ne!(one, two);
}

#[test]
fn a_body_under_a_key_not_configured_is_refused_naming_the_key() {
    let old = sealed(&KEY_A, &[]);
    let envelope = old.seal(ORU).unwrap();
    let id = Codec::key_of(&envelope).unwrap().unwrap();
    let err = sealed(&KEY_B, &[]).open(&envelope).unwrap_err();
    assert_eq!(err, EnvelopeError::MissingKey(id));
    assert!(err.to_string().contains(&id.to_string()));
    assert_eq!(Codec::new(3, None).open(&envelope).unwrap_err(), err);
    // With the old key as a previous key, it reads.
    assert_eq!(sealed(&KEY_B, &[KEY_A]).open(&envelope).unwrap(), ORU);
}

#[test]
fn an_altered_sealed_body_or_header_is_refused_not_decoded() {
    let codec = sealed(&KEY_A, &[]);
    let envelope = codec.seal(ORU).unwrap();
    let id = codec.current_key().unwrap();
    for at in [1, 10, envelope.len() / 2, envelope.len() - 1] {
        let mut altered = envelope.clone();
        altered[at] ^= 0x01;
        let err = codec.open(&altered).unwrap_err();
        assert!(
            matches!(err, EnvelopeError::Tampered(k) if k == id)
                || matches!(err, EnvelopeError::Damaged(_)),
            "byte {at}: {err:?}"
        );
    }
}

#[test]
fn a_damaged_or_unknown_envelope_is_an_error() {
    let codec = Codec::new(DEFAULT_LEVEL, None);
    for bad in [
        &[9u8, 0][..],
        &[FORMAT],
        &[FORMAT, 0x80],
        &[FORMAT, SEALED, 1, 2],
    ] {
        assert!(
            matches!(codec.open(bad), Err(EnvelopeError::Damaged(_))),
            "{bad:?}"
        );
    }
    let mut frame = codec.seal(ORU).unwrap();
    frame.truncate(frame.len() - 5);
    assert!(matches!(
        codec.open(&frame),
        Err(EnvelopeError::Decompress(_))
    ));
}
