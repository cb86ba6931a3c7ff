//! Clock times as breweries write them ("1 — 8pm", "noon-4pm", "4:00 - 8:00", "11 to 3pm"),
//! turned into start and end times. Each end is read on its own and a missing am/pm is
//! inferred from the other end so that the range runs forward: "11 — 3pm" is 11:00–15:00,
//! not the original's 23:00–15:00.

use std::sync::LazyLock;

use atg_core::infer_year;
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use regex::Regex;

use crate::text::{iso_date, iso_in_zone, sane_ymd};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meridiem {
    Am,
    Pm,
}

/// A time as written: hour and minute, and am/pm when given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    pub hour: u32,
    pub minute: u32,
    pub meridiem: Option<Meridiem>,
}

static READING: LazyLock<Regex> = LazyLock::new(|| {
    crate::patterns::regex(
        r"(?i)^\s*(?:(noon)|(midnight)|(\d{1,2})(?:[:.](\d{2}))?\s*([ap])?\.?\s*(?:m\.?)?)\s*$",
    )
});

/// A range inside free text: two readings joined by an em dash, en dash, hyphen or "to".
static RANGE_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    let end = r"(?:noon|midnight|\d{1,2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?)?)";
    crate::patterns::regex(&format!(r"(?i)({end})\s*(?:—|–|-|\bto\b)\s*({end})"))
});

/// Reads one time ("4", "4:30", "4:30pm", "noon", "12 AM", "16:00"). `None` if it is not a
/// time or is out of range.
pub fn parse_reading(text: &str) -> Option<Reading> {
    let c = READING.captures(text)?;
    if c.get(1).is_some() {
        return Some(Reading {
            hour: 12,
            minute: 0,
            meridiem: Some(Meridiem::Pm),
        });
    }
    if c.get(2).is_some() {
        return Some(Reading {
            hour: 12,
            minute: 0,
            meridiem: Some(Meridiem::Am),
        });
    }
    let hour: u32 = c.get(3)?.as_str().parse().ok()?;
    let minute: u32 = c.get(4).map_or(Some(0), |m| m.as_str().parse().ok())?;
    let meridiem = c.get(5).map(|m| {
        if m.as_str().eq_ignore_ascii_case("a") {
            Meridiem::Am
        } else {
            Meridiem::Pm
        }
    });
    let hour_ok = match meridiem {
        Some(_) => (1..=12).contains(&hour),
        None => hour <= 23,
    };
    (hour_ok && minute <= 59).then_some(Reading {
        hour,
        minute,
        meridiem,
    })
}

impl Reading {
    fn with(self, m: Meridiem) -> NaiveTime {
        let h = match m {
            Meridiem::Am => self.hour % 12,
            Meridiem::Pm => self.hour % 12 + 12,
        };
        NaiveTime::from_hms_opt(h, self.minute, 0).unwrap_or(NaiveTime::MIN)
    }

    /// A reading that can only mean one time: it has am/pm, or it is on the 24-hour clock.
    fn definite(self) -> Option<NaiveTime> {
        match self.meridiem {
            Some(m) => Some(self.with(m)),
            None if self.hour == 0 || self.hour > 12 => {
                NaiveTime::from_hms_opt(self.hour, self.minute, 0)
            }
            None => None,
        }
    }

    /// A lone time with no am/pm is read on the 24-hour clock.
    pub fn as_24h(self) -> Option<NaiveTime> {
        match self.meridiem {
            Some(m) => Some(self.with(m)),
            None => NaiveTime::from_hms_opt(self.hour, self.minute, 0),
        }
    }
}

/// Start and end of a range. An end at or before the start means the end is after midnight.
pub fn resolve_range(start: Reading, end: Reading) -> Option<(NaiveTime, NaiveTime)> {
    let (s, e) = match (start.definite(), end.definite()) {
        (Some(s), Some(e)) => (s, e),
        (None, Some(e)) => (forward_start(start, e, end.meridiem), e),
        (Some(s), None) => (s, forward_end(end, s, start.meridiem)),
        (None, None) => {
            // Food trucks keep afternoon and evening hours: an end without am/pm is pm
            // (12 is noon), and the start is the latest reading that still comes before it.
            let e = end.with(Meridiem::Pm);
            (forward_start(start, e, None), e)
        }
    };
    (s != e).then_some((s, e))
}

/// The start reading in the same half of the day as the end when that runs forward, else in
/// the other half ("11 — 3pm" → 11:00).
fn forward_start(start: Reading, end: NaiveTime, hint: Option<Meridiem>) -> NaiveTime {
    let first = hint.unwrap_or(Meridiem::Pm);
    let same = start.with(first);
    if same < end {
        return same;
    }
    let other = start.with(flip(first));
    if other < end {
        return other;
    }
    // Past midnight ("10 — 2am"): the start that makes the shorter night.
    if wrap(other, end) < wrap(same, end) {
        other
    } else {
        same
    }
}

/// How long from `a` forward to `b` on a 24-hour dial.
fn wrap(a: NaiveTime, b: NaiveTime) -> i64 {
    (b - a).num_minutes().rem_euclid(24 * 60)
}

/// The end reading that comes after the start ("10am — 2" → 14:00).
fn forward_end(end: Reading, start: NaiveTime, hint: Option<Meridiem>) -> NaiveTime {
    let first = hint.unwrap_or(Meridiem::Pm);
    let same = end.with(first);
    if same > start {
        return same;
    }
    let other = end.with(flip(first));
    if other > start {
        return other;
    }
    if wrap(start, other) < wrap(start, same) {
        other
    } else {
        same
    }
}

fn flip(m: Meridiem) -> Meridiem {
    match m {
        Meridiem::Am => Meridiem::Pm,
        Meridiem::Pm => Meridiem::Am,
    }
}

/// The first time range found in `text`, if any.
pub fn find_range(text: &str) -> Option<(NaiveTime, NaiveTime)> {
    RANGE_IN_TEXT.captures_iter(text).find_map(|c| {
        resolve_range(
            parse_reading(c.get(1)?.as_str())?,
            parse_reading(c.get(2)?.as_str())?,
        )
    })
}

/// A range written as exactly two times separated by a dash ("4:00 - 8:00", "12:30–18:00").
pub fn parse_dash_range(text: &str) -> Option<(NaiveTime, NaiveTime)> {
    static DASH: LazyLock<Regex> = LazyLock::new(|| crate::patterns::regex(r"\s*[-–—]\s*"));
    let parts: Vec<_> = DASH.split(text.trim()).collect();
    match parts.as_slice() {
        [a, b] => resolve_range(parse_reading(a)?, parse_reading(b)?),
        _ => None,
    }
}

/// Places a range on a day; an end before the start falls on the next day.
pub fn on_day(day: NaiveDate, (s, e): (NaiveTime, NaiveTime)) -> (NaiveDateTime, NaiveDateTime) {
    let start = day.and_time(s);
    let mut end = day.and_time(e);
    if end <= start {
        end = end.checked_add_signed(Duration::days(1)).unwrap_or(end);
    }
    (start, end)
}

static DOTTED: LazyLock<Regex> =
    LazyLock::new(|| crate::patterns::regex(r"\b(\d{1,2})\.(\d{1,2})\b"));
static SLASHED: LazyLock<Regex> =
    LazyLock::new(|| crate::patterns::regex(r"\b(\d{1,2})[/-](\d{1,2})[/-](\d{4})\b"));
static MONTH_NAME: LazyLock<Regex> = LazyLock::new(|| {
    crate::patterns::regex(
        r"(?i)\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})\b(?:,?\s+(\d{4}))?",
    )
});

/// A date as people and APIs write it: ISO (a timestamp with an offset is that instant's day
/// in `zone`), `July 06, 2025`, `07/06/2025`, `07-06-2025`, `Jul 6`, `07.06`; a date without
/// a year takes the year nearest today.
pub fn parse_loose_date(text: &str, today: NaiveDate, zone: chrono_tz::Tz) -> Option<NaiveDate> {
    let t = text.trim();
    if let Some(dt) = iso_in_zone(t, zone) {
        return Some(dt.date());
    }
    if let Some(d) = iso_date(t) {
        return Some(d);
    }
    for f in ["%B %d, %Y", "%B %d %Y", "%b %d, %Y", "%b %d %Y", "%m/%d/%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, f) {
            return sane_ymd(d);
        }
    }
    if let Some(c) = SLASHED.captures(t) {
        return sane_ymd(NaiveDate::from_ymd_opt(
            c[3].parse().ok()?,
            c[1].parse().ok()?,
            c[2].parse().ok()?,
        )?);
    }
    if let Some(c) = MONTH_NAME.captures(t) {
        let month = month_number(&c[1])?;
        let day: u32 = c[2].parse().ok()?;
        return match c.get(3) {
            Some(y) => sane_ymd(NaiveDate::from_ymd_opt(
                y.as_str().parse().ok()?,
                month,
                day,
            )?),
            None => infer_year(today, month, day),
        };
    }
    let c = DOTTED.captures(t)?;
    infer_year(today, c[1].parse().ok()?, c[2].parse().ok()?)
}

/// `jan` → 1 … `dec` → 12 (three-letter prefix, any case).
pub fn month_number(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let p = name.get(..3)?.to_lowercase();
    MONTHS.iter().position(|m| *m == p).map(|i| i as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hm(text: &str) -> Option<(String, String)> {
        find_range(text)
            .map(|(s, e)| (s.format("%H:%M").to_string(), e.format("%H:%M").to_string()))
    }

    fn r(s: &str, e: &str) -> Option<(String, String)> {
        Some((s.to_string(), e.to_string()))
    }

    #[test]
    fn the_originals_good_cases_still_hold() {
        assert_eq!(hm("1 — 8pm"), r("13:00", "20:00"));
        assert_eq!(hm("12 — 9pm"), r("12:00", "21:00"));
        assert_eq!(hm("2 — 7pm"), r("14:00", "19:00"));
        assert_eq!(hm("noon — 4pm"), r("12:00", "16:00"));
        assert_eq!(hm("4:30 — 8:30pm"), r("16:30", "20:30"));
        assert_eq!(hm("12:30 — 9pm"), r("12:30", "21:00"));
        assert_eq!(hm("8 — 11am"), r("08:00", "11:00"));
        assert_eq!(hm(" — "), None);
        assert_eq!(hm(""), None);
    }

    #[test]
    fn a_single_trailing_meridiem_does_not_flip_the_start() {
        // The original gave 23:00–15:00 and 10:00–02:00.
        assert_eq!(hm("11 — 3pm"), r("11:00", "15:00"));
        assert_eq!(hm("11:30 — 2:30pm"), r("11:30", "14:30"));
        assert_eq!(hm("10 — 2am"), r("22:00", "02:00"));
        assert_eq!(hm("10am — 2"), r("10:00", "14:00"));
        assert_eq!(hm("9pm — midnight"), r("21:00", "00:00"));
    }

    #[test]
    fn dashes_and_to_are_all_separators() {
        assert_eq!(hm("1 - 8pm"), r("13:00", "20:00"));
        assert_eq!(hm("1 – 8pm"), r("13:00", "20:00"));
        assert_eq!(hm("1pm to 8pm"), r("13:00", "20:00"));
        assert_eq!(hm("10am — 2pm"), r("10:00", "14:00"));
        assert_eq!(hm("5:00 PM - 9:00 PM"), r("17:00", "21:00"));
    }

    #[test]
    fn an_out_of_range_hour_gives_no_times_and_no_error() {
        assert_eq!(hm("25 — 8pm"), None);
        assert_eq!(parse_dash_range("25:00 - 30:00"), None);
        // 13 is unambiguous on the 24-hour clock.
        assert_eq!(hm("13 — 8pm"), r("13:00", "20:00"));
    }

    #[test]
    fn dash_ranges_without_meridiem_read_as_afternoon_and_evening() {
        let d = |t: &str| {
            parse_dash_range(t)
                .map(|(s, e)| (s.format("%H:%M").to_string(), e.format("%H:%M").to_string()))
        };
        assert_eq!(d("4:00 - 8:00"), r("16:00", "20:00"));
        assert_eq!(d("12:30 - 18:00"), r("12:30", "18:00"));
        assert_eq!(d("5 - 9"), r("17:00", "21:00"));
        assert_eq!(d("4:00 – 8:00"), r("16:00", "20:00"));
        assert_eq!(d("4:00—8:00"), r("16:00", "20:00"));
        // The original made this 23:00–15:00.
        assert_eq!(d("11:00 - 15:00"), r("11:00", "15:00"));
        assert_eq!(d("4:00 8:00"), None);
        assert_eq!(d("4:00 - 6:00 - 8:00"), None);
    }

    #[test]
    fn single_readings() {
        let t = |s: &str| {
            parse_reading(s)
                .and_then(Reading::as_24h)
                .map(|t| t.format("%H:%M").to_string())
        };
        assert_eq!(t("13:00").as_deref(), Some("13:00"));
        assert_eq!(t("00:00").as_deref(), Some("00:00"));
        assert_eq!(t("23:59").as_deref(), Some("23:59"));
        assert_eq!(t("1:00 pm").as_deref(), Some("13:00"));
        assert_eq!(t("12:30 PM").as_deref(), Some("12:30"));
        assert_eq!(t("12:00 AM").as_deref(), Some("00:00"));
        assert_eq!(t("25:00"), None);
        assert_eq!(t("12:70"), None);
        assert_eq!(t("13pm"), None);
        assert_eq!(t("invalid"), None);
        assert_eq!(t(""), None);
    }

    #[test]
    fn ranges_past_midnight_end_the_next_day() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let (s, e) = on_day(day, find_range("10 — 2am").unwrap());
        assert_eq!(s.to_string(), "2026-11-01 22:00:00");
        assert_eq!(e.to_string(), "2026-11-02 02:00:00");
    }
}
