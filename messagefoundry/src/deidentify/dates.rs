//! Date shifting: every date in a message moves by the same number of days, so intervals
//! (age at admission, length of stay, time between two results) stay true while the dates
//! themselves no longer point at a person.

use jiff::Span;
use jiff::civil::Date;

/// `text` (an HL7 DT, DTM or TS value: `YYYY[MM[DD[HHMM[SS[.S…]]]]][±ZZZZ]`) moved by `days`,
/// written at the same precision with its time of day and offset as they were. A year alone
/// stays as it is (there is no day to move); a month moves with its 15th day. `None` when the
/// text is not a date.
pub(super) fn shift(text: &str, days: i64) -> Option<String> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if !matches!(digits, 4 | 6) && digits < 8 {
        return None;
    }
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<i16>().ok();
    let year = number(0..4)?;
    if digits == 4 {
        return Some(text.to_owned());
    }
    let month = i8::try_from(number(4..6)?).ok()?;
    let day = if digits == 6 {
        15
    } else {
        i8::try_from(number(6..8)?).ok()?
    };
    let date = Date::new(year, month, day).ok()?;
    let moved = date.checked_add(Span::new().days(days)).ok()?;
    let head = if digits == 6 {
        format!("{:04}{:02}", moved.year(), moved.month())
    } else {
        format!("{:04}{:02}{:02}", moved.year(), moved.month(), moved.day())
    };
    let kept = if digits == 6 { 6 } else { 8 };
    Some(format!("{head}{}", &text[kept..]))
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
