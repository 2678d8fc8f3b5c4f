//! [`DateTime`]: an HL7 DTM, or the time of a TS.

use std::fmt;
use std::str::FromStr;

use jiff::civil;
use jiff::tz::{Offset, TimeZone};

use super::{DateTimeError, Precision, scan, truncate_clock};

/// An HL7 date/time (DTM, and the first component of a TS): a calendar date and time of day
/// given to some [`Precision`], with or without a time zone offset.
///
/// The parts a sender did not give read as their start (month 1, day 1, 00:00:00), and
/// [`Display`](fmt::Display) writes the value back at its precision, so text that HL7 allows
/// reads and writes back unchanged (a leap second `60` aside, which reads as `59`; and `-0000`,
/// which writes as `+0000`).
///
/// ```
/// use messagefoundry_hl7::datetime::{DateTime, Precision};
/// let t = DateTime::parse("20240229093015.25-0500")?;
/// assert_eq!(t.precision(), Precision::Hundredths);
/// assert_eq!(t.civil().to_string(), "2024-02-29T09:30:15.25");
/// assert_eq!(t.offset().map(|o| o.seconds()), Some(-5 * 3600));
/// assert_eq!(t.to_string(), "20240229093015.25-0500");
/// assert_eq!(t.with_precision(Precision::Minute).to_string(), "202402290930-0500");
/// assert!(DateTime::parse("20240230").is_err()); // no such day
/// # Ok::<(), messagefoundry_hl7::datetime::DateTimeError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct DateTime {
    civil: civil::DateTime,
    precision: Precision,
    offset: Option<Offset>,
}

impl DateTime {
    /// Reads a DTM: `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]`.
    ///
    /// # Errors
    ///
    /// [`DateTimeError::Malformed`], saying what is wrong: not the format, a month, day, hour,
    /// minute or second out of range, more than four digits of a second, a bad offset.
    pub fn parse(text: &str) -> Result<DateTime, DateTimeError> {
        let (civil, precision, offset) =
            scan::date_time(text.as_bytes()).map_err(DateTimeError::Malformed)?;
        Ok(DateTime {
            civil,
            precision,
            offset,
        })
    }

    /// Reads a TS from its two components: the time (TS.1) and the degree of precision (TS.2,
    /// kept from HL7 2.3 to 2.5 for old senders; empty when not given). The degree lowers the
    /// precision: `200401011230^D` is a day, 2004-01-01. A degree finer than the time is given
    /// to changes nothing. [`Message::datetime`](crate::Message::datetime) reads both
    /// components at a path.
    ///
    /// ```
    /// use messagefoundry_hl7::datetime::{DateTime, Precision};
    /// let day = DateTime::parse_ts("200401011230", "D")?;
    /// assert_eq!((day.precision(), day.to_string().as_str()), (Precision::Day, "20040101"));
    /// assert_eq!(DateTime::parse_ts("2004", "S")?.precision(), Precision::Year);
    /// assert!(DateTime::parse_ts("2004", "X").is_err());
    /// # Ok::<(), messagefoundry_hl7::datetime::DateTimeError>(())
    /// ```
    pub fn parse_ts(time: &str, degree: &str) -> Result<DateTime, DateTimeError> {
        let parsed = DateTime::parse(time)?;
        if degree.is_empty() {
            return Ok(parsed);
        }
        let degree = Precision::from_degree(degree).ok_or(DateTimeError::BadDegree)?;
        Ok(parsed.with_precision(degree.min(parsed.precision)))
    }

    /// A date/time from its parts; what is finer than `precision` is dropped.
    ///
    /// ```
    /// use messagefoundry_hl7::datetime::{DateTime, Offset, Precision, jiff::civil::date};
    /// let t = DateTime::new(date(2024, 3, 1).at(8, 5, 59, 0), Precision::Minute, Some(Offset::UTC));
    /// assert_eq!(t.to_string(), "202403010805+0000");
    /// ```
    pub fn new(civil: civil::DateTime, precision: Precision, offset: Option<Offset>) -> DateTime {
        DateTime {
            civil,
            precision,
            offset,
        }
        .with_precision(precision)
    }

    /// The time of a zoned date/time, with its offset, to `precision`.
    ///
    /// ```
    /// use messagefoundry_hl7::datetime::{DateTime, Precision, TimeZone, jiff::civil::date};
    /// let zoned = date(2024, 7, 1).at(12, 0, 0, 0).to_zoned_datetime(TimeZone::get("Europe/Paris")?)?;
    /// assert_eq!(DateTime::from_zoned(&zoned, Precision::Second).to_string(), "20240701120000+0200");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_zoned(zoned: &jiff::ZonedDateTime, precision: Precision) -> DateTime {
        DateTime::new(zoned.datetime(), precision, Some(zoned.offset()))
    }

    /// The current time in a time zone, to the second, with the zone's offset: what MSH-7
    /// holds.
    ///
    /// ```
    /// use messagefoundry_hl7::datetime::{DateTime, Precision, TimeZone};
    /// let now = DateTime::now(&TimeZone::get("Asia/Kolkata")?);
    /// assert_eq!(now.precision(), Precision::Second);
    /// assert!(now.to_string().ends_with("+0530"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn now(zone: &TimeZone) -> DateTime {
        DateTime::from_zoned(
            &jiff::Timestamp::now().to_zoned_datetime(zone.clone()),
            Precision::Second,
        )
    }

    /// The date and time of day, the parts not given at their start.
    pub fn civil(&self) -> civil::DateTime {
        self.civil
    }

    /// How much of the date and time is given.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// The offset from UTC, when one is given.
    pub fn offset(&self) -> Option<Offset> {
        self.offset
    }

    /// The same time written to another precision: coarser drops parts, finer adds them as
    /// zeros.
    pub fn with_precision(self, precision: Precision) -> DateTime {
        let date = self.civil.date();
        let date = civil::Date::new(
            date.year(),
            if precision >= Precision::Month {
                date.month()
            } else {
                1
            },
            if precision >= Precision::Day {
                date.day()
            } else {
                1
            },
        )
        .unwrap_or(date);
        DateTime {
            civil: date.to_datetime(truncate_clock(self.civil.time(), precision)),
            precision,
            offset: self.offset,
        }
    }

    /// The same date and time with another offset, or none (the time is not converted; see
    /// [`DateTime::to_zone`] for that).
    pub fn with_offset(self, offset: Option<Offset>) -> DateTime {
        DateTime { offset, ..self }
    }

    /// A local time placed in a time zone: without an offset, it gets the offset `zone` has
    /// at that date and time; with one, it is returned as it is. Where the clocks change, a
    /// time that happens twice is taken the first time, and a time that never happens (skipped
    /// when the clocks go forward) is moved forward by the length of the gap.
    ///
    /// ```
    /// use messagefoundry_hl7::datetime::{DateTime, TimeZone};
    /// let chicago = TimeZone::get("America/Chicago")?;
    /// assert_eq!(DateTime::parse("202401150800")?.assume_zone(&chicago)?.to_string(), "202401150800-0600");
    /// assert_eq!(DateTime::parse("202407150800")?.assume_zone(&chicago)?.to_string(), "202407150800-0500");
    /// assert_eq!(DateTime::parse("202407150800+0000")?.assume_zone(&chicago)?.to_string(), "202407150800+0000");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`DateTimeError::OutOfRange`] for a date the zone cannot place (years near 9999).
    pub fn assume_zone(self, zone: &TimeZone) -> Result<DateTime, DateTimeError> {
        if self.offset.is_some() {
            return Ok(self);
        }
        let zoned = zone
            .to_ambiguous_zoned_datetime(self.civil)
            .compatible()
            .map_err(|_| DateTimeError::OutOfRange)?;
        Ok(DateTime::from_zoned(&zoned, self.precision))
    }

    /// The instant this date/time stands for.
    ///
    /// # Errors
    ///
    /// [`DateTimeError::NoOffset`] when it has no offset (use [`DateTime::assume_zone`]
    /// first); [`DateTimeError::OutOfRange`] at the ends of the calendar.
    pub fn to_timestamp(&self) -> Result<jiff::Timestamp, DateTimeError> {
        let offset = self.offset.ok_or(DateTimeError::NoOffset)?;
        offset
            .to_timestamp(self.civil)
            .map_err(|_| DateTimeError::OutOfRange)
    }

    /// The same instant as the clocks of another time zone show it, with that zone's offset
    /// then. The precision is kept, or raised to the minute where the zones differ by part of
    /// an hour.
    ///
    /// ```
    /// use messagefoundry_hl7::datetime::{DateTime, TimeZone};
    /// let t = DateTime::parse("2024070112-0500")?;
    /// assert_eq!(t.to_zone(&TimeZone::UTC)?.to_string(), "2024070117+0000");
    /// assert_eq!(t.to_zone(&TimeZone::get("Asia/Kolkata")?)?.to_string(), "202407012230+0530");
    /// assert!(DateTime::parse("20240701-0500")?.to_zone(&TimeZone::UTC).is_err()); // a date only
    /// assert!(DateTime::parse("2024070112")?.to_zone(&TimeZone::UTC).is_err()); // no offset
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`DateTimeError::NoTimeOfDay`] for a date without an hour, and as
    /// [`DateTime::to_timestamp`].
    pub fn to_zone(&self, zone: &TimeZone) -> Result<DateTime, DateTimeError> {
        if self.precision < Precision::Hour {
            return Err(DateTimeError::NoTimeOfDay);
        }
        let zoned = self.to_timestamp()?.to_zoned_datetime(zone.clone());
        let converted = DateTime::from_zoned(&zoned, self.precision.max(Precision::Minute));
        let precision = if self.precision == Precision::Hour && zoned.minute() == 0 {
            Precision::Hour
        } else {
            self.precision.max(Precision::Minute)
        };
        Ok(converted.with_precision(precision))
    }
}

/// Writes the HL7 text at the value's precision, with its offset if it has one.
impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::write_date(f, self.civil.date(), self.precision)?;
        if self.precision >= Precision::Hour {
            super::write_clock(f, self.civil.time(), self.precision)?;
        }
        super::write_offset(f, self.offset)
    }
}

/// As [`DateTime::parse`].
impl FromStr for DateTime {
    type Err = DateTimeError;

    fn from_str(text: &str) -> Result<DateTime, DateTimeError> {
        DateTime::parse(text)
    }
}
