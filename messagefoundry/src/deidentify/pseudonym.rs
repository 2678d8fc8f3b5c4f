//! Pseudonyms: stand-in values derived from the original under a secret key, so the same
//! original always gets the same stand-in (a patient stays one patient across messages) and
//! the original cannot be recovered or guessed from the stand-in without the key.

use ring::hmac;

/// Family names the stand-ins are drawn from: common words, no real person meant.
const FAMILY: &[&str] = &[
    "ASH", "BIRCH", "BROOK", "CEDAR", "CLAY", "DALE", "ELM", "FIELD", "FORD", "FROST", "GLEN",
    "GROVE", "HALE", "HEATH", "HILL", "HOLT", "LAKE", "LANE", "MARSH", "MEAD", "MOOR", "OAK",
    "PARK", "PINE", "POND", "REED", "RIDGE", "ROWAN", "SAGE", "SHAW", "STONE", "VALE", "WELLS",
    "WOOD", "WREN", "YEW",
];

/// Given names the stand-ins are drawn from.
const GIVEN: &[&str] = &[
    "ALEX", "BLAIR", "CASEY", "DANA", "DREW", "ELLIS", "EMERY", "FINLEY", "GRAY", "HAYDEN",
    "JAMIE", "JESSE", "JORDAN", "KAI", "LEE", "LOGAN", "MORGAN", "NOEL", "PAT", "QUINN", "REESE",
    "RILEY", "ROBIN", "RORY", "SAM", "SASHA", "SKYLER", "TAYLOR", "TERRY", "VAL",
];

/// City names the stand-ins are drawn from.
const CITY: &[&str] = &[
    "ASHFORD",
    "BROOKVILLE",
    "CEDARTON",
    "DALEBURY",
    "ELMWOOD",
    "FAIRVIEW",
    "GLENDALE",
    "HILLCREST",
    "LAKEVIEW",
    "MEADOWBROOK",
    "OAKRIDGE",
    "PINEHURST",
    "RIVERSIDE",
    "STONEBRIDGE",
];

/// Derives stand-ins from originals under one key.
pub(super) struct Pseudonyms {
    key: hmac::Key,
}

impl Pseudonyms {
    /// Stand-ins under `key` (any length; 32 random bytes is right).
    pub(super) fn new(key: &[u8]) -> Pseudonyms {
        Pseudonyms {
            key: hmac::Key::new(hmac::HMAC_SHA256, key),
        }
    }

    /// The keyed digest of `original` in the given domain, so that the same text as a name
    /// and as an identifier gets unrelated stand-ins.
    fn digest(&self, domain: &str, original: &str) -> [u8; 32] {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(domain.as_bytes());
        ctx.update(&[0]);
        ctx.update(original.trim().to_uppercase().as_bytes());
        let tag = ctx.sign();
        let mut out = [0; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }

    /// A number from the digest, for picking from a list.
    fn pick<'a>(&self, domain: &str, original: &str, list: &[&'a str]) -> &'a str {
        let d = self.digest(domain, original);
        let n = u64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]]);
        list[(n % list.len() as u64) as usize]
    }

    /// A family name.
    pub(super) fn family_name(&self, original: &str) -> String {
        self.pick("family", original, FAMILY).to_owned()
    }

    /// A given or middle name.
    pub(super) fn given_name(&self, original: &str) -> String {
        self.pick("given", original, GIVEN).to_owned()
    }

    /// A city.
    pub(super) fn city(&self, original: &str) -> String {
        self.pick("city", original, CITY).to_owned()
    }

    /// A street line: a house number and a street named from the family-name list.
    pub(super) fn street(&self, original: &str) -> String {
        let d = self.digest("street", original);
        let number = 1 + u16::from_be_bytes([d[0], d[1]]) % 9999;
        let name = self.pick("street-name", original, FAMILY);
        format!("{number} {name} STREET")
    }

    /// The original's shape with new characters: each digit becomes a digit and each letter a
    /// letter of the same case; anything else (dashes, spaces) stays. Identifiers keep their
    /// length and format, so a receiver's format checks still pass.
    pub(super) fn same_shape(&self, domain: &str, original: &str) -> String {
        let mut digest = self.digest(domain, original);
        let mut round = 0u32;
        let mut out = String::with_capacity(original.len());
        for (i, c) in original.chars().enumerate() {
            let i = i % digest.len();
            if i == 0 && !out.is_empty() {
                // Long values: a new digest per 32 characters, chained on the round.
                round += 1;
                digest = self.digest(domain, &format!("{original}\u{0}{round}"));
            }
            let b = digest[i];
            out.push(match c {
                '0'..='9' => char::from(b'0' + b % 10),
                'a'..='z' => char::from(b'a' + b % 26),
                'A'..='Z' => char::from(b'A' + b % 26),
                other => other,
            });
        }
        out
    }

    /// An e-mail address on the reserved domain `example.invalid`.
    pub(super) fn email(&self, original: &str) -> String {
        let d = self.digest("email", original);
        let local: String = d[..5].iter().map(|b| format!("{b:02x}")).collect();
        format!("p{local}@example.invalid")
    }

    /// Free text, replaced whole: its meaning cannot be kept without reading it.
    pub(super) fn free_text() -> &'static str {
        "[removed]"
    }

    /// A whole number of days in ±1..=365, never 0, the same for every date under this key.
    pub(super) fn day_shift(&self) -> i64 {
        let d = self.digest("date-shift", "");
        let n = i64::from(u16::from_be_bytes([d[0], d[1]]) % 365) + 1;
        if d[2] & 1 == 0 { n } else { -n }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_original_same_stand_in_and_other_keys_differ() {
        let a = Pseudonyms::new(b"key one");
        let b = Pseudonyms::new(b"key two");
        assert_eq!(a.family_name("Doe"), a.family_name(" DOE "));
        assert_eq!(
            a.same_shape("id", "MRN-00123"),
            a.same_shape("id", "MRN-00123")
        );
        let ids: std::collections::HashSet<_> = (0..50)
            .map(|n| a.same_shape("id", &format!("{n:06}")))
            .collect();
        assert!(ids.len() > 45, "stand-ins spread: {}", ids.len());
        assert_ne!(
            a.same_shape("id", "123456789"),
            b.same_shape("id", "123456789")
        );
    }

    #[test]
    fn shape_is_kept() {
        let p = Pseudonyms::new(b"k");
        let long = "AB-1234567890123456789012345678901234567890xy";
        let out = p.same_shape("id", long);
        assert_eq!(out.len(), long.len());
        for (a, b) in long.chars().zip(out.chars()) {
            assert_eq!(a.is_ascii_digit(), b.is_ascii_digit());
            assert_eq!(a.is_ascii_uppercase(), b.is_ascii_uppercase());
            assert_eq!(a.is_ascii_lowercase(), b.is_ascii_lowercase());
            if !a.is_ascii_alphanumeric() {
                assert_eq!(a, b);
            }
        }
        assert_ne!(out, long);
    }

    #[test]
    fn day_shift_is_never_zero() {
        for key in 0..200u32 {
            let shift = Pseudonyms::new(&key.to_be_bytes()).day_shift();
            assert!(shift != 0 && shift.abs() <= 365);
        }
    }
}
