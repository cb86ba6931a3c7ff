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

use std::collections::HashMap;
use std::sync::Arc;

use atg_core::{FoodTruckEvent, ScheduleWindow, localize_in};
use chrono::{DateTime, Days, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use icalendar::parser::{Component, Property};

use crate::fetch::Request;
use crate::source::{OnePage, ParseContext, ParseError, Settings, require_body};
use crate::text::collapse_ws;

/// The most occurrences of one event taken into a window.
pub const MAX_OCCURRENCES: u16 = 64;

#[derive(Debug, Clone)]
pub struct Ical {
    url: String,
}

impl Ical {
    pub fn new(s: &Settings<'_>) -> Result<Self, String> {
        Ok(Self {
            url: s.brewery.url.clone(),
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

/// A `VTIMEZONE` of the feed: its offsets, each from its onsets on (`DTSTART` + `RRULE`).
#[derive(Debug)]
struct FeedZone {
    /// `(onset, offset to UTC in seconds)`, onsets as local wall-clock readings.
    rules: Vec<(NaiveDateTime, Option<rrule::RRule<rrule::Unvalidated>>, i32)>,
}

impl FeedZone {
    fn of(c: &Component<'_>) -> Option<Self> {
        let mut rules = Vec::new();
        for part in &c.components {
            if part.name.as_str() != "STANDARD" && part.name.as_str() != "DAYLIGHT" {
                continue;
            }
            let onset = wall(part.find_prop("DTSTART")?.val.as_str())?;
            let offset = utc_offset(part.find_prop("TZOFFSETTO")?.val.as_str())?;
            let rule = part
                .find_prop("RRULE")
                .and_then(|p| p.val.as_str().parse().ok());
            rules.push((onset, rule, offset));
        }
        (!rules.is_empty()).then_some(Self { rules })
    }

    /// The offset in force at the wall-clock reading `t`: the one whose latest onset is the
    /// latest before `t`.
    fn offset_at(&self, t: NaiveDateTime) -> i32 {
        let mut best: Option<(NaiveDateTime, i32)> = None;
        for (onset, rule, offset) in &self.rules {
            let latest = match rule {
                None => Some(*onset).filter(|o| *o <= t),
                Some(rule) => last_onset(rule, *onset, t),
            };
            if let Some(at) = latest
                && best.is_none_or(|(b, _)| at > b)
            {
                best = Some((at, *offset));
            }
        }
        best.or_else(|| self.rules.iter().map(|(o, _, off)| (*o, *off)).min())
            .map_or(0, |(_, off)| off)
    }
}

/// The latest onset of a zone's yearly rule at or before `t` (looking back two years).
fn last_onset(
    rule: &rrule::RRule<rrule::Unvalidated>,
    onset: NaiveDateTime,
    t: NaiveDateTime,
) -> Option<NaiveDateTime> {
    if onset > t {
        return None;
    }
    let start = rrule::Tz::UTC.from_utc_datetime(&onset);
    let set = rule.clone().build(start).ok()?;
    let from = t.checked_sub_days(Days::new(800))?;
    set.after(rrule::Tz::UTC.from_utc_datetime(&from))
        .before(rrule::Tz::UTC.from_utc_datetime(&t))
        .all(8)
        .dates
        .last()
        .map(DateTime::naive_utc)
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
        let suffix = id.rsplitn(3, '/').collect::<Vec<_>>();
        if suffix.len() >= 2
            && let Some(z) = tz(&format!("{}/{}", suffix[1], suffix[0]))
        {
            return Some(Self::Zone(z));
        }
        if let Some((_, iana)) = WINDOWS_ZONES.iter().find(|(w, _)| *w == id) {
            return tz(iana).map(Self::Zone);
        }
        feed.get(id).and_then(|(_, z)| z.clone()).map(Self::Feed)
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
    let is_date = param(p, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE"));
    let base = param(p, "TZID").and_then(|id| Base::named(id, zones));
    p.val
        .as_str()
        .split(',')
        .filter_map(|v| {
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
        })
        .collect()
}

impl Stamp {
    /// The same moment, to compare occurrences with `EXDATE`s and `RECURRENCE-ID`s.
    fn key(&self, site: Tz) -> (Option<NaiveDate>, Option<i64>) {
        match self {
            Self::Day(d) => (Some(*d), None),
            Self::At(w, b) => (None, Some(b.instant(*w, site).timestamp())),
        }
    }

    fn matches(&self, other: &Self, site: Tz) -> bool {
        match (self.key(site), other.key(site)) {
            ((Some(a), _), (Some(b), _)) => a == b,
            ((_, Some(a)), (_, Some(b))) => a == b,
            ((Some(d), _), (_, Some(t))) | ((_, Some(t)), (Some(d), _)) => {
                DateTime::from_timestamp(t, 0).is_some_and(|t| t.date_naive() == d)
            }
            _ => false,
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
    rrule: Option<String>,
    rdates: Vec<Stamp>,
    exdates: Vec<Stamp>,
    recurrence_id: Option<Stamp>,
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
    let start = c
        .find_prop("DTSTART")
        .and_then(|p| stamps(p, zones).into_iter().next())
        .ok_or("no readable DTSTART")?;
    let end = c
        .find_prop("DTEND")
        .and_then(|p| stamps(p, zones).into_iter().next());
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
        rrule: text("RRULE"),
        rdates: all("RDATE"),
        exdates: all("EXDATE"),
        recurrence_id: c
            .find_prop("RECURRENCE-ID")
            .and_then(|p| stamps(p, zones).into_iter().next()),
        cancelled: text("STATUS").is_some_and(|s| s.eq_ignore_ascii_case("CANCELLED")),
    })
}

/// The starts of `e`'s occurrences near the window (a day either side, for zones), as stamps
/// in `e`'s own base: the rule is expanded on wall-clock readings, so a weekly 5 pm stays 5 pm
/// on both sides of a change of daylight saving time.
fn occurrences(e: &Entry, window: ScheduleWindow) -> Result<Vec<Stamp>, String> {
    let Some(rule) = &e.rrule else {
        let mut all = vec![e.start.clone()];
        all.extend(e.rdates.iter().cloned());
        return Ok(all);
    };
    let rule: rrule::RRule<rrule::Unvalidated> = rule
        .parse()
        .map_err(|err| format!("RRULE {rule:?}: {err}"))?;
    if matches!(
        rule.get_freq(),
        rrule::Frequency::Secondly | rrule::Frequency::Minutely | rrule::Frequency::Hourly
    ) {
        return Err(format!(
            "RRULE recurs more often than daily ({:?})",
            rule.get_freq()
        ));
    }
    if rule.get_interval() == 0 {
        return Err("RRULE has INTERVAL=0".into());
    }
    let (first, base) = match &e.start {
        Stamp::Day(d) => (d.and_time(NaiveTime::MIN), None),
        Stamp::At(w, b) => (*w, Some(b.clone())),
    };
    let on_wall = |t: NaiveDateTime| rrule::Tz::UTC.from_utc_datetime(&t);
    let set = rule
        .build(on_wall(first))
        .map_err(|err| format!("RRULE: {err}"))?;
    let from = window
        .first
        .checked_sub_days(Days::new(2))
        .ok_or("date out of range")?;
    let to = window
        .last
        .checked_add_days(Days::new(2))
        .ok_or("date out of range")?;
    let found = set
        .after(on_wall(from.and_time(NaiveTime::MIN)))
        .before(on_wall(to.and_time(NaiveTime::MIN)))
        .all(MAX_OCCURRENCES);
    let mut all: Vec<Stamp> = found
        .dates
        .into_iter()
        .map(|t| match &base {
            None => Stamp::Day(t.date_naive()),
            Some(b) => Stamp::At(t.naive_utc(), b.clone()),
        })
        .collect();
    all.extend(e.rdates.iter().cloned());
    Ok(all)
}

/// The events of one occurrence starting at `start`, on the days of the window it covers.
fn events_at(e: &Entry, start: &Stamp, ctx: &ParseContext, out: &mut Vec<FoodTruckEvent>) {
    let window = ScheduleWindow::starting(ctx.today);
    match start {
        Stamp::At(w, b) => {
            let instant = b.instant(*w, ctx.zone);
            let local = instant.with_timezone(&ctx.zone).naive_local();
            if !window.contains(local.date()) {
                return;
            }
            let Some(mut ev) = ctx.entry(&e.title, &e.categories, local.date()) else {
                return;
            };
            ev.start_time = Some(local);
            ev.end_time = e.length.and_then(|l| {
                instant
                    .checked_add_signed(l)
                    .map(|end| end.with_timezone(&ctx.zone).naive_local())
            });
            ev.description = e.description.clone();
            out.push(ev);
        }
        Stamp::Day(first) => {
            // An all-day event, on each of its days (one when it gives no end).
            let days = e.length.map_or(1, |l| l.num_days().clamp(1, 31));
            for n in 0..days {
                let Some(d) = first.checked_add_days(Days::new(n.unsigned_abs())) else {
                    break;
                };
                if !window.contains(d) {
                    continue;
                }
                if let Some(mut ev) = ctx.entry(&e.title, &e.categories, d) {
                    ev.description = e.description.clone();
                    out.push(ev);
                }
            }
        }
    }
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
    // A feed cut short (a BEGIN without its END) is not read as the part that came.
    let (begins, ends) = unfolded.lines().fold((0usize, 0usize), |(b, e), l| {
        let l = l.trim_start();
        (
            b + usize::from(l.starts_with("BEGIN:")),
            e + usize::from(l.starts_with("END:")),
        )
    });
    if begins != ends {
        return Err(ParseError::new(
            "the calendar feed cannot be read: it is incomplete (a BEGIN without its END)",
        ));
    }
    let calendar = icalendar::parser::read_calendar(&unfolded).map_err(|e| {
        ParseError::new(format!(
            "the calendar feed cannot be read: {}",
            e.lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("malformed")
        ))
    })?;
    let components: Vec<&Component<'_>> = calendar
        .components
        .iter()
        .flat_map(|c| std::iter::once(c).chain(c.components.iter()))
        .collect();

    let mut zones = HashMap::new();
    for c in components.iter().filter(|c| c.name.as_str() == "VTIMEZONE") {
        let Some(id) = c
            .find_prop("TZID")
            .map(|p| p.val.as_str().trim().to_string())
        else {
            continue;
        };
        let location = c
            .find_prop("X-LIC-LOCATION")
            .and_then(|p| p.val.as_str().trim().parse::<Tz>().ok());
        zones.insert(id, (location, FeedZone::of(c).map(Arc::new)));
    }

    let mut entries = Vec::new();
    let mut unreadable: Vec<String> = Vec::new();
    let vevents: Vec<_> = components
        .iter()
        .filter(|c| c.name.as_str() == "VEVENT")
        .collect();
    for c in &vevents {
        match entry(c, &zones) {
            Ok(e) => entries.push(e),
            Err(why) => unreadable.push(why),
        }
    }
    let window = ScheduleWindow::starting(ctx.today);
    let (masters, overrides): (Vec<Entry>, Vec<Entry>) =
        entries.into_iter().partition(|e| e.recurrence_id.is_none());
    let mut events = Vec::new();
    let mut readable = overrides.len();
    for master in &masters {
        let starts = match occurrences(master, window) {
            Ok(s) => s,
            Err(why) => {
                tracing::warn!(brewery = %ctx.brewery_key, uid = %master.uid, "{why}");
                unreadable.push(why);
                continue;
            }
        };
        readable += 1;
        if master.cancelled {
            continue;
        }
        let own: Vec<&Entry> = overrides.iter().filter(|o| o.uid == master.uid).collect();
        for start in &starts {
            let excluded = master.exdates.iter().any(|x| x.matches(start, ctx.zone))
                || own.iter().any(|o| {
                    o.recurrence_id
                        .as_ref()
                        .is_some_and(|r| r.matches(start, ctx.zone))
                });
            if !excluded {
                events_at(master, start, ctx, &mut events);
            }
        }
    }
    for o in overrides.iter().filter(|o| !o.cancelled) {
        events_at(o, &o.start, ctx, &mut events);
    }
    if readable == 0 && !unreadable.is_empty() {
        return Err(ParseError::new(format!(
            "none of the feed's {} events can be read (first: {})",
            unreadable.len(),
            unreadable[0]
        )));
    }
    Ok(events)
}
