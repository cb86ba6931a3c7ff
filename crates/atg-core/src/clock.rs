//! Time in this project is Pacific time (America/Los_Angeles), DST-aware, and flows from one
//! injected [`Clock`]; nothing reads the system clock behind the caller's back.

use std::ops::RangeInclusive;

use chrono::{
    DateTime, Datelike, Days, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Utc,
};
use chrono_tz::Tz;

/// The zone every schedule is in.
pub const PACIFIC: Tz = chrono_tz::America::Los_Angeles;

/// The window is today through today + `WINDOW_DAYS` (both ends included), as the original.
pub const WINDOW_DAYS: i64 = 7;

/// The years a date from outside (a page, a feed, `--as-of`, a workflow's input) may have. A
/// schedule is about this week; anything far outside is a misreading, and keeping every value
/// inside this range means no later date arithmetic can overflow.
pub const SANE_YEARS: RangeInclusive<i32> = 1970..=2200;

/// `date` is inside [`SANE_YEARS`].
pub fn is_sane_date(date: NaiveDate) -> bool {
    SANE_YEARS.contains(&date.year())
}

/// `date` when it is inside [`SANE_YEARS`].
pub fn sane_date(date: NaiveDate) -> Option<NaiveDate> {
    is_sane_date(date).then_some(date)
}

/// `t` when its date is inside [`SANE_YEARS`].
pub fn sane_datetime(t: NaiveDateTime) -> Option<NaiveDateTime> {
    is_sane_date(t.date()).then_some(t)
}

/// Why a day given as "today" (`--as-of`, a workflow's `as_of`) cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AsOfError {
    #[error("{0:?} is not a date like 2026-11-25")]
    NotADate(String),
    #[error("{0:?} is outside the years {first}–{last}", first = SANE_YEARS.start(), last = SANE_YEARS.end())]
    OutOfRange(String),
}

/// The one reading of a "today" given as text: `YYYY-MM-DD`, in [`SANE_YEARS`].
///
/// ```
/// use atg_core::parse_as_of;
/// assert!(parse_as_of("2026-11-25").is_ok());
/// assert!(parse_as_of("+262142-12-31").is_err());
/// assert!(parse_as_of("tomorrow").is_err());
/// ```
pub fn parse_as_of(text: &str) -> Result<NaiveDate, AsOfError> {
    let t = text.trim();
    // Four-digit years only: chrono's `%Y` would also take `+262142`.
    let shaped = t.len() == 10 && t.as_bytes().first().is_some_and(u8::is_ascii_digit);
    let date = NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .filter(|_| shaped)
        .ok_or_else(|| AsOfError::NotADate(text.to_string()))?;
    sane_date(date).ok_or_else(|| AsOfError::OutOfRange(text.to_string()))
}

/// "Now", fixed once at the edge of a run and handed to everything that needs the date, and
/// the zone of the site whose day it is (Pacific unless a site says otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    now: DateTime<Utc>,
    zone: Tz,
}

impl Clock {
    /// The real time, read once.
    pub fn system() -> Self {
        Self::fixed(Utc::now())
    }

    /// A pinned instant (tests, replays).
    pub fn fixed(now: DateTime<Utc>) -> Self {
        Self { now, zone: PACIFIC }
    }

    /// Noon Pacific on `date`: what `--as-of YYYY-MM-DD` means ([`Clock::as_of_in`] Pacific).
    pub fn as_of(date: NaiveDate) -> Self {
        Self::as_of_in(date, PACIFIC)
    }

    /// Noon in `zone` on `date`. A date outside [`SANE_YEARS`] (which [`parse_as_of`] refuses)
    /// is taken as the nearest end of that range, so no reading of this clock can overflow.
    pub fn as_of_in(date: NaiveDate, zone: Tz) -> Self {
        let first = NaiveDate::from_ymd_opt(*SANE_YEARS.start(), 1, 1).unwrap_or(NaiveDate::MIN);
        let last = NaiveDate::from_ymd_opt(*SANE_YEARS.end(), 12, 31).unwrap_or(NaiveDate::MAX);
        let date = date.clamp(first, last);
        let noon = date.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or(NaiveTime::MIN));
        Self {
            now: localize_in(zone, noon).with_timezone(&Utc),
            zone,
        }
    }

    /// The same instant, read in `zone`.
    pub fn in_zone(self, zone: Tz) -> Self {
        Self { zone, ..self }
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    pub fn now_utc(&self) -> DateTime<Utc> {
        self.now
    }

    /// Now, on the wall clocks of the clock's zone.
    pub fn now_local(&self) -> DateTime<Tz> {
        self.now.with_timezone(&self.zone)
    }

    /// Now in Pacific time.
    pub fn now_pacific(&self) -> DateTime<Tz> {
        self.now.with_timezone(&PACIFIC)
    }

    /// The calendar date in the clock's zone.
    pub fn today(&self) -> NaiveDate {
        self.now_local().date_naive()
    }

    pub fn window(&self) -> ScheduleWindow {
        ScheduleWindow::starting(self.today())
    }
}

/// The days a schedule covers: `first` through `last`, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleWindow {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl ScheduleWindow {
    pub fn starting(first: NaiveDate) -> Self {
        Self {
            first,
            last: first
                .checked_add_days(Days::new(WINDOW_DAYS.unsigned_abs()))
                .unwrap_or(NaiveDate::MAX),
        }
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.first <= date && date <= self.last
    }
}

/// How far back a date without a year may lie before it is taken to be next year's.
pub const RECENT_PAST_DAYS: i64 = 92;

/// The year of a month/day date that has none: the first date on or after `today` minus
/// [`RECENT_PAST_DAYS`]. Schedules show the coming weeks and a little of the past, so on
/// 2026-12-29 "01.05" is 2027-01-05, on 2027-01-02 "12.30" is 2026-12-30, and in July
/// "01.15" is next January. `None` when the month/day exists in no candidate year (`02.30`).
///
/// ```
/// use atg_core::infer_year;
/// use chrono::NaiveDate;
/// let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
/// assert_eq!(infer_year(d(2026, 12, 29), 1, 5), Some(d(2027, 1, 5)));
/// assert_eq!(infer_year(d(2027, 1, 2), 12, 30), Some(d(2026, 12, 30)));
/// assert_eq!(infer_year(d(2026, 7, 1), 2, 30), None);
/// ```
pub fn infer_year(today: NaiveDate, month: u32, day: u32) -> Option<NaiveDate> {
    let earliest = today.checked_sub_days(Days::new(RECENT_PAST_DAYS.unsigned_abs()))?;
    (today.year().saturating_sub(1)..=today.year().saturating_add(4))
        .filter_map(|y| NaiveDate::from_ymd_opt(y, month, day))
        .find(|d| *d >= earliest)
}

/// A wall-clock reading in `zone` as an instant. An ambiguous reading (the repeated hour when
/// clocks go back) takes the earlier instant; a reading inside the gap when they go forward is
/// moved past it, as a clock on the wall would be.
pub fn localize_in(zone: Tz, wall: NaiveDateTime) -> DateTime<Tz> {
    match zone.from_local_datetime(&wall) {
        LocalResult::Single(t) => t,
        LocalResult::Ambiguous(early, _) => early,
        LocalResult::None => wall
            .checked_add_signed(Duration::hours(1))
            .and_then(|shifted| zone.from_local_datetime(&shifted).earliest())
            .unwrap_or_else(|| zone.from_utc_datetime(&wall)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn today_is_the_pacific_date_not_the_utc_date() {
        // 2026-07-06 03:30 UTC is still 2026-07-05 in Pacific (PDT, UTC-7).
        let c = Clock::fixed(Utc.with_ymd_and_hms(2026, 7, 6, 3, 30, 0).unwrap());
        assert_eq!(c.today(), d(2026, 7, 5));
        // 2026-07-06 07:30 UTC is 00:30 PDT on 07-06: the original's fixed UTC-8 said 07-05.
        let c = Clock::fixed(Utc.with_ymd_and_hms(2026, 7, 6, 7, 30, 0).unwrap());
        assert_eq!(c.today(), d(2026, 7, 6));
        // New Year's Eve 22:00 Pacific is already 2025 in UTC.
        let c = Clock::fixed(Utc.with_ymd_and_hms(2025, 1, 1, 6, 0, 0).unwrap());
        assert_eq!(c.today(), d(2024, 12, 31));
    }

    #[test]
    fn as_of_accepts_only_sane_iso_dates() {
        assert_eq!(parse_as_of("2026-11-25"), Ok(d(2026, 11, 25)));
        assert_eq!(parse_as_of(" 2026-11-25 "), Ok(d(2026, 11, 25)));
        for bad in [
            "+262142-12-31",
            "-0001-01-01",
            "26-11-25",
            "2026-13-01",
            "",
            "x",
        ] {
            assert!(
                matches!(parse_as_of(bad), Err(AsOfError::NotADate(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_as_of("9999-12-31"),
            Err(AsOfError::OutOfRange(_))
        ));
        assert!(matches!(
            parse_as_of("1969-12-31"),
            Err(AsOfError::OutOfRange(_))
        ));
        assert_eq!(
            parse_as_of("9999-12-31").unwrap_err().to_string(),
            "\"9999-12-31\" is outside the years 1970–2200"
        );
    }

    #[test]
    fn arithmetic_at_the_ends_of_time_does_not_panic() {
        let w = ScheduleWindow::starting(NaiveDate::MAX);
        assert_eq!(w.last, NaiveDate::MAX);
        assert_eq!(infer_year(NaiveDate::MIN, 1, 5), None);
        let _ = infer_year(NaiveDate::MAX, 12, 31);
        let _ = localize_in(PACIFIC, NaiveDateTime::MAX);
        let _ = localize_in(PACIFIC, NaiveDateTime::MIN);
        assert_eq!(Clock::as_of(NaiveDate::MAX).today(), d(2200, 12, 31));
        assert_eq!(Clock::as_of(NaiveDate::MIN).today(), d(1970, 1, 1));
    }

    #[test]
    fn window_is_eight_calendar_days_inclusive() {
        let w = ScheduleWindow::starting(d(2026, 10, 29));
        assert_eq!(w.last, d(2026, 11, 5));
        assert!(w.contains(d(2026, 10, 29)));
        assert!(w.contains(d(2026, 11, 1)));
        assert!(w.contains(d(2026, 11, 5)));
        assert!(!w.contains(d(2026, 10, 28)));
        assert!(!w.contains(d(2026, 11, 6)));
    }

    #[test]
    fn as_of_pins_the_pacific_date_in_both_dst_seasons() {
        assert_eq!(Clock::as_of(d(2026, 3, 8)).today(), d(2026, 3, 8));
        assert_eq!(Clock::as_of(d(2026, 11, 1)).today(), d(2026, 11, 1));
        assert_eq!(Clock::as_of(d(2026, 12, 31)).today(), d(2026, 12, 31));
    }

    #[test]
    fn year_inference_crosses_new_year_both_ways() {
        assert_eq!(infer_year(d(2026, 12, 29), 1, 5), Some(d(2027, 1, 5)));
        assert_eq!(infer_year(d(2027, 1, 2), 12, 30), Some(d(2026, 12, 30)));
        assert_eq!(infer_year(d(2025, 7, 5), 7, 5), Some(d(2025, 7, 5)));
        assert_eq!(infer_year(d(2025, 12, 25), 1, 15), Some(d(2026, 1, 15)));
        assert_eq!(infer_year(d(2025, 7, 5), 2, 30), None);
        assert_eq!(infer_year(d(2027, 11, 1), 2, 29), Some(d(2028, 2, 29)));
        assert_eq!(infer_year(d(2025, 7, 5), 1, 15), Some(d(2026, 1, 15)));
        assert_eq!(infer_year(d(2025, 7, 5), 6, 10), Some(d(2025, 6, 10)));
    }

    #[test]
    fn utc_instants_convert_with_dst() {
        let wall = |y, m, dd, h, mi| {
            Utc.with_ymd_and_hms(y, m, dd, h, mi, 0)
                .unwrap()
                .with_timezone(&PACIFIC)
                .naive_local()
                .format("%Y-%m-%d %H:%M")
                .to_string()
        };
        assert_eq!(wall(2025, 1, 15, 22, 30), "2025-01-15 14:30");
        assert_eq!(wall(2025, 7, 15, 21, 30), "2025-07-15 14:30");
        assert_eq!(wall(2025, 3, 9, 9, 0), "2025-03-09 01:00");
        assert_eq!(wall(2025, 3, 9, 11, 0), "2025-03-09 04:00");
        assert_eq!(wall(2024, 7, 12, 16, 0), "2024-07-12 09:00");
        assert_eq!(wall(2024, 1, 15, 14, 0), "2024-01-15 06:00");
    }

    #[test]
    fn localize_handles_the_gap_and_the_repeated_hour() {
        let t = |y, m, dd, h| d(y, m, dd).and_hms_opt(h, 30, 0).unwrap_or_default();
        // 02:30 on 2026-03-08 does not exist: moved to 03:30 PDT.
        assert_eq!(
            localize_in(PACIFIC, t(2026, 3, 8, 2)).to_rfc3339(),
            "2026-03-08T03:30:00-07:00"
        );
        // 01:30 on 2026-11-01 happens twice: the first (PDT) is taken.
        assert_eq!(
            localize_in(PACIFIC, t(2026, 11, 1, 1)).to_rfc3339(),
            "2026-11-01T01:30:00-07:00"
        );
        assert_eq!(
            localize_in(PACIFIC, t(2026, 11, 1, 12)).to_rfc3339(),
            "2026-11-01T12:30:00-08:00"
        );
        assert_eq!(
            localize_in(PACIFIC, t(2026, 10, 31, 12)).to_rfc3339(),
            "2026-10-31T12:30:00-07:00"
        );
    }
}
