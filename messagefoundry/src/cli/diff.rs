//! A readable difference between two messages: the segments that differ, marked `-` (expected)
//! and `+` (got) with a segment of context, and for a segment changed in place, the fields that
//! differ by HL7 position (`PID-5`).

use std::borrow::Cow;

/// Segments around a change that are shown unchanged.
const CONTEXT: usize = 1;

/// One step from the expected segments to those got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// In both (indexes into expected, got).
    Same(usize, usize),
    /// Only expected.
    Removed(usize),
    /// Only got.
    Added(usize),
}

/// The lines describing how `got` differs from `expected` (segments, without terminators);
/// empty when they are the same.
pub(super) fn lines(expected: &[&[u8]], got: &[&[u8]]) -> Vec<String> {
    let steps = steps(expected, got);
    if steps.iter().all(|s| matches!(s, Step::Same(..))) {
        return Vec::new();
    }
    let near_change = |i: usize| {
        let lo = i.saturating_sub(CONTEXT);
        let hi = (i + CONTEXT).min(steps.len() - 1);
        steps[lo..=hi].iter().any(|s| !matches!(s, Step::Same(..)))
    };
    let mut out = Vec::new();
    let mut skipped = false;
    let mut i = 0;
    while i < steps.len() {
        match steps[i] {
            Step::Same(e, _) => {
                if near_change(i) {
                    out.push(format!("  {}", text(expected[e])));
                    skipped = false;
                } else if !skipped {
                    out.push("  …".to_owned());
                    skipped = true;
                }
                i += 1;
            }
            Step::Removed(_) | Step::Added(_) => {
                let end = steps[i..]
                    .iter()
                    .position(|s| matches!(s, Step::Same(..)))
                    .map_or(steps.len(), |n| i + n);
                change(&steps[i..end], expected, got, &mut out);
                skipped = false;
                i = end;
            }
        }
    }
    out
}

/// One run of changes: the segments removed, then those added, then for each segment replaced
/// by one of the same ID, the fields that differ.
fn change(run: &[Step], expected: &[&[u8]], got: &[&[u8]], out: &mut Vec<String>) {
    let (mut removed, mut added): (Vec<&[u8]>, Vec<&[u8]>) = (Vec::new(), Vec::new());
    for step in run {
        match *step {
            Step::Removed(e) => removed.push(expected[e]),
            Step::Added(g) => added.push(got[g]),
            Step::Same(..) => {}
        }
    }
    out.extend(removed.iter().map(|s| format!("- {}", text(s))));
    out.extend(added.iter().map(|s| format!("+ {}", text(s))));
    if removed.len() == added.len() {
        for (was, now) in removed.iter().zip(&added) {
            out.extend(fields(was, now));
        }
    }
}

/// The fields of two versions of one segment that differ, as `SEG-n: expected "…", got "…"`;
/// nothing when the segment IDs differ.
fn fields(was: &[u8], now: &[u8]) -> Vec<String> {
    let was: Vec<&[u8]> = was.split(|b| *b == b'|').collect();
    let now: Vec<&[u8]> = now.split(|b| *b == b'|').collect();
    if was[0] != now[0] {
        return Vec::new();
    }
    let id = text(was[0]);
    // In MSH the field separator itself is MSH-1, so the first field after it is MSH-2.
    let shift = usize::from(was[0] == b"MSH");
    (1..was.len().max(now.len()))
        .filter_map(|n| {
            let (a, b) = (was.get(n).copied(), now.get(n).copied());
            (a.unwrap_or_default() != b.unwrap_or_default()).then(|| {
                format!(
                    "    {id}-{}: expected \"{}\", got \"{}\"",
                    n + shift,
                    text(a.unwrap_or_default()),
                    text(b.unwrap_or_default())
                )
            })
        })
        .collect()
}

/// The shortest edit from `expected` to `got`: a longest common subsequence of segments
/// (messages are short, so the quadratic table is small).
fn steps(expected: &[&[u8]], got: &[&[u8]]) -> Vec<Step> {
    let (n, m) = (expected.len(), got.len());
    // common[i][j]: the longest common subsequence of expected[i..] and got[j..].
    let mut common = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            common[i][j] = if expected[i] == got[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(n.max(m));
    while i < n || j < m {
        if i < n && j < m && expected[i] == got[j] {
            out.push(Step::Same(i, j));
            i += 1;
            j += 1;
        } else if j < m && (i == n || common[i][j + 1] > common[i + 1][j]) {
            out.push(Step::Added(j));
            j += 1;
        } else {
            out.push(Step::Removed(i));
            i += 1;
        }
    }
    // Removals before additions within a run, so a replaced segment reads `-` then `+`.
    let mut k = 0;
    while k < out.len() {
        if matches!(out[k], Step::Same(..)) {
            k += 1;
            continue;
        }
        let end = out[k..]
            .iter()
            .position(|s| matches!(s, Step::Same(..)))
            .map_or(out.len(), |n| k + n);
        out[k..end].sort_by_key(|s| matches!(s, Step::Added(_)));
        k = end;
    }
    out
}

fn text(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

#[cfg(test)]
mod tests {
    use super::lines;

    fn segs(text: &str) -> Vec<&[u8]> {
        text.split('\r').map(str::as_bytes).collect()
    }

    #[test]
    fn the_same_segments_differ_in_nothing() {
        let m = segs("MSH|^~\\&|A\rPID|1");
        assert!(lines(&m, &m).is_empty());
    }

    #[test]
    fn a_changed_field_is_named_by_its_position() {
        let expected = segs("MSH|^~\\&|A|B\rEVN|A01\rPID|1||M1||DOE^J\rPV1|1|I\rNTE|1");
        let got = segs("MSH|^~\\&|A|C\rEVN|A01\rPID|1||M1||Doe^J\rPV1|1|I\rNTE|1");
        assert_eq!(
            lines(&expected, &got),
            [
                "- MSH|^~\\&|A|B",
                "+ MSH|^~\\&|A|C",
                "    MSH-4: expected \"B\", got \"C\"",
                "  EVN|A01",
                "- PID|1||M1||DOE^J",
                "+ PID|1||M1||Doe^J",
                "    PID-5: expected \"DOE^J\", got \"Doe^J\"",
                "  PV1|1|I",
                "  …",
            ]
        );
    }

    #[test]
    fn segments_missing_or_extra_are_marked() {
        let expected = segs("MSH|^~\\&|A\rPID|1\rZPI|1");
        let got = segs("MSH|^~\\&|A\rPID|1\rOBX|1|ST");
        assert_eq!(
            lines(&expected, &got),
            ["  …", "  PID|1", "- ZPI|1", "+ OBX|1|ST"]
        );
        let shorter = segs("MSH|^~\\&|A\rPID|1");
        assert_eq!(lines(&expected, &shorter), ["  …", "  PID|1", "- ZPI|1"]);
    }
}
