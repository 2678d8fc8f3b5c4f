//! Declared index values on an encrypted store: each is kept as a keyed digest, not as text.
//!
//! The digest is HMAC-SHA256 over the field's name and the value (cut as the plain index cuts
//! it, [`cut`](crate::interface::index::cut)), under a key derived from the store key, its
//! first 16 bytes written as 22 URL-safe base64 characters. An exact search digests the value
//! asked for the same way and finds its rows as it would find the text; a search by a value's
//! start cannot (digests of values that start alike share nothing), so it is refused.
//!
//! What the file tells someone without the key: which messages hold the same value in the
//! same field (equal digests), and how many distinct values a field has; not the values. The
//! header values (type, control ID, time) are not patient data and stay plain.

use crate::store::envelope::Codec;

/// The bytes of the HMAC kept: 128 bits, so two values colliding is never seen in practice.
const DIGEST_LEN: usize = 16;

/// Replaces the values by their digests under the current key, when `codec` seals (left as
/// they are otherwise). Run on the caller's task, before the writer.
pub(crate) fn seal(codec: &Codec, values: &mut [(&str, String)]) {
    let Some(keys) = codec.keys() else { return };
    for (field, value) in values {
        *value = encode(keys.index_tag(field, value).as_ref());
    }
}

/// What a declared field's rows may hold for `value`: the value itself (rows written before
/// the store had a key, until `store rotate-key` re-keys them), then its digest under each
/// key configured (rows not yet re-keyed after a new key).
pub(crate) fn forms(codec: &Codec, field: &str, value: &str) -> Vec<String> {
    let mut out = vec![value.to_owned()];
    if let Some(keys) = codec.keys() {
        out.extend(
            keys.index_tags(field, value)
                .iter()
                .map(|tag| encode(tag.as_ref())),
        );
    }
    out
}

/// The first [`DIGEST_LEN`] bytes, in URL-safe base64 without padding.
fn encode(tag: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&tag[..DIGEST_LEN.min(tag.len())])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::keys::Keys;

    #[test]
    fn base64_of_known_bytes() {
        // RFC 4648's examples, URL-safe and unpadded.
        assert_eq!(encode(b"f"), "Zg");
        assert_eq!(encode(b"foo"), "Zm9v");
        assert_eq!(encode(b"foob"), "Zm9vYg");
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(encode(&[7u8; 32]).len(), 22);
    }

    #[test]
    fn digests_depend_on_the_key_and_the_field_and_hide_the_value() {
        let a = Codec::new(0, Some(Keys::from_bytes(&[1; 32], &[])));
        let b = Codec::new(0, Some(Keys::from_bytes(&[2; 32], &[[1; 32]])));
        let mut values = vec![
            ("PID-3.1", "MRN-1".to_owned()),
            ("PID-2", "MRN-1".to_owned()),
        ];
        seal(&a, &mut values);
        assert_eq!(values[0].1.len(), 22);
        assert!(!values[0].1.contains("MRN"));
        // One value under two fields: two digests.
        assert_ne!(values[0].1, values[1].1);
        // A search under key b (a previous) finds what was written under a, and the plain.
        let forms = forms(&b, "PID-3.1", "MRN-1");
        assert_eq!(forms[0], "MRN-1");
        assert_ne!(forms[1], values[0].1);
        assert_eq!(forms[2], values[0].1);
        let plain = Codec::new(0, None);
        let mut kept = vec![("PID-3.1", "MRN-1".to_owned())];
        seal(&plain, &mut kept);
        assert_eq!(kept[0].1, "MRN-1");
    }
}
