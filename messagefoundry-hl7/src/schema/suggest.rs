//! "Did you mean ...?": the known segment IDs nearest to a mistyped one.

/// The candidates at edit distance 1 from `wrong` (a substitution, insertion, deletion or a
/// swap of neighbours), sorted, without duplicates, at most three.
pub(crate) fn nearest<'c>(wrong: &str, candidates: impl Iterator<Item = &'c str>) -> Vec<&'c str> {
    let mut near: Vec<&str> = candidates
        .filter(|c| *c != wrong && distance(wrong.as_bytes(), c.as_bytes()) <= 1)
        .collect();
    // A swap of neighbours (PDI for PID) is the likeliest slip, so anagrams come first.
    let letters = |s: &str| {
        let mut b = s.as_bytes().to_vec();
        b.sort_unstable();
        b
    };
    let wrong_letters = letters(wrong);
    near.sort_unstable_by_key(|c| (letters(c) != wrong_letters, *c));
    near.dedup();
    near.truncate(3);
    near
}

/// Optimal string alignment distance: Levenshtein plus adjacent transpositions.
fn distance(a: &[u8], b: &[u8]) -> usize {
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[n][m]
}

/// `A`, `A or B`, `A, B or C`.
pub(crate) fn or_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance(b"PIX", b"PID"), 1);
        assert_eq!(distance(b"PDI", b"PID"), 1);
        assert_eq!(distance(b"OBX", b"OBR"), 1);
        assert_eq!(distance(b"ABC", b"XYZ"), 3);
    }

    #[test]
    fn nearest_sorted_and_capped() {
        let ids = ["OBR", "OBX", "PID", "OBX"];
        assert_eq!(nearest("OBY", ids.into_iter()), ["OBR", "OBX"]);
        assert_eq!(nearest("QQQ", ids.into_iter()), Vec::<&str>::new());
        let ids = ["PD1", "PDA", "PDC", "PID"];
        assert_eq!(nearest("PDI", ids.into_iter()), ["PID", "PD1", "PDA"]);
        assert_eq!(or_list(&["A", "B", "C"]), "A, B or C");
    }
}
