use proptest::prelude::*;

use super::*;

#[test]
fn every_precision_reads_and_writes_back() {
    for (text, precision) in [
        ("2024", Precision::Year),
        ("202402", Precision::Month),
        ("20240229", Precision::Day),
        ("2024022913", Precision::Hour),
        ("202402291305", Precision::Minute),
        ("20240229130559", Precision::Second),
        ("20240229130559.1", Precision::Tenths),
        ("20240229130559.12", Precision::Hundredths),
        ("20240229130559.123", Precision::Thousandths),
        ("20240229130559.1234", Precision::TenThousandths),
        ("2024+0100", Precision::Year),
        ("20240229130559.1234-1200", Precision::TenThousandths),
        ("202402291305+1400", Precision::Minute),
    ] {
        let t = DateTime::parse(text).unwrap();
        assert_eq!(t.precision(), precision, "{text}");
        assert_eq!(t.to_string(), text);
    }
    assert_eq!(
        DateTime::parse("20241231235960").unwrap().to_string(),
        "20241231235959"
    );
    assert_eq!(
        DateTime::parse("2024-0000").unwrap().to_string(),
        "2024+0000"
    );
}

#[test]
fn errors_say_what_is_wrong_without_the_value() {
    let reason = |text: &str| DateTime::parse(text).unwrap_err().to_string();
    assert_eq!(reason("20241301"), "the value has a month outside 01-12");
    assert_eq!(
        reason("20240101246000"),
        "the value has an hour outside 00-23"
    );
    assert_eq!(
        reason("2024010112-05"),
        "the value has a time zone offset that is not +/-HHMM"
    );
    assert_eq!(
        reason("202401011230.5"),
        "the value has fractions of a second without seconds"
    );
    assert!(reason("2024-01-01").contains("time zone offset"));
    assert!(reason("").starts_with("the value is not a date/time"));
    assert!(Date::parse("2024010112").is_err());
    assert!(Time::parse("12305").is_err());
}

#[test]
fn precision_changes_drop_or_add_parts() {
    let t = DateTime::parse("20240229130559.1234+0100").unwrap();
    assert_eq!(
        t.with_precision(Precision::Month).to_string(),
        "202402+0100"
    );
    assert_eq!(
        t.with_precision(Precision::Month).civil().to_string(),
        "2024-02-01T00:00:00"
    );
    let coarse = DateTime::parse("202402").unwrap();
    assert_eq!(
        coarse.with_precision(Precision::Second).to_string(),
        "20240201000000"
    );
    assert_eq!(
        t.with_precision(Precision::Tenths),
        DateTime::parse("20240229130559.1+0100").unwrap()
    );
}

#[test]
fn zones_convert_across_daylight_saving_time() {
    let new_york = TimeZone::get("America/New_York").unwrap();
    // 2024-03-10 02:30 does not exist in New York (clocks go 02:00 → 03:00); the compatible
    // reading moves it forward by the gap, with the summer offset.
    let gap = DateTime::parse("202403100230")
        .unwrap()
        .assume_zone(&new_york)
        .unwrap();
    assert_eq!(gap.to_string(), "202403100330-0400");
    assert_eq!(gap.to_zone(&new_york).unwrap(), gap);
    // 2024-11-03 01:30 happens twice; the first (summer) one is taken.
    let fold = DateTime::parse("202411030130")
        .unwrap()
        .assume_zone(&new_york)
        .unwrap();
    assert_eq!(fold.to_string(), "202411030130-0400");
    let winter = DateTime::parse("20241103013000-0500").unwrap();
    assert_eq!(
        winter.to_zone(&TimeZone::UTC).unwrap().to_string(),
        "20241103063000+0000"
    );
    // Across the date line, with fractions kept.
    let t = DateTime::parse("20241231230000.25+0000").unwrap();
    let auckland = TimeZone::get("Pacific/Auckland").unwrap();
    assert_eq!(
        t.to_zone(&auckland).unwrap().to_string(),
        "20250101120000.25+1300"
    );
    assert_eq!(
        t.to_timestamp().unwrap(),
        "2024-12-31T23:00:00.25Z"
            .parse::<jiff::Timestamp>()
            .unwrap()
    );
}

#[test]
fn zone_names_come_from_the_built_in_database() {
    // The names resolve whatever the machine has installed: the database is in the binary.
    for name in [
        "America/Chicago",
        "Europe/London",
        "Australia/Lord_Howe",
        "UTC",
    ] {
        assert!(TimeZone::get(name).is_ok(), "{name}");
    }
    assert!(TimeZone::get("Mars/Olympus_Mons").is_err());
}

#[test]
fn legacy_timestamp_text_is_utc_to_the_second() {
    use std::time::{Duration, UNIX_EPOCH};
    let t = UNIX_EPOCH + Duration::from_secs(951_782_400 + 3_661); // 2000-02-29 01:01:01
    assert_eq!(hl7_timestamp(t), "20000229010101+0000");
    assert_eq!(hl7_timestamp(UNIX_EPOCH), "19700101000000+0000");
    assert_eq!(
        hl7_timestamp(UNIX_EPOCH - Duration::from_secs(1)),
        "19700101000000+0000"
    );
}

/// A DTM as HL7 allows it: a date of 4, 6 or 8 digits, an optional time of 2, 4 or 6 digits
/// and up to 4 of a second, and an optional offset; `parts` counts what follows the year
/// (month, day, hour, minute, second, then each digit of a second).
fn dtm(
    years: std::ops::RangeInclusive<u32>,
    parts: std::ops::RangeInclusive<usize>,
    offset: impl Strategy<Value = Option<(bool, u32, u32)>>,
) -> impl Strategy<Value = String> {
    (
        (years, 1u32..=12, 1u32..=28, parts),
        (0u32..=23, 0u32..=59, 0u32..=59, 0u32..=9999),
        offset,
    )
        .prop_map(|((y, mo, d, parts), (h, mi, s, frac), offset)| {
            let mut text = format!("{y:04}");
            for piece in [mo, d, h, mi, s].iter().take(parts.min(5)) {
                text.push_str(&format!("{piece:02}"));
            }
            if parts > 5 {
                text.push('.');
                text.push_str(&format!("{frac:04}")[..parts - 5]);
            }
            if let Some((minus, oh, om)) = offset {
                let sign = if minus && (oh, om) != (0, 0) {
                    '-'
                } else {
                    '+'
                };
                text.push_str(&format!("{sign}{oh:02}{om:02}"));
            }
            text
        })
}

fn offset() -> impl Strategy<Value = (bool, u32, u32)> {
    (prop::bool::ANY, 0u32..=14, 0u32..=59)
}

proptest! {
    /// Every DTM HL7 allows reads and writes back as it was.
    #[test]
    fn dtm_round_trips(text in dtm(0..=9999, 0..=9, prop::option::of(offset()))) {
        let t = DateTime::parse(&text).unwrap();
        prop_assert_eq!(t.to_string(), text);
    }

    /// A conversion to another zone and back gives the same text (in years whose zones have
    /// whole-minute offsets: before standard time, local mean time had seconds).
    #[test]
    fn zone_conversions_round_trip(text in dtm(1970..=2100, 4..=9, offset().prop_map(Some)), zone in prop::sample::select(vec![
        "America/Chicago", "Europe/Berlin", "Asia/Kolkata", "Australia/Adelaide", "UTC",
    ])) {
        let t = DateTime::parse(&text).unwrap();
        let zone = TimeZone::get(zone).unwrap();
        let there = t.to_zone(&zone).unwrap();
        let back = there.to_zone(&TimeZone::fixed(t.offset().unwrap())).unwrap();
        prop_assert_eq!(back.to_string(), text);
    }
}
