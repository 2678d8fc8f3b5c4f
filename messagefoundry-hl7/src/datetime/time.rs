//! [`Time`]: an HL7 TM.

use std::fmt;
use std::str::FromStr;

use jiff::civil;
use jiff::tz::Offset;

use super::{DateTimeError, Precision, scan, truncate_clock};

/// An HL7 time of day (TM): `HH[MM[SS[.S[S[S[S]]]]]][+/-ZZZZ]`.
///
/// ```
/// use messagefoundry_hl7::datetime::{Precision, Time};
/// let t = Time::parse("0830+0100")?;
/// assert_eq!(t.precision(), Precision::Minute);
/// assert_eq!(t.civil().to_string(), "08:30:00");
/// assert_eq!(t.offset().map(|o| o.seconds()), Some(3600));
/// assert_eq!(t.to_string(), "0830+0100");
/// assert_eq!(Time::new(t.civil(), Precision::Second, None).to_string(), "083000");
/// assert!(Time::parse("2460").is_err());
/// # Ok::<(), messagefoundry_hl7::datetime::DateTimeError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Time {
    civil: civil::Time,
    precision: Precision,
    offset: Option<Offset>,
}

impl Time {
    /// Reads a TM.
    ///
    /// # Errors
    ///
    /// [`DateTimeError::Malformed`], saying what is wrong.
    pub fn parse(text: &str) -> Result<Time, DateTimeError> {
        let (civil, precision, offset) =
            scan::time(text.as_bytes()).map_err(DateTimeError::Malformed)?;
        Ok(Time {
            civil,
            precision,
            offset,
        })
    }

    /// A time from its parts; what is finer than `precision` is dropped, and a precision
    /// coarser than the hour is the hour.
    pub fn new(civil: civil::Time, precision: Precision, offset: Option<Offset>) -> Time {
        let precision = precision.max(Precision::Hour);
        Time {
            civil: truncate_clock(civil, precision),
            precision,
            offset,
        }
    }

    /// The time of day, the parts not given at zero.
    pub fn civil(&self) -> civil::Time {
        self.civil
    }

    /// From [`Precision::Hour`] to [`Precision::TenThousandths`].
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// The offset from UTC, when one is given.
    pub fn offset(&self) -> Option<Offset> {
        self.offset
    }
}

/// Writes the HL7 text at the time's precision, with its offset if it has one.
impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::write_clock(f, self.civil, self.precision)?;
        super::write_offset(f, self.offset)
    }
}

/// As [`Time::parse`].
impl FromStr for Time {
    type Err = DateTimeError;

    fn from_str(text: &str) -> Result<Time, DateTimeError> {
        Time::parse(text)
    }
}
