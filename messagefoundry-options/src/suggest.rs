//! "Did you mean …?": the known name closest to a misspelled one.

/// The closest of `known` to `given`, if it is close enough to be a typo.
pub fn nearest<'a>(given: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (distance(given, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_and_strangers() {
        assert_eq!(nearest("prot", &["port", "bind"]), Some("port"));
        assert_eq!(
            nearest("ack_timout", &["ack_timeout", "backoff"]),
            Some("ack_timeout")
        );
        assert_eq!(nearest("zzzzzz", &["port", "bind"]), None);
    }
}
