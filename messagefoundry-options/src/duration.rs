//! Durations as options and command-line flags write them: `"500ms"`, `"30s"`, `"10m"`,
//! `"1h"`, `"2d"`.

use std::time::Duration;

/// The units, largest first: suffix and milliseconds.
const UNITS: [(&str, u64); 5] = [
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

/// Reads a whole number followed by a unit; `None` for anything else, or for zero.
///
/// ```
/// use std::time::Duration;
/// use messagefoundry_options::parse_duration;
/// assert_eq!(parse_duration("10m"), Some(Duration::from_secs(600)));
/// assert_eq!(parse_duration("30"), None);
/// ```
pub fn parse_duration(text: &str) -> Option<Duration> {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let n: u64 = digits.parse().ok()?;
    let (_, unit) = UNITS.iter().find(|(u, _)| *u == &text[digits.len()..])?;
    let millis = n.checked_mul(*unit)?;
    (millis > 0).then(|| Duration::from_millis(millis))
}

/// What a mistyped duration was probably meant to be, written as [`parse_duration`] reads
/// it: `"2 s"`, `"2sec"` and `"2"` are `"2s"`, `"1.5s"` is `"1500ms"`. `None` when there is no
/// likely reading, or for zero (no duration of zero is accepted).
///
/// ```
/// use messagefoundry_options::suggest_duration;
/// assert_eq!(suggest_duration("2 seconds").as_deref(), Some("2s"));
/// assert_eq!(suggest_duration("soon"), None);
/// ```
pub fn suggest_duration(text: &str) -> Option<String> {
    let squeezed: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    let number = squeezed.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = match &squeezed[number.len()..] {
        "" | "s" | "sec" | "secs" | "second" | "seconds" => 1_000.0,
        "ms" | "msec" | "msecs" | "millis" | "millisecond" | "milliseconds" => 1.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60_000.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600_000.0,
        "d" | "day" | "days" => 86_400_000.0,
        _ => return None,
    };
    if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let millis = number.parse::<f64>().ok()? * unit;
    if !(1.0..=1e15).contains(&millis) || millis.fract() != 0.0 {
        return None;
    }
    // Whole milliseconds below 10^15: the conversion is exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let written = format_duration(Duration::from_millis(millis as u64));
    (written != text).then_some(written)
}

/// Writes a duration in its largest whole unit, as `parse_duration` reads it back:
/// 600 s is `"10m"`. Below a millisecond is not written.
pub fn format_duration(d: Duration) -> String {
    let millis = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    let (unit, size) = UNITS
        .iter()
        .find(|(_, size)| millis.is_multiple_of(*size))
        .copied()
        .unwrap_or(("ms", 1));
    format!("{}{unit}", millis / size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let d = |s: &str| parse_duration(s).map(|d| d.as_millis());
        assert_eq!(d("250ms"), Some(250));
        assert_eq!(d("30s"), Some(30_000));
        assert_eq!(d("10m"), Some(600_000));
        assert_eq!(d("1h"), Some(3_600_000));
        assert_eq!(d("30d"), Some(2_592_000_000));
        for bad in [
            "30",
            "0s",
            "s",
            "1.5s",
            "-1s",
            "1 s",
            "1w",
            "99999999999999999999d",
        ] {
            assert_eq!(d(bad), None, "{bad}");
        }
    }

    #[test]
    fn likely_meanings() {
        let s = |t: &str| suggest_duration(t);
        assert_eq!(s("2").as_deref(), Some("2s"));
        assert_eq!(s("2 s").as_deref(), Some("2s"));
        assert_eq!(s("2Sec").as_deref(), Some("2s"));
        assert_eq!(s("1.5s").as_deref(), Some("1500ms"));
        assert_eq!(s("90 seconds").as_deref(), Some("90s"));
        assert_eq!(s("5 minutes").as_deref(), Some("5m"));
        assert_eq!(s("250 millis").as_deref(), Some("250ms"));
        for none in [
            "0s", "0", "", "soon", "2w", "-2s", "1.2.3s", "0.0001s", "2s",
        ] {
            assert_eq!(s(none), None, "{none}");
        }
    }

    #[test]
    fn written_back_in_the_largest_unit() {
        for (millis, text) in [
            (600_000, "10m"),
            (60_000, "1m"),
            (1_500, "1500ms"),
            (5_000, "5s"),
        ] {
            let written = format_duration(Duration::from_millis(millis));
            assert_eq!(written, text);
            assert_eq!(
                parse_duration(&written),
                Some(Duration::from_millis(millis))
            );
        }
    }
}
