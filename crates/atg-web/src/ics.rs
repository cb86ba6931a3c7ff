//! Calendar feeds (RFC 5545): one for every truck, one per brewery. The same events always
//! give the same bytes: UIDs come from the event, DTSTAMP from its date, never from the clock.

use std::collections::HashSet;
use std::fmt::{self, Write as _};

use atg_core::{FoodTruckEvent, PACIFIC, localize_in};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};
use sha2::{Digest, Sha256};

/// The feed of every truck.
pub const ALL_FEED: &str = "events.ics";

/// `events-<slug of the brewery key>.ics` (config loading refuses two keys with one slug, so
/// no feed overwrites another).
pub fn brewery_feed_name(key: &str) -> String {
    format!("events-{}.ics", atg_core::key_slug(key))
}

/// How many characters of a truck's name its feed's file name keeps.
pub const TRUCK_SLUG_CHARS: usize = 40;

/// `events-truck-<slug>-<hash>.ics`: the feed of one truck, wherever it parks. The slug is the
/// name's ASCII letters and digits, lower-cased, other runs as `-` (`Tacos & Beer` →
/// `tacos-beer`), at most [`TRUCK_SLUG_CHARS`] of them; the hash (8 hex digits of SHA-256) is
/// of the whole name lower-cased with its punctuation folded, so names that differ only in
/// case or punctuation share a feed, any other two names never do, and the file name is
/// bounded and unique on a case-insensitive file system whatever a page calls a truck.
pub fn truck_feed_name(vendor: &str) -> String {
    let mut folded = String::new();
    for c in vendor.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            folded.push(c);
        } else if !folded.is_empty() && !folded.ends_with('-') {
            folded.push('-');
        }
    }
    let folded = folded.trim_end_matches('-');
    let mut slug = String::new();
    for c in folded.chars() {
        if slug.len() >= TRUCK_SLUG_CHARS {
            break;
        }
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let hash: String = Sha256::digest(folded.as_bytes())
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect();
    if slug.is_empty() {
        format!("events-truck-{hash}.ics")
    } else {
        format!("events-truck-{slug}-{hash}.ics")
    }
}

const VTIMEZONE: &str = "BEGIN:VTIMEZONE
TZID:America/Los_Angeles
X-LIC-LOCATION:America/Los_Angeles
BEGIN:DAYLIGHT
TZOFFSETFROM:-0800
TZOFFSETTO:-0700
TZNAME:PDT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0700
TZOFFSETTO:-0800
TZNAME:PST
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE";

/// A calendar named `name` with one VEVENT per event, its times in `zone` (the site's), which
/// the feed describes in a `VTIMEZONE` ([`write_calendar_in`], into a string).
pub fn render_calendar_in<'e>(
    name: &str,
    zone: Tz,
    events: impl IntoIterator<Item = &'e FoodTruckEvent>,
) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail, and every line written is a str.
    let _ = write_calendar_in(&mut out, name, zone, events);
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// [`render_calendar_in`] written to `out` line by line, folded as it goes: a feed of a whole
/// region is never one string in memory.
pub fn write_calendar_in<'e>(
    out: impl std::io::Write,
    name: &str,
    zone: Tz,
    events: impl IntoIterator<Item = &'e FoodTruckEvent>,
) -> std::io::Result<()> {
    write_calendar_with(out, name, &mut Zone::new(zone), events)
}

/// The site's zone as its feeds describe it: the `VTIMEZONE` of each year a feed starts in,
/// worked out once for all the feeds of a site, not once per feed.
pub struct Zone {
    zone: Tz,
    vtimezones: Vec<(i32, String)>,
}

impl Zone {
    /// `zone`, its `VTIMEZONE`s not yet worked out.
    pub fn new(zone: Tz) -> Self {
        Self {
            zone,
            vtimezones: Vec::new(),
        }
    }

    /// The folded `VTIMEZONE` lines for a feed whose first event is in `year`.
    fn vtimezone(&mut self, year: i32) -> &str {
        let at = match self.vtimezones.iter().position(|(y, _)| *y == year) {
            Some(at) => at,
            None => {
                let mut block = Feed::new(Vec::new());
                if self.zone == PACIFIC {
                    VTIMEZONE.lines().for_each(|l| block.line(l));
                } else {
                    block.vtimezone(self.zone, year);
                }
                let text = String::from_utf8(block.out).unwrap_or_default();
                self.vtimezones.push((year, text));
                self.vtimezones.len() - 1
            }
        };
        &self.vtimezones[at].1
    }
}

/// [`write_calendar_in`] with the zone's `VTIMEZONE`s shared by the feeds of one site.
pub fn write_calendar_with<'e>(
    out: impl std::io::Write,
    name: &str,
    zone: &mut Zone,
    events: impl IntoIterator<Item = &'e FoodTruckEvent>,
) -> std::io::Result<()> {
    let mut out = Feed::new(std::io::BufWriter::with_capacity(16 << 10, out));
    for line in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Around the Grounds//Food Truck Schedule//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        out.line(line);
    }
    out.linef(format_args!("X-WR-CALNAME:{}", Escaped(name)));
    out.linef(format_args!("X-WR-TIMEZONE:{}", zone.zone.name()));
    out.line("REFRESH-INTERVAL;VALUE=DURATION:PT1H");
    out.line("X-PUBLISHED-TTL:PT1H");
    let mut events = events.into_iter().peekable();
    let year = events.peek().map_or(1970, |e| e.date.year());
    out.raw(zone.vtimezone(year));
    let mut uids = HashSet::new();
    for e in events {
        let base = uid(e);
        let mut id = base.clone();
        let mut n = 1;
        while !uids.insert(id.clone()) {
            n += 1;
            id = format!("{base}-{n}");
        }
        out.vevent(e, &id, zone.zone);
    }
    out.line("END:VCALENDAR");
    match out.failed {
        Some(e) => Err(e),
        None => std::io::Write::flush(&mut out.out),
    }
}

/// A feed being written: each line folded at 75 octets and CRLF-terminated as it is added; the
/// first write that fails is kept, and nothing more is written.
struct Feed<W> {
    out: W,
    line: String,
    /// A line as it is formatted, before it is folded.
    scratch: String,
    failed: Option<std::io::Error>,
}

impl<W: std::io::Write> Feed<W> {
    fn new(out: W) -> Self {
        Self {
            out,
            line: String::new(),
            scratch: String::new(),
            failed: None,
        }
    }

    fn line(&mut self, l: &str) {
        let mut folded = std::mem::take(&mut self.line);
        folded.clear();
        fold_into(&mut folded, l);
        self.raw(&folded);
        self.line = folded;
    }

    /// A line formatted in place (no string of its own).
    fn linef(&mut self, args: fmt::Arguments<'_>) {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        // Formatting into a String fails only if a Display impl does, and ours do not.
        let _ = scratch.write_fmt(args);
        self.line(&scratch);
        self.scratch = scratch;
    }

    /// Lines already folded and terminated.
    fn raw(&mut self, folded: &str) {
        if self.failed.is_some() {
            return;
        }
        if let Err(e) = self.out.write_all(folded.as_bytes()) {
            self.failed = Some(e);
        }
    }

    fn vevent(&mut self, e: &FoodTruckEvent, uid: &str, zone: Tz) {
        self.line("BEGIN:VEVENT");
        self.linef(format_args!("UID:{uid}"));
        self.linef(format_args!("DTSTAMP:{}T000000Z", Basic(e.date)));
        match e.start_time {
            Some(s) => {
                self.linef(format_args!(
                    "DTSTART;TZID={}:{}",
                    zone.name(),
                    wall(zone, s)
                ));
                if let Some(t) = e.end_time {
                    self.linef(format_args!("DTEND;TZID={}:{}", zone.name(), wall(zone, t)));
                }
            }
            None => {
                self.linef(format_args!("DTSTART;VALUE=DATE:{}", Basic(e.date)));
                self.linef(format_args!(
                    "DTEND;VALUE=DATE:{}",
                    Basic(e.date.succ_opt().unwrap_or(e.date))
                ));
            }
        }
        self.linef(format_args!(
            "SUMMARY:{} @ {}",
            Escaped(&e.vendor),
            Escaped(&e.brewery_name)
        ));
        self.linef(format_args!("LOCATION:{}", Escaped(&e.brewery_name)));
        const AI_NOTE: &str = "The vendor's name was read from an image by AI.";
        match (
            e.description.as_deref().filter(|d| !d.is_empty()),
            e.ai_generated_name,
        ) {
            (Some(d), true) => self.linef(format_args!(
                "DESCRIPTION:{}\\n{}",
                Escaped(d),
                Escaped(AI_NOTE)
            )),
            (Some(d), false) => self.linef(format_args!("DESCRIPTION:{}", Escaped(d))),
            (None, true) => self.linef(format_args!("DESCRIPTION:{}", Escaped(AI_NOTE))),
            (None, false) => {}
        }
        self.line("TRANSP:TRANSPARENT");
        self.line("END:VEVENT");
    }

    /// A `VTIMEZONE` for `zone`: its changes of offset from the year before `year` to the
    /// year after, each as an onset (or one fixed offset, for a zone without changes).
    fn vtimezone(&mut self, zone: Tz, year: i32) {
        self.line("BEGIN:VTIMEZONE");
        self.line(&format!("TZID:{}", zone.name()));
        self.line(&format!("X-LIC-LOCATION:{}", zone.name()));
        let changes = offset_changes(zone, year);
        if changes.is_empty() {
            let (offset, abbreviation, _) = offset_at(zone, utc_start(year));
            self.onset(
                "STANDARD",
                offset,
                offset,
                &abbreviation,
                NaiveDate::from_ymd_opt(1970, 1, 1)
                    .unwrap_or_default()
                    .and_time(chrono::NaiveTime::MIN),
            );
        }
        for c in changes {
            let kind = if c.dst { "DAYLIGHT" } else { "STANDARD" };
            self.onset(kind, c.from, c.to, &c.abbreviation, c.local_before);
        }
        self.line("END:VTIMEZONE");
    }

    fn onset(&mut self, kind: &str, from: i32, to: i32, name: &str, at: NaiveDateTime) {
        self.line(&format!("BEGIN:{kind}"));
        self.line(&format!("TZOFFSETFROM:{}", hhmm(from)));
        self.line(&format!("TZOFFSETTO:{}", hhmm(to)));
        self.linef(format_args!("TZNAME:{}", Escaped(name)));
        self.linef(format_args!("DTSTART:{}", Basic(at)));
        self.line(&format!("END:{kind}"));
    }
}

/// A change of a zone's offset.
struct OffsetChange {
    /// When it happens, on the wall clock before it.
    local_before: NaiveDateTime,
    from: i32,
    to: i32,
    abbreviation: String,
    dst: bool,
}

fn utc_start(year: i32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

/// The offset (seconds east of UTC), abbreviation and daylight-saving flag of `zone` at `t`.
fn offset_at(zone: Tz, t: DateTime<Utc>) -> (i32, String, bool) {
    let o = zone.offset_from_utc_datetime(&t.naive_utc());
    let total = o.base_utc_offset() + o.dst_offset();
    let abbreviation = o
        .abbreviation()
        .map_or_else(|| zone.name().to_string(), str::to_string);
    (
        i32::try_from(total.num_seconds()).unwrap_or(0),
        abbreviation,
        !o.dst_offset().is_zero(),
    )
}

/// The changes of `zone`'s offset from the start of `year - 1` to the end of `year + 1`, found
/// day by day and then to the minute.
fn offset_changes(zone: Tz, year: i32) -> Vec<OffsetChange> {
    let mut out = Vec::new();
    let start = utc_start(year.saturating_sub(1));
    let mut prev = offset_at(zone, start);
    for day in 1..=(3 * 366) {
        let t = start + chrono::Duration::days(day);
        let now = offset_at(zone, t);
        if now.0 == prev.0 && now.2 == prev.2 {
            continue;
        }
        // The change lies in (t - 1 day, t]: narrow it to the minute.
        let (mut lo, mut hi) = (t - chrono::Duration::days(1), t);
        while hi - lo > chrono::Duration::minutes(1) {
            let mid = lo + (hi - lo) / 2;
            if offset_at(zone, mid).0 == prev.0 && offset_at(zone, mid).2 == prev.2 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let local_before = (hi + chrono::Duration::seconds(i64::from(prev.0))).naive_utc();
        out.push(OffsetChange {
            local_before,
            from: prev.0,
            to: now.0,
            abbreviation: now.1.clone(),
            dst: now.2,
        });
        prev = now;
    }
    out
}

/// `-0800`, `+0530`.
fn hhmm(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    format!("{sign}{:02}{:02}", s / 3600, (s % 3600) / 60)
}

/// A wall-clock reading in `zone` that exists (a time in the spring-forward gap moves past it).
fn wall(zone: Tz, t: NaiveDateTime) -> Basic<NaiveDateTime> {
    Basic(localize_in(zone, t).naive_local())
}

/// RFC 5545's basic format: `20261029` for a date, `20261029T113000` for a date and time
/// (what `%Y%m%d` and `%Y%m%dT%H%M%S` give, without parsing a format string per line).
struct Basic<T>(T);

impl fmt::Display for Basic<NaiveDate> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        write!(f, "{:04}{:02}{:02}", d.year(), d.month(), d.day())
    }
}

impl fmt::Display for Basic<NaiveDateTime> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use chrono::Timelike;
        let t = self.0;
        write!(
            f,
            "{}T{:02}{:02}{:02}",
            Basic(t.date()),
            t.hour(),
            t.minute(),
            t.second()
        )
    }
}

/// Stable across runs and machines: brewery, vendor, day and start.
fn uid(e: &FoodTruckEvent) -> String {
    let mut h = Sha256::new();
    for part in [
        e.brewery_key.as_str(),
        e.vendor.as_str(),
        &e.date.to_string(),
        &e.start_time.map(|s| s.to_string()).unwrap_or_default(),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let digest = h.finalize();
    let mut id = String::with_capacity(24 + 20);
    for b in digest.iter().take(12) {
        let _ = write!(id, "{b:02x}");
    }
    id.push_str("@around-the-grounds");
    id
}

/// RFC 5545 TEXT escaping, written as it is formatted.
struct Escaped<'s>(&'s str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(['\\', ';', ',', '\n', '\r']) {
            f.write_str(&rest[..at])?;
            match rest.as_bytes()[at] {
                b'\\' => f.write_str("\\\\")?,
                b';' => f.write_str("\\;")?,
                b',' => f.write_str("\\,")?,
                b'\n' => f.write_str("\\n")?,
                _ => {}
            }
            rest = &rest[at + 1..];
        }
        f.write_str(rest)
    }
}

/// Appends `line` folded at 75 octets (never inside a character), CRLF-terminated.
fn fold_into(out: &mut String, line: &str) {
    if line.len() <= 75 {
        out.push_str(line);
        out.push_str("\r\n");
        return;
    }
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_and_escaping() {
        let mut out = String::new();
        fold_into(&mut out, &format!("SUMMARY:{}", "é".repeat(60)));
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets", l.len());
        }
        assert_eq!(out.matches("\r\n ").count(), 1);
        assert_eq!(Escaped("a;b,c\\d\ne\r").to_string(), "a\\;b\\,c\\\\d\\ne");
        assert_eq!(
            brewery_feed_name("Stoup Ballard_1"),
            "events-stoup-ballard-1.ics"
        );
    }
}
