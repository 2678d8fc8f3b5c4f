//! [`Date`]: an HL7 DT.

use std::fmt;
use std::str::FromStr;

use jiff::civil;

use super::{DateTimeError, Precision, scan};

/// An HL7 date (DT): `YYYY[MM[DD]]`, a year, a month of a year or a day.
///
/// ```
/// use messagefoundry_hl7::datetime::{Date, Precision};
/// let birth = Date::parse("198002")?;
/// assert_eq!(birth.precision(), Precision::Month);
/// assert_eq!(birth.civil().to_string(), "1980-02-01");
/// assert_eq!(birth.to_string(), "198002");
/// assert!(Date::parse("19800230").is_err());
/// # Ok::<(), messagefoundry_hl7::datetime::DateTimeError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Date {
    civil: civil::Date,
    precision: Precision,
}

impl Date {
    /// Reads a DT: four, six or eight digits forming a real date.
    ///
    /// # Errors
    ///
    /// [`DateTimeError::Malformed`], saying what is wrong.
    pub fn parse(text: &str) -> Result<Date, DateTimeError> {
        let (civil, precision) = scan::date(text.as_bytes()).map_err(DateTimeError::Malformed)?;
        Ok(Date { civil, precision })
    }

    /// A date to the day.
    ///
    /// ```
    /// use messagefoundry_hl7::datetime::{Date, jiff::civil::date};
    /// assert_eq!(Date::new(date(2024, 2, 29)).to_string(), "20240229");
    /// ```
    pub fn new(civil: civil::Date) -> Date {
        Date {
            civil,
            precision: Precision::Day,
        }
    }

    /// The date, the parts not given at their start (month 1, day 1).
    pub fn civil(&self) -> civil::Date {
        self.civil
    }

    /// [`Precision::Year`], [`Precision::Month`] or [`Precision::Day`].
    pub fn precision(&self) -> Precision {
        self.precision
    }
}

/// Writes `YYYY[MM[DD]]` at the date's precision.
impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::write_date(f, self.civil, self.precision)
    }
}

/// As [`Date::parse`].
impl FromStr for Date {
    type Err = DateTimeError;

    fn from_str(text: &str) -> Result<Date, DateTimeError> {
        Date::parse(text)
    }
}
