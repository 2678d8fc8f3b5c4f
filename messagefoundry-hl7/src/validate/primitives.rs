//! Format checks of the primitive data types: NM, SI, DT, TM, DTM and TS.
//!
//! Each check looks at the value as written (escape sequences included; none of these types
//! may hold one) and returns what is wrong in words that never quote the value.

/// The primitive formats this module checks.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Primitive {
    /// `NM`: an optional sign, digits and an optional decimal point.
    Nm,
    /// `SI`: a non-negative integer.
    Si,
    /// `DT`: `YYYY[MM[DD]]`.
    Dt,
    /// `TM`: `HH[MM[SS[.S[S[S[S]]]]]][+/-ZZZZ]`.
    Tm,
    /// `DTM` (and the time of a `TS`): `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]`.
    Dtm,
}

impl Primitive {
    /// The primitive a data type code stands for, if it is one checked here. A `TS` that the
    /// version defines without components (before 2.3 in some sources) reads as a `DTM`.
    pub(crate) fn of(code: &str) -> Option<Primitive> {
        Some(match code.as_bytes() {
            b"NM" => Primitive::Nm,
            b"SI" => Primitive::Si,
            b"DT" => Primitive::Dt,
            b"TM" => Primitive::Tm,
            b"DTM" | b"TS" => Primitive::Dtm,
            _ => return None,
        })
    }

    /// Checks `raw`; `Err` says what is wrong.
    pub(crate) fn check(self, raw: &[u8]) -> Result<(), &'static str> {
        match self {
            Primitive::Nm => numeric(raw),
            Primitive::Si => sequence_id(raw),
            Primitive::Dt => date(raw).map(|_| ()),
            Primitive::Tm => time(raw),
            Primitive::Dtm => date_time(raw),
        }
    }
}

/// `NM`: `[+|-]digits[.digits]`, at least one digit. HL7 allows no exponent, no spaces and no
/// thousands separators.
fn numeric(raw: &[u8]) -> Result<(), &'static str> {
    let body = match raw.first() {
        Some(b'+' | b'-') => &raw[1..],
        _ => raw,
    };
    let mut digits = 0usize;
    let mut points = 0usize;
    for &b in body {
        match b {
            b'0'..=b'9' => digits += 1,
            b'.' => points += 1,
            _ => return Err("is not a number (NM: optional sign, digits, one decimal point)"),
        }
    }
    if digits == 0 || points > 1 {
        return Err("is not a number (NM: optional sign, digits, one decimal point)");
    }
    Ok(())
}

/// `SI`: digits only.
fn sequence_id(raw: &[u8]) -> Result<(), &'static str> {
    if raw.is_empty() || !raw.iter().all(u8::is_ascii_digit) {
        return Err("is not a sequence ID (SI: a non-negative integer)");
    }
    Ok(())
}

/// Reads `n` ASCII digits as a number.
fn digits(raw: &[u8]) -> Option<u32> {
    raw.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

const DATE_FORMAT: &str = "is not a date (DT: YYYY[MM[DD]])";

/// `DT`: 4, 6 or 8 digits forming a real calendar date.
fn date(raw: &[u8]) -> Result<(), &'static str> {
    if !matches!(raw.len(), 4 | 6 | 8) {
        return Err(DATE_FORMAT);
    }
    let year = digits(&raw[..4]).ok_or(DATE_FORMAT)?;
    if raw.len() >= 6 {
        let month = digits(&raw[4..6]).ok_or(DATE_FORMAT)?;
        if !(1..=12).contains(&month) {
            return Err("has a month outside 01-12");
        }
        if raw.len() == 8 {
            let day = digits(&raw[6..8]).ok_or(DATE_FORMAT)?;
            if day == 0 || day > days_in_month(year, month) {
                return Err("has a day that is not in its month");
            }
        }
    }
    Ok(())
}

/// Splits a trailing `+ZZZZ`/`-ZZZZ` offset off and checks it.
fn split_offset(raw: &[u8]) -> Result<&[u8], &'static str> {
    let Some(at) = raw.iter().position(|&b| b == b'+' || b == b'-') else {
        return Ok(raw);
    };
    let offset = &raw[at + 1..];
    if offset.len() != 4 {
        return Err("has a time zone offset that is not +/-HHMM");
    }
    let hours = digits(&offset[..2]).ok_or("has a time zone offset that is not +/-HHMM")?;
    let minutes = digits(&offset[2..]).ok_or("has a time zone offset that is not +/-HHMM")?;
    if hours > 14 || minutes > 59 {
        return Err("has a time zone offset out of range (-1200 to +1400)");
    }
    Ok(&raw[..at])
}

/// The time part `HH[MM[SS[.S[S[S[S]]]]]]`, without offset.
fn clock(raw: &[u8], format: &'static str) -> Result<(), &'static str> {
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
    if whole.len() >= 4 && digits(&whole[2..4]).ok_or(format)? > 59 {
        return Err("has minutes outside 00-59");
    }
    // 60 is a leap second.
    if whole.len() == 6 && digits(&whole[4..6]).ok_or(format)? > 60 {
        return Err("has seconds outside 00-59");
    }
    if let Some(f) = fraction
        && (f.is_empty() || f.len() > 4 || digits(f).is_none())
    {
        return Err("has fractions of a second that are not 1 to 4 digits");
    }
    Ok(())
}

const TIME_FORMAT: &str = "is not a time (TM: HH[MM[SS[.S[S[S[S]]]]]][+/-ZZZZ])";
const DTM_FORMAT: &str = "is not a date/time (DTM: YYYY[MM[DD[HH[MM[SS[.SSSS]]]]]][+/-ZZZZ])";

/// `TM`.
fn time(raw: &[u8]) -> Result<(), &'static str> {
    clock(split_offset(raw)?, TIME_FORMAT)
}

/// `DTM`: a date of 4, 6 or 8 digits, then optionally a time, then optionally an offset.
fn date_time(raw: &[u8]) -> Result<(), &'static str> {
    let body = split_offset(raw)?;
    if body.len() < 4 {
        return Err(DTM_FORMAT);
    }
    let date_len = body.len().min(8);
    if body.len() > 8 && date_len != 8 {
        return Err(DTM_FORMAT);
    }
    let date_part = &body[..date_len];
    if !matches!(date_part.len(), 4 | 6 | 8) {
        return Err(DTM_FORMAT);
    }
    date(date_part).map_err(|e| if e == DATE_FORMAT { DTM_FORMAT } else { e })?;
    if body.len() > 8 {
        clock(&body[8..], DTM_FORMAT)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(p: Primitive, s: &str) -> bool {
        p.check(s.as_bytes()).is_ok()
    }

    #[test]
    fn numbers() {
        for good in ["0", "-1", "+1.5", ".5", "5.", "0012"] {
            assert!(ok(Primitive::Nm, good), "{good}");
        }
        for bad in ["", "-", ".", "1.2.3", "1e5", " 1", "1,000", "abc"] {
            assert!(!ok(Primitive::Nm, bad), "{bad}");
        }
        assert!(ok(Primitive::Si, "12") && !ok(Primitive::Si, "-1") && !ok(Primitive::Si, "1.0"));
    }

    #[test]
    fn dates() {
        for good in ["2024", "202402", "20240229", "20000229"] {
            assert!(ok(Primitive::Dt, good), "{good}");
        }
        for bad in [
            "24",
            "20241",
            "20240230",
            "19000229",
            "20241301",
            "2024-01-01",
            "202401011200",
        ] {
            assert!(!ok(Primitive::Dt, bad), "{bad}");
        }
    }

    #[test]
    fn times() {
        for good in [
            "12",
            "1230",
            "123059",
            "123059.1",
            "123059.1234",
            "1230+0100",
            "0000-1200",
        ] {
            assert!(ok(Primitive::Tm, good), "{good}");
        }
        for bad in [
            "2400",
            "1260",
            "1",
            "123",
            "1230.5",
            "123059.12345",
            "1230+1",
            "1230+1500",
        ] {
            assert!(!ok(Primitive::Tm, bad), "{bad}");
        }
    }

    #[test]
    fn date_times() {
        for good in [
            "2024",
            "202401",
            "20240101",
            "2024010112",
            "202401011230",
            "20240101123059",
            "20240101123059.1234",
            "20240101123059-0500",
            "20240101+0000",
        ] {
            assert!(ok(Primitive::Dtm, good), "{good}");
        }
        for bad in [
            "2024010",
            "202401011",
            "20240101123059.12345",
            "20241301",
            "20240101250000",
            "20240101123059-05",
            "20240101123059+9900",
            "2024-01-01T12:30",
            "20240101 1230",
        ] {
            assert!(!ok(Primitive::Dtm, bad), "{bad}");
        }
        assert_eq!(
            Primitive::Dtm.check(b"20240101123059-05"),
            Err("has a time zone offset that is not +/-HHMM")
        );
    }
}
