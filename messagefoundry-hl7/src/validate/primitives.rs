//! Format checks of the primitive data types: NM, SI, DT, TM, DTM and TS.
//!
//! Each check looks at the value as written (escape sequences included; none of these types
//! may hold one) and returns what is wrong in words that never quote the value. The readers of
//! [`datetime`](crate::datetime) and [`Number`](crate::Number) decide what is well formed.

use crate::datetime::scan;
use crate::numeric;

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
            Primitive::Nm => numeric::scan(raw).map(|_| ()),
            Primitive::Si => sequence_id(raw),
            Primitive::Dt => scan::date(raw).map(|_| ()),
            Primitive::Tm => scan::time(raw).map(|_| ()),
            Primitive::Dtm => scan::date_time(raw).map(|_| ()),
        }
    }
}

/// `SI`: digits only.
fn sequence_id(raw: &[u8]) -> Result<(), &'static str> {
    if raw.is_empty() || !raw.iter().all(u8::is_ascii_digit) {
        return Err("is not a sequence ID (SI: a non-negative integer)");
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
