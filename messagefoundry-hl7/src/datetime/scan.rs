//! Reading the text of a DT, TM or DTM into its parts, with the reason when it is not one.
//!
//! The one reader of these formats: [`DateTime::parse`](super::DateTime::parse) and its
//! kin build values from it, and validation asks it whether a value is well formed. A reason
//! says what is wrong without quoting the value.

use jiff::civil;
use jiff::tz::Offset;

use super::Precision;

/// What is wrong with a value; it reads after the value's name ("PID-7.1 has a month …").
pub(crate) type Reason = &'static str;

pub(crate) const DATE_FORMAT: Reason = "is not a date (DT: YYYY[MM[DD]])";
pub(crate) const TIME_FORMAT: Reason = "is not a time (TM: HH[MM[SS[.S[S[S[S]]]]]][+/-ZZZZ])";
pub(crate) const DTM_FORMAT: Reason =
    "is not a date/time (DTM: YYYY[MM[DD[HH[MM[SS[.SSSS]]]]]][+/-ZZZZ])";
const OFFSET_FORMAT: Reason = "has a time zone offset that is not +/-HHMM";

/// Reads ASCII digits as a number; `None` when one is not a digit.
fn digits(raw: &[u8]) -> Option<i32> {
    raw.iter().try_fold(0i32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + i32::from(b - b'0'))
    })
}

fn days_in_month(year: i32, month: i32) -> i32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `DT`: `YYYY[MM[DD]]`, a real calendar date. Missing parts read as the first month or day.
pub(crate) fn date(raw: &[u8]) -> Result<(civil::Date, Precision), Reason> {
    if !matches!(raw.len(), 4 | 6 | 8) {
        return Err(DATE_FORMAT);
    }
    let year = digits(&raw[..4]).ok_or(DATE_FORMAT)?;
    let (mut month, mut day, mut precision) = (1, 1, Precision::Year);
    if raw.len() >= 6 {
        month = digits(&raw[4..6]).ok_or(DATE_FORMAT)?;
        if !(1..=12).contains(&month) {
            return Err("has a month outside 01-12");
        }
        precision = Precision::Month;
    }
    if raw.len() == 8 {
        day = digits(&raw[6..8]).ok_or(DATE_FORMAT)?;
        if day == 0 || day > days_in_month(year, month) {
            return Err("has a day that is not in its month");
        }
        precision = Precision::Day;
    }
    // Four digits, a month of 1-12 and a day of its month are always a date jiff holds.
    let date = civil::Date::new(year as i16, month as i8, day as i8).map_err(|_| DATE_FORMAT)?;
    Ok((date, precision))
}

/// Splits a trailing `+ZZZZ`/`-ZZZZ` offset off and reads it.
fn split_offset(raw: &[u8]) -> Result<(&[u8], Option<Offset>), Reason> {
    let Some(at) = raw.iter().position(|&b| b == b'+' || b == b'-') else {
        return Ok((raw, None));
    };
    let zone = &raw[at + 1..];
    if zone.len() != 4 {
        return Err(OFFSET_FORMAT);
    }
    let hours = digits(&zone[..2]).ok_or(OFFSET_FORMAT)?;
    let minutes = digits(&zone[2..]).ok_or(OFFSET_FORMAT)?;
    if hours > 14 || minutes > 59 {
        return Err("has a time zone offset out of range (-1200 to +1400)");
    }
    let sign = if raw[at] == b'-' { -1 } else { 1 };
    let offset =
        Offset::from_seconds(sign * (hours * 3600 + minutes * 60)).map_err(|_| OFFSET_FORMAT)?;
    Ok((&raw[..at], Some(offset)))
}

/// The time part `HH[MM[SS[.S[S[S[S]]]]]]`, without offset. A leap second (60) reads as 59,
/// since a clock time holds none.
fn clock(raw: &[u8], format: Reason) -> Result<(civil::Time, Precision), Reason> {
    let (whole, fraction) = match raw.iter().position(|&b| b == b'.') {
        Some(at) => (&raw[..at], Some(&raw[at + 1..])),
        None => (raw, None),
    };
    if !matches!(whole.len(), 2 | 4 | 6) {
        return Err(format);
    }
    if fraction.is_some() && whole.len() != 6 {
        return Err("has fractions of a second without seconds");
    }
    let hour = digits(&whole[..2]).ok_or(format)?;
    if hour > 23 {
        return Err("has an hour outside 00-23");
    }
    let (mut minute, mut second, mut nanos, mut precision) = (0, 0, 0, Precision::Hour);
    if whole.len() >= 4 {
        minute = digits(&whole[2..4]).ok_or(format)?;
        if minute > 59 {
            return Err("has minutes outside 00-59");
        }
        precision = Precision::Minute;
    }
    if whole.len() == 6 {
        second = digits(&whole[4..6]).ok_or(format)?;
        if second > 60 {
            return Err("has seconds outside 00-59");
        }
        precision = Precision::Second;
    }
    if let Some(f) = fraction {
        let value = digits(f)
            .filter(|_| (1..=4).contains(&f.len()))
            .ok_or("has fractions of a second that are not 1 to 4 digits")?;
        precision = Precision::fraction(f.len());
        nanos = value * 10i32.pow(9 - f.len() as u32);
    }
    let time = civil::Time::new(hour as i8, minute as i8, second.min(59) as i8, nanos)
        .map_err(|_| format)?;
    Ok((time, precision))
}

/// `TM`: a clock time and an optional offset.
pub(crate) fn time(raw: &[u8]) -> Result<(civil::Time, Precision, Option<Offset>), Reason> {
    let (body, offset) = split_offset(raw)?;
    let (time, precision) = clock(body, TIME_FORMAT)?;
    Ok((time, precision, offset))
}

/// `DTM` (and the first component of a `TS`): a date of 4, 6 or 8 digits, then optionally a
/// time, then optionally an offset.
pub(crate) fn date_time(
    raw: &[u8],
) -> Result<(civil::DateTime, Precision, Option<Offset>), Reason> {
    let (body, offset) = split_offset(raw)?;
    let date_len = body.len().min(8);
    if !matches!(date_len, 4 | 6 | 8) {
        return Err(DTM_FORMAT);
    }
    let (date, mut precision) =
        self::date(&body[..date_len]).map_err(|e| if e == DATE_FORMAT { DTM_FORMAT } else { e })?;
    let mut time = civil::Time::midnight();
    if body.len() > 8 {
        (time, precision) = clock(&body[8..], DTM_FORMAT)?;
    }
    Ok((date.to_datetime(time), precision, offset))
}
