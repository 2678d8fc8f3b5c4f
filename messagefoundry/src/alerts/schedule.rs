//! When a rule applies: windows of days and hours in the engine's time zone, such as
//! `"Mon-Fri 07:00-19:00"` (business hours) or `"Mon-Fri 19:00-07:00"` (nights, running into
//! the next morning) or `"Sat,Sun"` (all day).

use jiff::civil::Weekday;

/// The days of the week as they are written, Monday first.
const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// A union of windows; a moment is in the schedule when it is in any of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule(Vec<Window>);

/// Days of the week, and a span of the day on each (the whole day when none is given).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Window {
    /// Monday first.
    days: [bool; 7],
    /// Minutes since midnight: from, until (exclusive). Until at or before from runs past
    /// midnight into the next day.
    hours: Option<(u16, u16)>,
}

impl Schedule {
    /// Reads windows as written; the error says what is wrong with which.
    pub fn parse(windows: &[&str]) -> Result<Schedule, String> {
        if windows.is_empty() {
            return Err("needs at least one window, such as \"Mon-Fri 07:00-19:00\"".into());
        }
        windows
            .iter()
            .map(|w| Window::parse(w).map_err(|e| format!("{w:?}: {e}")))
            .collect::<Result<Vec<_>, _>>()
            .map(Schedule)
    }

    /// Whether a moment, on `weekday` at `minute` minutes after local midnight, is in it.
    pub fn contains(&self, weekday: Weekday, minute: u16) -> bool {
        let day = usize::from(weekday.to_monday_zero_offset().unsigned_abs());
        self.0.iter().any(|w| w.contains(day, minute))
    }

    /// Whether a moment is in it, read in `zone`.
    pub fn contains_time(&self, at: jiff::Timestamp, zone: &jiff::tz::TimeZone) -> bool {
        let local = at.to_zoned_datetime(zone.clone());
        let minute = u16::try_from(local.hour()).unwrap_or(0) * 60
            + u16::try_from(local.minute()).unwrap_or(0);
        self.contains(local.weekday(), minute)
    }
}

impl Window {
    fn parse(text: &str) -> Result<Window, String> {
        let mut days = None;
        let mut hours = None;
        for part in text.split_whitespace() {
            if part.contains(':') && hours.is_none() {
                hours = Some(span(part)?);
            } else if days.is_none() && hours.is_none() {
                days = Some(day_list(part)?);
            } else {
                return Err(format!(
                    "`{part}` is out of place; a window is days then hours, such as \"Mon-Fri 07:00-19:00\""
                ));
            }
        }
        if days.is_none() && hours.is_none() {
            return Err(
                "is empty; write days, hours or both, such as \"Mon-Fri 07:00-19:00\"".into(),
            );
        }
        Ok(Window {
            days: days.unwrap_or([true; 7]),
            hours,
        })
    }

    fn contains(&self, day: usize, minute: u16) -> bool {
        let yesterday = (day + 6) % 7;
        match self.hours {
            None => self.days[day],
            Some((from, until)) if from < until => {
                self.days[day] && from <= minute && minute < until
            }
            Some((from, until)) => {
                (self.days[day] && minute >= from) || (self.days[yesterday] && minute < until)
            }
        }
    }
}

/// `Mon-Fri`, `Sat,Sun`, `Fri-Mon`, `Mon,Wed-Fri`.
fn day_list(text: &str) -> Result<[bool; 7], String> {
    let mut days = [false; 7];
    for item in text.split(',') {
        let (first, last) = match item.split_once('-') {
            Some((a, b)) => (day(a)?, day(b)?),
            None => (day(item)?, day(item)?),
        };
        let mut d = first;
        loop {
            days[d] = true;
            if d == last {
                break;
            }
            d = (d + 1) % 7;
        }
    }
    Ok(days)
}

/// A day by its first three letters (or more of its English name), any case.
fn day(text: &str) -> Result<usize, String> {
    let lower = text.to_ascii_lowercase();
    DAYS.iter()
        .position(|d| {
            lower.len() >= 3 && {
                let full = full_name(d);
                full.starts_with(&lower)
            }
        })
        .ok_or_else(|| format!("`{text}` is not a day; days are {}", DAYS.join(", ")))
}

fn full_name(short: &str) -> &'static str {
    match short {
        "Mon" => "monday",
        "Tue" => "tuesday",
        "Wed" => "wednesday",
        "Thu" => "thursday",
        "Fri" => "friday",
        "Sat" => "saturday",
        _ => "sunday",
    }
}

/// `07:00-19:00`: minutes since midnight, until may be 24:00.
fn span(text: &str) -> Result<(u16, u16), String> {
    let bad = || format!("`{text}` is not a span of hours such as 07:00-19:00");
    let (from, until) = text.split_once('-').ok_or_else(bad)?;
    let from = clock(from).filter(|m| *m < 24 * 60).ok_or_else(bad)?;
    let until = clock(until).ok_or_else(bad)?;
    Ok((from, until))
}

/// `HH:MM`, 00:00 to 24:00.
fn clock(text: &str) -> Option<u16> {
    let (h, m) = text.split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    let minutes = h.checked_mul(60)?.checked_add(m)?;
    (m < 60 && minutes <= 24 * 60).then_some(minutes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::Weekday::*;

    fn at(h: u16, m: u16) -> u16 {
        h * 60 + m
    }

    #[test]
    fn business_hours_are_weekdays_between_the_hours() {
        let s = Schedule::parse(&["Mon-Fri 07:00-19:00"]).unwrap();
        assert!(s.contains(Monday, at(7, 0)));
        assert!(s.contains(Friday, at(18, 59)));
        assert!(!s.contains(Friday, at(19, 0)));
        assert!(!s.contains(Tuesday, at(6, 59)));
        assert!(!s.contains(Saturday, at(12, 0)));
    }

    #[test]
    fn nights_run_into_the_next_morning() {
        let s = Schedule::parse(&["Mon-Fri 19:00-07:00", "sat,SUN"]).unwrap();
        assert!(s.contains(Monday, at(23, 0)));
        assert!(
            s.contains(Tuesday, at(3, 0)),
            "Monday night, after midnight"
        );
        assert!(
            !s.contains(Monday, at(3, 0)),
            "Sunday night belongs to Sunday's window"
        );
        assert!(s.contains(Saturday, at(6, 0)), "Friday night and Saturday");
        assert!(s.contains(Sunday, at(12, 0)));
        assert!(!s.contains(Wednesday, at(12, 0)));
        let wrapping = Schedule::parse(&["Fri-Mon"]).unwrap();
        assert!(wrapping.contains(Sunday, 0) && wrapping.contains(Monday, 0));
        assert!(!wrapping.contains(Tuesday, 0));
    }

    #[test]
    fn hours_alone_mean_every_day() {
        let s = Schedule::parse(&["22:00-24:00"]).unwrap();
        assert!(s.contains(Wednesday, at(23, 59)));
        assert!(!s.contains(Wednesday, at(21, 59)));
    }

    #[test]
    fn a_moment_is_read_in_the_engine_time_zone() {
        let s = Schedule::parse(&["Mon-Fri 07:00-19:00"]).unwrap();
        // 2026-11-30 is a Monday; 14:00 UTC is 08:00 in Chicago and 23:00 in Tokyo.
        let t: jiff::Timestamp = "2026-11-30T14:00:00Z".parse().unwrap();
        let chicago = jiff::tz::TimeZone::get("America/Chicago").unwrap();
        let tokyo = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
        assert!(s.contains_time(t, &chicago));
        assert!(!s.contains_time(t, &tokyo));
    }

    #[test]
    fn mistakes_are_named() {
        assert_eq!(
            Schedule::parse(&["Mon-Fry 07:00-19:00"]).unwrap_err(),
            "\"Mon-Fry 07:00-19:00\": `Fry` is not a day; days are Mon, Tue, Wed, Thu, Fri, Sat, Sun"
        );
        assert_eq!(
            Schedule::parse(&["Mon-Fri 7-19"]).unwrap_err(),
            "\"Mon-Fri 7-19\": `7-19` is out of place; a window is days then hours, such as \"Mon-Fri 07:00-19:00\""
        );
        assert!(
            Schedule::parse(&["Mon 25:00-26:00"])
                .unwrap_err()
                .contains("span of hours")
        );
        assert!(Schedule::parse(&["07:00-19:00 Mon"]).is_err());
        assert!(Schedule::parse(&[]).is_err());
    }
}
