//! Date shifting: every date in a message moves by the same number of days, so intervals
//! (age at admission, length of stay, time between two results) stay true while the dates
//! themselves no longer point at a person.

use jiff::Span;
use messagefoundry_hl7::datetime::{DateTime, Precision};

/// `text` (an HL7 DT, DTM or TS value: `YYYY[MM[DD[HHMM[SS[.S…]]]]][±ZZZZ]`) moved by `days`,
/// written at the same precision with its time of day and offset as they were. A year alone
/// stays as it is (there is no day to move); a month moves with its 15th day. `None` when the
/// text is not a date.
pub(super) fn shift(text: &str, days: i64) -> Option<String> {
    let read = DateTime::parse(text).ok()?;
    let civil = match read.precision() {
        Precision::Year => return Some(text.to_owned()),
        // Read as its first day; moved from its middle, so a month is not biased early.
        Precision::Month => read.civil().with().day(15).build().ok()?,
        _ => read.civil(),
    };
    let moved = civil.checked_add(Span::new().days(days)).ok()?;
    Some(DateTime::new(moved, read.precision(), read.offset()).to_string())
}

#[cfg(test)]
mod tests {
    use super::shift;

    #[test]
    fn every_precision() {
        assert_eq!(shift("19800229", 1).as_deref(), Some("19800301"));
        assert_eq!(
            shift("20240101123000-0500", -1).as_deref(),
            Some("20231231123000-0500")
        );
        assert_eq!(
            shift("20240115123000.1234", 30).as_deref(),
            Some("20240214123000.1234")
        );
        assert_eq!(shift("202401", 31).as_deref(), Some("202402"));
        assert_eq!(shift("1980", 200).as_deref(), Some("1980"));
        assert_eq!(shift("20241301", 1), None);
        assert_eq!(shift("2024013", 1), None);
        assert_eq!(shift("unknown", 1), None);
    }
}
