//! An iCalendar feed (RFC 5545; `"parser": "ical"`, `url` the feed: Google Calendar's public
//! ICS address, Outlook, Square, Tock; `webcal://` is read as `https://`).
//!
//! Every `VEVENT` in the window becomes an event: its `SUMMARY` the title, `CATEGORIES` its
//! categories, `DESCRIPTION` its description. Times are read as written — `DTSTART;TZID=…`
//! with a tz database name or the feed's own `VTIMEZONE`, UTC (`…Z`), or floating (the site's
//! zone) — and given as the site's wall-clock times; an all-day event (`VALUE=DATE`) has no
//! times. Recurring events (`RRULE`, `RDATE`, `EXDATE`, and `RECURRENCE-ID` overrides) are
//! expanded into the window with the `rrule` crate: in the event's own zone, so a weekly truck
//! keeps its wall-clock time across a change of daylight saving time. Cancelled events and
//! occurrences are left out.
//!
//! Bounds: expansion stops at the window's end and at [`MAX_OCCURRENCES`] per event; a rule
//! recurring more often than daily (`FREQ=SECONDLY`, `MINUTELY`, `HOURLY`) or that the `rrule`
//! crate refuses (`INTERVAL=0`) makes that event unreadable, and a feed whose events are all
//! unreadable is a Parser Error.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use atg_core::{FoodTruckEvent, Limit, ScheduleWindow, localize_in};
use chrono::{DateTime, Days, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use icalendar::parser::{Component, Property};

use crate::budget::Budget;
use crate::fetch::Request;
use crate::source::{NoSettings, OnePage, ParseContext, ParseError, require_body};
use crate::text::collapse_ws;

/// The most occurrences of one event taken into a window.
pub const MAX_OCCURRENCES: u16 = 64;

#[derive(Debug, Clone)]
pub struct Ical {
    url: String,
}

impl Ical {
    pub fn new(brewery: &atg_core::Brewery, _: NoSettings) -> Result<Self, String> {
        Ok(Self {
            url: brewery.url.clone(),
        })
    }
}

impl OnePage for Ical {
    fn request(&self, _ctx: &ParseContext) -> Request {
        Request::get(&self.url).header("accept", "text/calendar, */*;q=0.5")
    }

    fn parse(&self, body: &str, ctx: &ParseContext) -> Result<Vec<FoodTruckEvent>, ParseError> {
        parse(body, ctx)
    }
}

// ---- Zones -------------------------------------------------------------------------------

/// A `VTIMEZONE` of the feed: the moments its offset changes (each `STANDARD` and `DAYLIGHT`
/// part's onsets, `DTSTART` + `RRULE`) around the window, with the offset from each on.
#[derive(Debug)]
struct FeedZone {
    /// `(onset, offset to UTC in seconds)`, sorted, onsets as local wall-clock readings.
    transitions: Vec<(NaiveDateTime, i32)>,
}

/// How far around the window a feed's zone rules are expanded: a series' `DTSTART` years back
/// is moved near the window before it is read (only its time of day matters there).
const ZONE_YEARS_BEFORE: u64 = 2;
const ZONE_YEARS_AFTER: u64 = 1;

impl FeedZone {
    /// The zone `c` describes around `window`, its rules' onsets drawn from the feed's
    /// recurrence budget. Onsets may be long before 1970 (Outlook writes 1601).
    fn of(
        c: &Component<'_>,
        window: ScheduleWindow,
        budget: &Budget,
    ) -> Result<Option<Self>, ParseError> {
        let from = window
            .first
            .checked_sub_days(Days::new(366 * ZONE_YEARS_BEFORE))
            .unwrap_or(window.first);
        let to = window
            .last
            .checked_add_days(Days::new(366 * ZONE_YEARS_AFTER))
            .unwrap_or(window.last);
        let mut transitions = Vec::new();
        for part in &c.components {
            if part.name.as_str() != "STANDARD" && part.name.as_str() != "DAYLIGHT" {
                continue;
            }
            let onset = part
                .find_prop("DTSTART")
                .and_then(|p| zone_onset(p.val.as_str()));
            let offset = part
                .find_prop("TZOFFSETTO")
                .and_then(|p| utc_offset(p.val.as_str()));
            let (Some(onset), Some(offset)) = (onset, offset) else {
                continue;
            };
            budget.dates(1)?;
            let rule = part
                .find_prop("RRULE")
                .and_then(|p| {
                    p.val
                        .as_str()
                        .parse::<rrule::RRule<rrule::Unvalidated>>()
                        .ok()
                })
                .filter(|r| r.get_interval() > 0);
            let Some(rule) = rule else {
                transitions.push((onset, offset));
                continue;
            };
            let (rule, first) = fast_forward(rule, onset, from);
            budget.dates(cost(&rule, first.date(), to))?;
            let on_wall = |t: NaiveDateTime| rrule::Tz::UTC.from_utc_datetime(&t);
            let Ok(set) = rule.build(on_wall(first)) else {
                transitions.push((onset, offset));
                continue;
            };
            let onsets = set
                .before(on_wall(to.and_time(NaiveTime::MIN)))
                .all(MAX_ZONE_ONSETS);
            // The first onset itself counts when the rule's own pattern skips it.
            transitions.push((first, offset));
            transitions.extend(onsets.dates.iter().map(|t| (t.naive_utc(), offset)));
        }
        transitions.sort();
        transitions.dedup();
        Ok((!transitions.is_empty()).then_some(Self { transitions }))
    }

    /// The offset in force at the wall-clock reading `t`: the latest change at or before it
    /// (the earliest known offset before the first).
    fn offset_at(&self, t: NaiveDateTime) -> i32 {
        let after = self.transitions.partition_point(|(onset, _)| *onset <= t);
        self.transitions
            .get(after.saturating_sub(1))
            .map_or(0, |(_, offset)| *offset)
    }
}

/// The most onsets of one zone rule taken around a window (a yearly rule gives about four).
const MAX_ZONE_ONSETS: u16 = 64;

/// A zone part's `DTSTART`: a local time in any year (zones begin in 1601 or 1970).
fn zone_onset(raw: &str) -> Option<NaiveDateTime> {
    let raw = raw.trim().trim_end_matches(['Z', 'z']);
    NaiveDateTime::parse_from_str(raw, "%Y%m%dT%H%M%S").ok()
}

/// `-0800`, `+0530`, `-070000` → seconds east of UTC.
fn utc_offset(raw: &str) -> Option<i32> {
    let raw = raw.trim();
    let sign = match raw.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits = raw.get(1..)?;
    let h: i32 = digits.get(..2)?.parse().ok()?;
    let m: i32 = digits.get(2..4)?.parse().ok()?;
    let s: i32 = digits.get(4..6).map_or(Some(0), |s| s.parse().ok())?;
    (h < 24 && m < 60 && s < 60).then_some(sign * (h * 3600 + m * 60 + s))
}

/// Outlook's (Windows') zone names for the zones of North America and a few more.
const WINDOWS_ZONES: &[(&str, &str)] = &[
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("Mountain Standard Time", "America/Denver"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Central Standard Time", "America/Chicago"),
    ("Eastern Standard Time", "America/New_York"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("GMT Standard Time", "Europe/London"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("UTC", "UTC"),
];

/// How a wall-clock reading of the feed becomes an instant.
#[derive(Debug, Clone)]
enum Base {
    Utc,
    Zone(Tz),
    Feed(Arc<FeedZone>),
    /// No zone: the site's.
    Floating,
}

impl Base {
    /// The zone a `TZID` names: a tz database name (also behind a `/mozilla.org/…/` prefix),
    /// an Outlook name, or the feed's `VTIMEZONE` of that id (its `X-LIC-LOCATION` first).
    fn named(
        tzid: &str,
        feed: &HashMap<String, (Option<Tz>, Option<Arc<FeedZone>>)>,
    ) -> Option<Self> {
        let id = tzid.trim().trim_matches('"');
        let tz = |name: &str| name.parse::<Tz>().ok();
        if let Some(z) = tz(id) {
            return Some(Self::Zone(z));
        }
        if let Some((Some(z), _)) = feed.get(id) {
            return Some(Self::Zone(*z));
        }
        // A path (`/softwarestudio.org/Tzfile/America/Argentina/Buenos_Aires`,
        // `/mozilla.org/20050126_1/America/New_York`): the longest tail that is a zone.
        let parts: Vec<&str> = id.split('/').filter(|p| !p.is_empty()).collect();
        if parts.len() > 1 && parts.len() <= 8 {
            for first in 0..parts.len() {
                if let Some(z) = tz(&parts[first..].join("/")) {
                    return Some(Self::Zone(z));
                }
            }
        }
        if let Some((_, iana)) = WINDOWS_ZONES.iter().find(|(w, _)| *w == id) {
            return tz(iana).map(Self::Zone);
        }
        feed.get(id).and_then(|(_, z)| z.clone()).map(Self::Feed)
    }

    /// The wall-clock reading in this base of the UTC instant `at` (`site` for floating
    /// times).
    fn wall_of(&self, at: DateTime<Utc>, site: Tz) -> NaiveDateTime {
        match self {
            Self::Utc => at.naive_utc(),
            Self::Zone(z) => at.with_timezone(z).naive_local(),
            Self::Floating => at.with_timezone(&site).naive_local(),
            Self::Feed(f) => {
                let utc = at.naive_utc();
                let near = utc
                    .checked_add_signed(Duration::seconds(i64::from(f.offset_at(utc))))
                    .unwrap_or(utc);
                utc.checked_add_signed(Duration::seconds(i64::from(f.offset_at(near))))
                    .unwrap_or(utc)
            }
        }
    }

    /// `wall` in this base as a UTC instant (`site` for floating times).
    fn instant(&self, wall: NaiveDateTime, site: Tz) -> DateTime<Utc> {
        match self {
            Self::Utc => Utc.from_utc_datetime(&wall),
            Self::Zone(z) => localize_in(*z, wall).with_timezone(&Utc),
            Self::Floating => localize_in(site, wall).with_timezone(&Utc),
            Self::Feed(f) => {
                let utc = wall
                    .checked_sub_signed(Duration::seconds(i64::from(f.offset_at(wall))))
                    .unwrap_or(wall);
                Utc.from_utc_datetime(&utc)
            }
        }
    }
}

// ---- Values ------------------------------------------------------------------------------

/// `20261103T170000` (a trailing `Z` is the caller's to see).
fn wall(raw: &str) -> Option<NaiveDateTime> {
    let raw = raw.trim().trim_end_matches(['Z', 'z']);
    NaiveDateTime::parse_from_str(raw, "%Y%m%dT%H%M%S")
        .ok()
        .and_then(atg_core::sane_datetime)
}

fn day(raw: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim().get(..8)?, "%Y%m%d")
        .ok()
        .and_then(atg_core::sane_date)
}

fn param<'p>(p: &'p Property<'_>, key: &str) -> Option<&'p str> {
    p.params
        .iter()
        .find(|x| x.key.as_str().eq_ignore_ascii_case(key))
        .and_then(|x| x.val.as_ref())
        .map(|v| v.as_str())
}

/// A `DTSTART`, `DTEND`, `RECURRENCE-ID`, `EXDATE` or `RDATE` value.
#[derive(Debug, Clone)]
enum Stamp {
    Day(NaiveDate),
    At(NaiveDateTime, Base),
}

/// The stamps of a property (a list for `EXDATE` and `RDATE`), read in `base` unless it names
/// its own `TZID`.
fn stamps(
    p: &Property<'_>,
    zones: &HashMap<String, (Option<Tz>, Option<Arc<FeedZone>>)>,
) -> Vec<Stamp> {
    periods_of(p, zones).into_iter().map(|(s, _)| s).collect()
}

/// The stamps of a property with the length each gives: an `RDATE;VALUE=PERIOD` lists
/// `start/end` or `start/duration` (RFC 5545 §3.3.9); any other stamp gives none (the series'
/// own length).
fn periods_of(
    p: &Property<'_>,
    zones: &HashMap<String, (Option<Tz>, Option<Arc<FeedZone>>)>,
) -> Vec<(Stamp, Option<Duration>)> {
    let is_date = param(p, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE"));
    let base = param(p, "TZID").and_then(|id| Base::named(id, zones));
    let read = |v: &str| {
        let v = v.trim();
        if is_date || (v.len() == 8 && !v.contains('T')) {
            return day(v).map(Stamp::Day);
        }
        let w = wall(v)?;
        let b = if v.ends_with(['Z', 'z']) {
            Base::Utc
        } else {
            base.clone().unwrap_or(Base::Floating)
        };
        Some(Stamp::At(w, b))
    };
    p.val
        .as_str()
        .split(',')
        .filter_map(|v| match v.split_once('/') {
            None => read(v).map(|s| (s, None)),
            Some((from, to)) => {
                let start = read(from)?;
                let length = match (&start, read(to)) {
                    (Stamp::At(s, sb), Some(Stamp::At(e, eb))) => {
                        Some(eb.instant(e, Tz::UTC) - sb.instant(*s, Tz::UTC))
                    }
                    _ => duration(to),
                }
                .filter(|d| *d > Duration::zero() && *d <= Duration::days(31));
                Some((start, length))
            }
        })
        .collect()
}

impl Stamp {
    /// When it is, to order occurrences (a day: its midnight in UTC).
    fn moment(&self, site: Tz) -> DateTime<Utc> {
        match self {
            Self::Day(d) => Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN)),
            Self::At(w, b) => b.instant(*w, site),
        }
    }

    /// This stamp moved as far as `to` is from `from` on the wall clock (a day stamp by
    /// whole days), as an edit `RANGE=THISANDFUTURE` moves every later occurrence.
    fn shifted(&self, from: &Stamp, to: &Stamp) -> Option<Stamp> {
        let delta = match (from, to) {
            (Self::At(f, _), Self::At(t, _)) => *t - *f,
            (Self::Day(f), Self::Day(t)) => Duration::days((*t - *f).num_days()),
            (Self::Day(f), Self::At(t, _)) => *t - f.and_time(NaiveTime::MIN),
            (Self::At(f, _), Self::Day(t)) => t.and_time(NaiveTime::MIN) - *f,
        };
        match (self, to) {
            (Self::At(w, b), _) => w.checked_add_signed(delta).map(|w| Self::At(w, b.clone())),
            (Self::Day(d), Self::Day(_)) => d
                .and_time(NaiveTime::MIN)
                .checked_add_signed(delta)
                .map(|t| Self::Day(t.date())),
            (Self::Day(d), Self::At(_, b)) => d
                .and_time(NaiveTime::MIN)
                .checked_add_signed(delta)
                .map(|t| Self::At(t, b.clone())),
        }
    }

    /// The same moment, to compare occurrences with `EXDATE`s and `RECURRENCE-ID`s.
    fn key(&self, site: Tz) -> (Option<NaiveDate>, Option<i64>) {
        match self {
            Self::Day(d) => (Some(*d), None),
            Self::At(w, b) => (None, Some(b.instant(*w, site).timestamp())),
        }
    }
}

/// `DURATION`: `P1D`, `PT2H30M`, `P1W`, `-PT15M`.
fn duration(raw: &str) -> Option<Duration> {
    let raw = raw.trim();
    let (neg, rest) = match raw.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, raw.strip_prefix('+').unwrap_or(raw)),
    };
    let rest = rest.strip_prefix('P')?;
    let mut total = Duration::zero();
    let mut number = String::new();
    let mut in_time = false;
    for c in rest.chars() {
        match c {
            'T' => in_time = true,
            '0'..='9' => number.push(c),
            unit => {
                let n: i64 = std::mem::take(&mut number).parse().ok()?;
                let part = match (unit, in_time) {
                    ('W', false) => Duration::try_weeks(n)?,
                    ('D', false) => Duration::try_days(n)?,
                    ('H', true) => Duration::try_hours(n)?,
                    ('M', true) => Duration::try_minutes(n)?,
                    ('S', true) => Duration::try_seconds(n)?,
                    _ => return None,
                };
                total = total.checked_add(&part)?;
            }
        }
    }
    number
        .is_empty()
        .then_some(if neg { -total } else { total })
}

// ---- Events ------------------------------------------------------------------------------

/// One `VEVENT`, read.
#[derive(Debug, Clone)]
struct Entry {
    uid: String,
    title: String,
    description: Option<String>,
    categories: Vec<String>,
    start: Stamp,
    /// How long each occurrence lasts (none: no end given).
    length: Option<Duration>,
    /// Every `RRULE` of the event (RFC 5545 allows one; feeds write more, and readers take
    /// each).
    rrules: Vec<String>,
    /// `RDATE`s, each with its own length when it is a period.
    rdates: Vec<(Stamp, Option<Duration>)>,
    exdates: Vec<Stamp>,
    recurrence_id: Option<Stamp>,
    /// `RECURRENCE-ID;RANGE=THISANDFUTURE`: the edit holds for every later occurrence too.
    this_and_future: bool,
    cancelled: bool,
}

/// Splits a raw `CATEGORIES` value on unescaped commas and unescapes each.
fn categories(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n' | 'N') => cur.push(' '),
                Some(other) => cur.push(other),
                None => {}
            },
            ',' => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter()
        .map(|c| collapse_ws(&c))
        .filter(|c| !c.is_empty())
        .collect()
}

fn entry(
    c: &Component<'_>,
    zones: &HashMap<String, (Option<Tz>, Option<Arc<FeedZone>>)>,
) -> Result<Entry, String> {
    let text = |name: &str| c.find_prop(name).map(|p| collapse_ws(p.val.as_str()));
    let mut start = c
        .find_prop("DTSTART")
        .and_then(|p| stamps(p, zones).into_iter().next())
        .ok_or("no readable DTSTART")?;
    let mut end = c
        .find_prop("DTEND")
        .and_then(|p| stamps(p, zones).into_iter().next());
    // An end before the start: the author swapped them (as the world's readers take it).
    let backwards = match (&start, &end) {
        (Stamp::At(s, sb), Some(Stamp::At(e, eb))) => {
            eb.instant(*e, Tz::UTC) < sb.instant(*s, Tz::UTC)
        }
        (Stamp::Day(s), Some(Stamp::Day(e))) => e < s,
        _ => false,
    };
    if backwards && let Some(e) = end.take() {
        end = Some(std::mem::replace(&mut start, e));
    }
    let length = match (&start, end) {
        (Stamp::At(s, sb), Some(Stamp::At(e, eb))) => {
            let site = Tz::UTC;
            Some(eb.instant(e, site) - sb.instant(*s, site))
        }
        (Stamp::Day(s), Some(Stamp::Day(e))) => Some(Duration::days((e - *s).num_days())),
        _ => c
            .find_prop("DURATION")
            .and_then(|p| duration(p.val.as_str())),
    }
    .filter(|d| *d > Duration::zero() && *d <= Duration::days(31));
    let all = |name: &str| -> Vec<Stamp> {
        c.properties
            .iter()
            .filter(|p| p.name.as_str().eq_ignore_ascii_case(name))
            .flat_map(|p| stamps(p, zones))
            .collect()
    };
    Ok(Entry {
        uid: text("UID").unwrap_or_default(),
        title: text("SUMMARY").unwrap_or_default(),
        description: text("DESCRIPTION").filter(|d| !d.is_empty()),
        categories: c
            .properties
            .iter()
            .filter(|p| p.name.as_str().eq_ignore_ascii_case("CATEGORIES"))
            .flat_map(|p| categories(p.val.as_str()))
            .collect(),
        start,
        length,
        rrules: c
            .properties
            .iter()
            .filter(|p| p.name.as_str().eq_ignore_ascii_case("RRULE"))
            .map(|p| p.val.as_str().trim().to_string())
            .filter(|r| !r.is_empty())
            .collect(),
        rdates: c
            .properties
            .iter()
            .filter(|p| p.name.as_str().eq_ignore_ascii_case("RDATE"))
            .flat_map(|p| periods_of(p, zones))
            .collect(),
        exdates: all("EXDATE"),
        recurrence_id: c
            .find_prop("RECURRENCE-ID")
            .and_then(|p| stamps(p, zones).into_iter().next()),
        this_and_future: c
            .find_prop("RECURRENCE-ID")
            .and_then(|p| param(p, "RANGE"))
            .is_some_and(|r| r.eq_ignore_ascii_case("THISANDFUTURE")),
        cancelled: text("STATUS").is_some_and(|s| s.eq_ignore_ascii_case("CANCELLED")),
    })
}

/// The days in one period of a rule, at most.
fn days_per_period(freq: rrule::Frequency) -> u64 {
    match freq {
        rrule::Frequency::Yearly => 366,
        rrule::Frequency::Monthly => 31,
        rrule::Frequency::Weekly => 7,
        _ => 1,
    }
}

/// Whole periods of `rule` from `from` to `to` (none when `to` is earlier).
fn periods(rule: &rrule::RRule<rrule::Unvalidated>, from: NaiveDate, to: NaiveDate) -> u64 {
    use chrono::Datelike;
    if to < from {
        return 0;
    }
    let days = u64::try_from((to - from).num_days()).unwrap_or(0);
    let months = u64::try_from(
        (i64::from(to.year()) * 12 + i64::from(to.month0()))
            - (i64::from(from.year()) * 12 + i64::from(from.month0())),
    )
    .unwrap_or(0);
    let spans = match rule.get_freq() {
        rrule::Frequency::Yearly => months / 12,
        rrule::Frequency::Monthly => months,
        rrule::Frequency::Weekly => days / 7,
        _ => days,
    };
    spans / u64::from(rule.get_interval().max(1))
}

/// Moves a rule without `COUNT` that started long before `from` to a start one period before
/// it, keeping every occurrence from there on (whole periods of the rule's interval, with the
/// days RFC 5545 takes from `DTSTART` written into the rule): a weekly truck since 1970 is
/// expanded over weeks, not over fifty years.
fn fast_forward(
    rule: rrule::RRule<rrule::Unvalidated>,
    start: NaiveDateTime,
    from: NaiveDate,
) -> (rrule::RRule<rrule::Unvalidated>, NaiveDateTime) {
    use chrono::{Datelike, Months};
    use rrule::{Frequency, NWeekday};
    let skip = periods(&rule, start.date(), from).saturating_sub(1);
    if rule.get_count().is_some() || skip == 0 {
        return (rule, start);
    }
    let n = skip.saturating_mul(u64::from(rule.get_interval().max(1)));
    let time = start.time();
    let moved = match rule.get_freq() {
        Frequency::Yearly => i32::try_from(n)
            .ok()
            .and_then(|n| start.year().checked_add(n))
            .and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1))
            .map(|d| d.and_time(time)),
        Frequency::Monthly => start
            .date()
            .with_day(1)
            .and_then(|d| d.checked_add_months(Months::new(u32::try_from(n).ok()?)))
            .map(|d| d.and_time(time)),
        Frequency::Weekly => start.checked_add_days(Days::new(n.saturating_mul(7))),
        _ => start.checked_add_days(Days::new(n)),
    };
    let Some(moved) = moved else {
        return (rule, start);
    };
    // What RFC 5545 takes from DTSTART when the rule does not say it, written into the rule
    // so that the moved start does not change it (as the `rrule` crate would fill it in).
    let defaults_from_start = rule.get_by_week_no().is_empty()
        && rule.get_by_year_day().is_empty()
        && rule.get_by_month_day().is_empty()
        && rule.get_by_weekday().is_empty();
    let day = vec![i8::try_from(start.day()).unwrap_or(1)];
    let rule = match rule.get_freq() {
        _ if !defaults_from_start => rule,
        Frequency::Yearly if rule.get_by_month().is_empty() => {
            rule.by_month(&[month_of(start.month())]).by_month_day(day)
        }
        Frequency::Yearly | Frequency::Monthly => rule.by_month_day(day),
        Frequency::Weekly => rule.by_weekday(vec![NWeekday::Every(start.weekday())]),
        _ => rule,
    };
    (rule, moved)
}

fn month_of(m: u32) -> chrono::Month {
    u8::try_from(m)
        .ok()
        .and_then(|m| chrono::Month::try_from(m).ok())
        .unwrap_or(chrono::Month::January)
}

/// The work a rule makes the `rrule` crate do from `start` to `to`: every day of every period
/// is looked at, and every candidate (days × times) is made unless `COUNT` stops it sooner
/// (`BYSETPOS` makes all of a period's candidates before it picks).
fn cost(rule: &rrule::RRule<rrule::Unvalidated>, start: NaiveDate, to: NaiveDate) -> u64 {
    let spans = periods(rule, start, to).saturating_add(1);
    let days = spans.saturating_mul(days_per_period(rule.get_freq()));
    let times = [
        rule.get_by_hour().len(),
        rule.get_by_minute().len(),
        rule.get_by_second().len(),
    ]
    .iter()
    .fold(1u64, |acc, n| acc.saturating_mul((*n).max(1) as u64));
    let candidates = days.saturating_mul(times);
    let made = match (rule.get_count(), rule.get_by_set_pos().is_empty()) {
        (Some(count), true) => candidates.min(u64::from(count)),
        _ => candidates,
    };
    days.saturating_add(made)
}

/// `rule` with its `UNTIL` as the expansion reads it: a wall-clock reading of the series' own
/// base written as `…Z` (the rule is expanded on wall-clock readings), and that reading.
///
/// RFC 5545's forms: a DATE for an all-day series (that day counts), a UTC time for a zoned
/// one (converted to the zone's wall clock, so the last occurrence is kept east of UTC and
/// none is added west of it), a local time for a floating one. The common mistakes read as
/// the world's readers do (`recurring-ical-events`): a DATE or local-time `UNTIL` on a zoned
/// series is that moment in UTC (a DATE: its midnight); a `Z` on a floating series is dropped.
fn rule_on_wall(
    rule: &str,
    start: &Stamp,
    site: Tz,
) -> Result<(String, Option<NaiveDateTime>), String> {
    let mut parts = Vec::new();
    let mut until = None;
    for part in rule.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = part.split_once('=') else {
            return Err(format!("RRULE part {part:?} is not NAME=VALUE"));
        };
        if !key.trim().eq_ignore_ascii_case("UNTIL") {
            parts.push(part.to_string());
            continue;
        }
        let value = value.trim();
        let as_written = if value.len() == 8 {
            day(value).map(|d| d.and_time(NaiveTime::MIN))
        } else {
            wall(value)
        }
        .ok_or_else(|| format!("RRULE UNTIL {value:?} is not a date or a time"))?;
        let on_wall = match start {
            Stamp::Day(_) => as_written.date().and_time(NaiveTime::MIN),
            Stamp::At(_, Base::Floating) => as_written,
            Stamp::At(_, base) => base.wall_of(Utc.from_utc_datetime(&as_written), site),
        };
        until = Some(on_wall);
        parts.push(format!("UNTIL={}", on_wall.format("%Y%m%dT%H%M%SZ")));
    }
    Ok((parts.join(";"), until))
}

/// The starts of `e`'s occurrences near the window (a day after it, for zones, before it as
/// long as an occurrence lasts, and `moves` days either side more), as stamps in `e`'s own base, each with its own length when
/// it has one (an `RDATE` period): every rule is expanded on wall-clock readings, so a weekly
/// 5 pm stays 5 pm on both sides of a change of daylight saving time, and `DTSTART` is always
/// an occurrence (RFC 5545 §3.8.5.3) unless it is after the rules' `UNTIL`. What each rule
/// costs is drawn from the feed's recurrence budget before it is expanded.
fn occurrences(
    e: &Entry,
    window: ScheduleWindow,
    site: Tz,
    moves: Days,
    budget: &Budget,
) -> Result<Vec<(Stamp, Option<Duration>)>, Unreadable> {
    budget.dates(e.rdates.len() as u64 + e.exdates.len() as u64)?;
    let mut all: Vec<(Stamp, Option<Duration>)> = Vec::new();
    let (first, base) = match &e.start {
        Stamp::Day(d) => (d.and_time(NaiveTime::MIN), None),
        Stamp::At(w, b) => (*w, Some(b.clone())),
    };
    // An occurrence that began before the window still covers its first days.
    let lookback = e.length.map_or(2, |l| l.num_days().clamp(1, 31) + 1);
    // An edit of this and later occurrences may move one into the window from `moves` away.
    let from = window
        .first
        .checked_sub_days(Days::new(lookback.unsigned_abs()))
        .and_then(|d| d.checked_sub_days(moves))
        .ok_or("date out of range")?;
    let to = window
        .last
        .checked_add_days(Days::new(2))
        .and_then(|d| d.checked_add_days(moves))
        .ok_or("date out of range")?;
    let mut last_until: Option<NaiveDateTime> = None;
    for raw in &e.rrules {
        let (written, until) = rule_on_wall(raw, &e.start, site)?;
        if let Some(u) = until {
            last_until = Some(last_until.map_or(u, |l| l.max(u)));
        }
        let rule: rrule::RRule<rrule::Unvalidated> = written
            .parse()
            .map_err(|err| format!("RRULE {raw:?}: {err}"))?;
        if matches!(
            rule.get_freq(),
            rrule::Frequency::Secondly | rrule::Frequency::Minutely | rrule::Frequency::Hourly
        ) {
            return Err(
                format!("RRULE recurs more often than daily ({:?})", rule.get_freq()).into(),
            );
        }
        if rule.get_interval() == 0 {
            return Err("RRULE has INTERVAL=0".to_string().into());
        }
        // A rule that ended before it began (a deleted series, as some servers write it).
        if until.is_some_and(|u| u < first) {
            continue;
        }
        let (rule, start) = fast_forward(rule, first, from);
        // It ended before the part of it that matters here.
        if until.is_some_and(|u| u < start) {
            continue;
        }
        budget.dates(cost(&rule, start.date(), to))?;
        let on_wall = |t: NaiveDateTime| rrule::Tz::UTC.from_utc_datetime(&t);
        let set = rule
            .build(on_wall(start))
            .map_err(|err| format!("RRULE: {err}"))?;
        let found = set
            .after(on_wall(from.and_time(NaiveTime::MIN)))
            .before(on_wall(to.and_time(NaiveTime::MIN)))
            .all(MAX_OCCURRENCES);
        all.extend(found.dates.into_iter().map(|t| {
            let stamp = match &base {
                None => Stamp::Day(t.date_naive()),
                Some(b) => Stamp::At(t.naive_utc(), b.clone()),
            };
            (stamp, None)
        }));
    }
    if last_until.is_none_or(|u| first <= u) {
        all.push((e.start.clone(), None));
    }
    all.extend(e.rdates.iter().cloned());
    // One occurrence per moment (DTSTART is usually one of its rule's too).
    let mut seen = HashSet::new();
    all.retain(|(s, _)| seen.insert(s.key(site)));
    Ok(all)
}

/// Why a series cannot be read: the feed's own mistake (that series is skipped), or a limit
/// of the whole feed (the feed is refused).
#[derive(Debug)]
enum Unreadable {
    Series(String),
    Feed(ParseError),
}

impl From<String> for Unreadable {
    fn from(why: String) -> Self {
        Self::Series(why)
    }
}

impl From<&str> for Unreadable {
    fn from(why: &str) -> Self {
        Self::Series(why.to_string())
    }
}

impl From<ParseError> for Unreadable {
    fn from(e: ParseError) -> Self {
        Self::Feed(e)
    }
}

/// The moments a list of stamps names, to match occurrences against in constant time (an
/// `EXDATE` list, a series' `RECURRENCE-ID`s).
#[derive(Debug, Default)]
struct Moments {
    days: HashSet<NaiveDate>,
    instants: HashSet<i64>,
    /// The UTC days of `instants`, for all-day occurrences.
    instant_days: HashSet<NaiveDate>,
}

impl Moments {
    fn add(&mut self, stamp: &Stamp, site: Tz) {
        match stamp.key(site) {
            (Some(d), _) => {
                self.days.insert(d);
            }
            (_, Some(t)) => {
                self.instants.insert(t);
                if let Some(at) = DateTime::from_timestamp(t, 0) {
                    self.instant_days.insert(at.date_naive());
                }
            }
            _ => {}
        }
    }

    fn of<'s>(stamps: impl IntoIterator<Item = &'s Stamp>, site: Tz) -> Self {
        let mut m = Self::default();
        for s in stamps {
            m.add(s, site);
        }
        m
    }

    /// One of these is the same day or moment as `stamp` (an all-day stamp matches any
    /// moment on its day, in UTC).
    fn has(&self, stamp: &Stamp, site: Tz) -> bool {
        match stamp.key(site) {
            (Some(d), _) => self.days.contains(&d) || self.instant_days.contains(&d),
            (_, Some(t)) => {
                self.instants.contains(&t)
                    || DateTime::from_timestamp(t, 0)
                        .is_some_and(|at| self.days.contains(&at.date_naive()))
            }
            _ => false,
        }
    }
}

/// The events of one occurrence of `e` starting at `start` and lasting `length` (else as long
/// as `e`'s occurrences do), on the days of the window it covers.
fn events_at(
    e: &Entry,
    start: &Stamp,
    length: Option<Duration>,
    ctx: &ParseContext,
    out: &mut Yield<'_>,
) -> Result<(), ParseError> {
    let length = length.or(e.length);
    let window = ScheduleWindow::starting(ctx.today);
    match start {
        Stamp::At(w, b) => {
            let instant = b.instant(*w, ctx.zone);
            let local = instant.with_timezone(&ctx.zone).naive_local();
            if !window.contains(local.date()) {
                return Ok(());
            }
            let Some(mut ev) = ctx.entry(&e.title, &e.categories, local.date()) else {
                return Ok(());
            };
            ev.start_time = Some(local);
            ev.end_time = length.and_then(|l| {
                instant
                    .checked_add_signed(l)
                    .map(|end| end.with_timezone(&ctx.zone).naive_local())
            });
            ev.description = e.description.clone();
            out.push(ev)?;
        }
        Stamp::Day(first) => {
            // An all-day event, on each of its days (one when it gives no end).
            let days = length.map_or(1, |l| l.num_days().clamp(1, 31));
            for n in 0..days {
                let Some(d) = first.checked_add_days(Days::new(n.unsigned_abs())) else {
                    break;
                };
                if !window.contains(d) {
                    continue;
                }
                if let Some(mut ev) = ctx.entry(&e.title, &e.categories, d) {
                    ev.description = e.description.clone();
                    out.push(ev)?;
                }
            }
        }
    }
    Ok(())
}

/// The components a component may hold (RFC 5545 §3.4, §3.6): a calendar holds events,
/// to-dos, journal entries, free/busy times, time zones (and `X-` or IANA components); an
/// event or a to-do holds alarms; a time zone holds its standard and daylight rules. Nothing
/// nests deeper.
pub const MAX_COMPONENT_DEPTH: usize = 3;

fn may_hold(parent: Option<&str>, child: &str) -> bool {
    match parent {
        None => child == "VCALENDAR",
        Some("VCALENDAR") => child != "VCALENDAR" && !matches!(child, "STANDARD" | "DAYLIGHT"),
        Some("VEVENT" | "VTODO") => child == "VALARM",
        Some("VTIMEZONE") => matches!(child, "STANDARD" | "DAYLIGHT"),
        Some(_) => false,
    }
}

/// A component of the feed's calendar: its name and where its text is.
struct Part {
    name: String,
    text: std::ops::Range<usize>,
}

/// Checks a feed's shape before the parser (which recurses into every nested component)
/// reads it: at most [`MAX_COMPONENT_DEPTH`] levels, each component where the format allows
/// it, every `BEGIN` closed by its own `END` (a feed cut short is not read as the part that
/// came), and no more lines than the budget's. Returns where each component of the (first)
/// `VCALENDAR` is, so that each is parsed on its own and dropped once read: the parsed form
/// of a feed is many times its text, and a feed of many thousands of events is never in
/// memory parsed all at once.
fn check_structure(unfolded: &str, budget: &Budget) -> Result<Vec<Part>, ParseError> {
    let max_lines = budget.limits().feed_lines;
    let unreadable =
        |why: String| ParseError::new(format!("the calendar feed cannot be read: {why}"));
    let mut open: Vec<String> = Vec::new();
    let mut parts = Vec::new();
    let mut calendars = 0;
    let mut part_start = 0;
    let mut offset = 0;
    for (n, raw) in unfolded.split_inclusive('\n').enumerate() {
        let at = offset;
        offset += raw.len();
        if n as u64 >= max_lines {
            return Err(Budget::over(Limit::Size, max_lines));
        }
        let line = raw.trim();
        let upper = |rest: &str| rest.trim().to_ascii_uppercase();
        if let Some(name) = line.get(..6).filter(|h| h.eq_ignore_ascii_case("BEGIN:")) {
            let name = upper(&line[name.len()..]);
            if !may_hold(open.last().map(String::as_str), &name) {
                return Err(match open.last() {
                    // A component where the format has none: how a feed nests 20,000 deep.
                    Some(parent) => {
                        let over = Budget::over(Limit::Nesting, MAX_COMPONENT_DEPTH as u64);
                        ParseError::over(
                            Limit::Nesting,
                            format!(
                                "{} (BEGIN:{name} inside {parent}, where RFC 5545 has no component)",
                                over.message
                            ),
                        )
                    }
                    None => unreadable(format!("it starts with BEGIN:{name}, not BEGIN:VCALENDAR")),
                });
            }
            if open.is_empty() {
                calendars += 1;
            }
            if open.len() == 1 {
                part_start = at;
            }
            open.push(name);
        } else if let Some(head) = line.get(..4).filter(|h| h.eq_ignore_ascii_case("END:")) {
            let name = upper(&line[head.len()..]);
            match open.pop() {
                Some(o) if o == name => {
                    if open.len() == 1 && calendars == 1 {
                        parts.push(Part {
                            name,
                            text: part_start..offset,
                        });
                    }
                }
                Some(o) => return Err(unreadable(format!("END:{name} closes BEGIN:{o}"))),
                None => return Err(unreadable(format!("END:{name} without its BEGIN"))),
            }
        }
    }
    match open.last() {
        Some(o) => Err(unreadable(format!(
            "it is incomplete (BEGIN:{o} without its END)"
        ))),
        None => Ok(parts),
    }
}

/// One component of the feed, parsed.
fn read_part<'u>(unfolded: &'u str, part: &Part) -> Result<Component<'u>, ParseError> {
    let text = unfolded.get(part.text.clone()).unwrap_or_default();
    icalendar::parser::read_calendar(text)
        .map_err(|e| {
            ParseError::new(format!(
                "the calendar feed cannot be read: {}",
                e.lines()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("malformed")
            ))
        })?
        .components
        .into_iter()
        .next()
        .ok_or_else(|| {
            ParseError::new(format!(
                "the calendar feed cannot be read: its {} is empty",
                part.name
            ))
        })
}

/// A feed's events in the window.
pub fn parse(body: &str, ctx: &ParseContext) -> Result<Vec<FoodTruckEvent>, ParseError> {
    let body = require_body(body, "calendar feed")?;
    if !body.contains("BEGIN:VCALENDAR") {
        return Err(ParseError::new(
            "not an iCalendar feed (no BEGIN:VCALENDAR)",
        ));
    }
    let unfolded = icalendar::parser::unfold(body);
    let parts = check_structure(&unfolded, &ctx.budget)?;

    let window = ScheduleWindow::starting(ctx.today);
    let mut zones = HashMap::new();
    for part in parts.iter().filter(|p| p.name == "VTIMEZONE") {
        let c = &read_part(&unfolded, part)?;
        let Some(id) = c
            .find_prop("TZID")
            .map(|p| p.val.as_str().trim().to_string())
        else {
            continue;
        };
        let location = c
            .find_prop("X-LIC-LOCATION")
            .and_then(|p| p.val.as_str().trim().parse::<Tz>().ok());
        let zone = FeedZone::of(c, window, &ctx.budget)?.map(Arc::new);
        zones.insert(id, (location, zone));
    }

    let mut entries = Vec::new();
    let mut unreadable: Vec<String> = Vec::new();
    let vevents = ctx
        .budget
        .take_entries(parts.iter().filter(|p| p.name == "VEVENT"))?;
    for part in vevents {
        let c = &read_part(&unfolded, part)?;
        match entry(c, &zones) {
            Ok(e) => entries.push(e),
            Err(why) => {
                let named = c
                    .find_prop("SUMMARY")
                    .or_else(|| c.find_prop("UID"))
                    .map(|p| collapse_ws(p.val.as_str()))
                    .unwrap_or_default();
                unreadable.push(format!("{named:?}: {why}"));
            }
        }
    }
    let (masters, overrides): (Vec<Entry>, Vec<Entry>) =
        entries.into_iter().partition(|e| e.recurrence_id.is_none());
    // Each series' edited occurrences, found by lookup (never a scan of every override for
    // every occurrence).
    let mut edited: HashMap<&str, Moments> = HashMap::new();
    for o in &overrides {
        if let Some(r) = &o.recurrence_id {
            edited.entry(o.uid.as_str()).or_default().add(r, ctx.zone);
        }
    }
    // Edits of this and every later occurrence, by series, in the order they take effect.
    let mut later: HashMap<&str, Vec<(&Stamp, &Entry)>> = HashMap::new();
    for o in overrides.iter().filter(|o| o.this_and_future) {
        if let Some(r) = &o.recurrence_id {
            later.entry(o.uid.as_str()).or_default().push((r, o));
        }
    }
    for edits in later.values_mut() {
        edits.sort_by_key(|(r, _)| r.moment(ctx.zone));
    }
    let mut out = Yield::new(ctx);
    let mut readable = overrides.len();
    for master in &masters {
        // How far its edits of this and later occurrences move them (at most a month).
        let moves = later.get(master.uid.as_str()).map_or(0, |edits| {
            edits
                .iter()
                .filter_map(|(rid, o)| {
                    let gap = o.start.moment(ctx.zone) - rid.moment(ctx.zone);
                    u64::try_from(gap.num_days().abs() + 1).ok()
                })
                .max()
                .unwrap_or(0)
                .min(31)
        });
        let starts = match occurrences(master, window, ctx.zone, Days::new(moves), &ctx.budget) {
            Ok(s) => s,
            Err(Unreadable::Feed(e)) => return Err(e),
            Err(Unreadable::Series(why)) => {
                tracing::debug!(brewery = %ctx.brewery_key, uid = %master.uid, "{why}");
                unreadable.push(format!("{:?}: {why}", master.title));
                continue;
            }
        };
        readable += 1;
        if master.cancelled {
            continue;
        }
        let excluded = Moments::of(&master.exdates, ctx.zone);
        let own = edited.get(master.uid.as_str());
        let edits = later.get(master.uid.as_str());
        for (start, length) in &starts {
            if excluded.has(start, ctx.zone) || own.is_some_and(|m| m.has(start, ctx.zone)) {
                continue;
            }
            // The latest edit of this and later occurrences made before this one.
            let at = start.moment(ctx.zone);
            let edit = edits.and_then(|es| {
                es.iter()
                    .rev()
                    .find(|(r, _)| r.moment(ctx.zone) < at)
                    .copied()
            });
            match edit {
                Some((rid, o)) => {
                    if let Some(moved) = start.shifted(rid, &o.start)
                        && !o.cancelled
                    {
                        events_at(o, &moved, None, ctx, &mut out)?;
                    }
                }
                None => events_at(master, start, *length, ctx, &mut out)?,
            }
        }
    }
    // An edit of an occurrence its series excludes is not shown either (as the world's
    // readers take an EXDATE and a RECURRENCE-ID of the same moment).
    let excluded: HashMap<&str, Moments> = masters
        .iter()
        .map(|m| (m.uid.as_str(), Moments::of(&m.exdates, ctx.zone)))
        .collect();
    for o in overrides.iter().filter(|o| !o.cancelled) {
        let dropped = o.recurrence_id.as_ref().is_some_and(|r| {
            excluded
                .get(o.uid.as_str())
                .is_some_and(|m| m.has(r, ctx.zone))
        });
        if !dropped {
            events_at(o, &o.start, None, ctx, &mut out)?;
        }
    }
    if readable == 0 && !unreadable.is_empty() {
        return Err(ParseError::new(format!(
            "none of the feed's {} events can be read (first: {})",
            unreadable.len(),
            unreadable[0]
        )));
    }
    // The rest is read; what is not is counted and reported with the brewery's events.
    for why in &unreadable {
        ctx.budget.unreadable_entry(why);
    }
    Ok(out.events)
}

/// The events a feed yields into the window, counted as they are made: a feed whose entries
/// each cover the whole week (one all-day event on eight days, a hundred thousand times over)
/// is refused at the limit, not after it has filled the memory.
struct Yield<'c> {
    events: Vec<FoodTruckEvent>,
    max: u64,
    ctx: &'c ParseContext,
}

impl<'c> Yield<'c> {
    fn new(ctx: &'c ParseContext) -> Self {
        // Before duplicates are dropped: a feed may list an event twice.
        let max = ctx.budget.limits().events_per_week.saturating_mul(4);
        Self {
            events: Vec::new(),
            max,
            ctx,
        }
    }

    fn push(&mut self, e: FoodTruckEvent) -> Result<(), ParseError> {
        if self.events.len() as u64 >= self.max {
            return Err(Budget::over(Limit::Events, self.max));
        }
        if self.events.len() % 256 == 255 {
            self.ctx.budget.check_time()?;
        }
        self.events.push(e);
        Ok(())
    }
}
