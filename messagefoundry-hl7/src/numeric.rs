//! HL7 numbers (NM): [`Number`], read exactly as written and written back the way HL7 wants.

use std::fmt;
use std::str::FromStr;

/// What HL7 says an NM is, for a value that is not one.
pub(crate) const NM_FORMAT: &str = "is not a number (NM: optional sign, digits, one decimal point)";

/// An HL7 number (NM): an optional leading `+` or `-`, digits, and at most one decimal point;
/// no exponent, no spaces, no thousands separators.
///
/// It keeps the digits as written, so nothing is lost to binary floating point and the
/// number of decimals a sender gave (`5.0` mg/dL, not `5`) survives a round trip. It writes
/// the canonical form: no `+`, no leading zeros, a `0` before a leading point, no trailing
/// point. Two numbers are equal when they write the same text.
///
/// ```
/// use messagefoundry_hl7::Number;
/// let n = Number::parse("+007.50")?;
/// assert_eq!(n.to_string(), "7.50");
/// assert_eq!(n.to_f64(), 7.5);
/// assert_eq!(n.decimals(), 2);
/// assert_eq!(Number::parse("-.5")?.to_string(), "-0.5");
/// assert_eq!(Number::parse("42")?.to_i64(), Some(42));
/// assert!(Number::parse("1e5").is_err());
/// assert!(Number::parse("1,000").is_err());
/// # Ok::<(), messagefoundry_hl7::NumberError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Number {
    negative: bool,
    /// The digits before the point, without leading zeros (empty for zero).
    integer: String,
    /// The digits after the point, as written.
    fraction: String,
}

/// Why text is not an HL7 number. It never quotes the text.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[error("the value {}", NM_FORMAT)]
pub struct NumberError;

/// Reads an NM into its sign, integer digits and fraction digits.
pub(crate) fn scan(raw: &[u8]) -> Result<(bool, &[u8], &[u8]), &'static str> {
    let (negative, body) = match raw.first() {
        Some(b'-') => (true, &raw[1..]),
        Some(b'+') => (false, &raw[1..]),
        _ => (false, raw),
    };
    let (integer, fraction) = match body.iter().position(|&b| b == b'.') {
        Some(at) => (&body[..at], &body[at + 1..]),
        None => (body, &[][..]),
    };
    let all_digits = |d: &[u8]| d.iter().all(u8::is_ascii_digit);
    if integer.len() + fraction.len() == 0 || !all_digits(integer) || !all_digits(fraction) {
        return Err(NM_FORMAT);
    }
    Ok((negative, integer, fraction))
}

impl Number {
    /// Reads an NM.
    ///
    /// # Errors
    ///
    /// [`NumberError`] when the text is not an NM (an exponent, a space, a second point, no
    /// digit at all).
    pub fn parse(text: &str) -> Result<Number, NumberError> {
        let (negative, integer, fraction) = scan(text.as_bytes()).map_err(|_| NumberError)?;
        let start = integer
            .iter()
            .position(|&b| b != b'0')
            .unwrap_or(integer.len());
        // Only ASCII digits are left, so these are valid UTF-8.
        let digits = |d: &[u8]| d.iter().map(|&b| char::from(b)).collect::<String>();
        Ok(Number {
            negative,
            integer: digits(&integer[start..]),
            fraction: digits(fraction),
        })
    }

    /// The number closest to `value` in the fewest digits that read back as it; `None` for
    /// infinities and NaN, which HL7 cannot write.
    ///
    /// ```
    /// use messagefoundry_hl7::Number;
    /// assert_eq!(Number::from_f64(0.1 + 0.2).unwrap().to_string(), "0.30000000000000004");
    /// assert_eq!(Number::from_f64(1e21).unwrap().to_string(), "1000000000000000000000");
    /// assert_eq!(Number::from_f64(f64::NAN), None);
    /// ```
    pub fn from_f64(value: f64) -> Option<Number> {
        // `Display` of an f64 never uses an exponent.
        value.is_finite().then(|| value.to_string().parse().ok())?
    }

    /// `value` rounded to `decimals` digits after the point (to the nearest; an exact tie to
    /// the even digit, as Rust's formatting rounds); `None` for infinities and NaN.
    ///
    /// ```
    /// use messagefoundry_hl7::Number;
    /// assert_eq!(Number::from_f64_rounded(5.4321, 1).unwrap().to_string(), "5.4");
    /// assert_eq!(Number::from_f64_rounded(95.0, 2).unwrap().to_string(), "95.00");
    /// ```
    pub fn from_f64_rounded(value: f64, decimals: usize) -> Option<Number> {
        value
            .is_finite()
            .then(|| format!("{value:.decimals$}").parse().ok())?
    }

    /// Whether it is below zero (`-0` is not).
    pub fn is_negative(&self) -> bool {
        self.negative && !self.is_zero()
    }

    fn is_zero(&self) -> bool {
        self.integer.is_empty() && self.fraction.bytes().all(|b| b == b'0')
    }

    /// How many digits stand after the point.
    pub fn decimals(&self) -> usize {
        self.fraction.len()
    }

    /// The nearest `f64`.
    pub fn to_f64(&self) -> f64 {
        // The canonical text is always a valid Rust float literal.
        self.to_string().parse().unwrap_or(f64::NAN)
    }

    /// The value as an integer, when it is one (any decimals zero) and fits.
    pub fn to_i64(&self) -> Option<i64> {
        if !self.fraction.bytes().all(|b| b == b'0') {
            return None;
        }
        let magnitude: i64 = if self.integer.is_empty() {
            0
        } else {
            self.integer.parse().ok()?
        };
        Some(if self.negative { -magnitude } else { magnitude })
    }
}

/// An integer: `Number::from(-3)` writes `-3`.
impl From<i64> for Number {
    fn from(value: i64) -> Number {
        Number {
            negative: value < 0,
            integer: if value == 0 {
                String::new()
            } else {
                value.unsigned_abs().to_string()
            },
            fraction: String::new(),
        }
    }
}

/// The canonical NM text.
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_negative() {
            f.write_str("-")?;
        }
        f.write_str(if self.integer.is_empty() {
            "0"
        } else {
            &self.integer
        })?;
        if !self.fraction.is_empty() {
            write!(f, ".{}", self.fraction)?;
        }
        Ok(())
    }
}

/// As [`Number::parse`].
impl FromStr for Number {
    type Err = NumberError;

    fn from_str(text: &str) -> Result<Number, NumberError> {
        Number::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(text: &str) -> String {
        Number::parse(text).unwrap().to_string()
    }

    #[test]
    fn reads_what_hl7_allows_and_writes_it_canonically() {
        for (text, written) in [
            ("0", "0"),
            ("-0", "0"),
            ("-0.00", "0.00"),
            ("+1.5", "1.5"),
            (".5", "0.5"),
            ("5.", "5"),
            ("0012", "12"),
            ("-12.340", "-12.340"),
        ] {
            assert_eq!(canonical(text), written, "{text}");
            assert_eq!(canonical(written), written, "{written} is canonical");
        }
        for bad in [
            "", "-", ".", "+.", "1.2.3", "1e5", " 1", "1 ", "1,000", "abc", "--1", "0x1F",
        ] {
            assert_eq!(Number::parse(bad), Err(NumberError), "{bad:?}");
        }
    }

    #[test]
    fn converts_to_and_from_machine_numbers() {
        assert_eq!(Number::parse("-12.5").unwrap().to_f64(), -12.5);
        assert_eq!(Number::parse("-12.000").unwrap().to_i64(), Some(-12));
        assert_eq!(Number::parse("12.5").unwrap().to_i64(), None);
        assert_eq!(
            Number::parse("99999999999999999999").unwrap().to_i64(),
            None
        );
        assert_eq!(Number::from(i64::MIN).to_string(), i64::MIN.to_string());
        assert_eq!(Number::from(0).to_string(), "0");
        assert_eq!(
            Number::from_f64(-0.000001).unwrap().to_string(),
            "-0.000001"
        );
        assert_eq!(Number::from_f64(f64::INFINITY), None);
        assert_eq!(Number::from_f64_rounded(-2.5, 0).unwrap().to_string(), "-2");
        let max = Number::from_f64(f64::MAX).unwrap();
        assert_eq!(max.to_f64(), f64::MAX);
    }
}
