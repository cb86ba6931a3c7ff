//! Calendar feeds (RFC 5545): one for every truck, one per brewery. The same events always
//! give the same bytes: UIDs come from the event, DTSTAMP from its date, never from the clock.

use std::collections::HashSet;

use atg_core::{FoodTruckEvent, localize};
use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

/// The feed of every truck.
pub const ALL_FEED: &str = "events.ics";

/// `events-<slug of the brewery key>.ics` (config loading refuses two keys with one slug, so
/// no feed overwrites another).
pub fn brewery_feed_name(key: &str) -> String {
    format!("events-{}.ics", atg_core::key_slug(key))
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

/// A calendar named `name` with one VEVENT per event.
pub fn render_calendar(name: &str, events: &[FoodTruckEvent]) -> String {
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        "PRODID:-//Around the Grounds//Food Truck Schedule//EN".into(),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:PUBLISH".into(),
        format!("X-WR-CALNAME:{}", escape(name)),
        "X-WR-TIMEZONE:America/Los_Angeles".into(),
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H".into(),
        "X-PUBLISHED-TTL:PT1H".into(),
    ];
    lines.extend(VTIMEZONE.lines().map(str::to_string));
    let mut uids = HashSet::new();
    for e in events {
        let base = uid(e);
        let mut id = base.clone();
        let mut n = 1;
        while !uids.insert(id.clone()) {
            n += 1;
            id = format!("{base}-{n}");
        }
        vevent(&mut lines, e, &id);
    }
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for l in lines {
        fold_into(&mut out, &l);
    }
    out
}

fn vevent(lines: &mut Vec<String>, e: &FoodTruckEvent, uid: &str) {
    lines.push("BEGIN:VEVENT".into());
    lines.push(format!("UID:{uid}"));
    lines.push(format!("DTSTAMP:{}T000000Z", e.date.format("%Y%m%d")));
    match e.start_time {
        Some(s) => {
            lines.push(format!("DTSTART;TZID=America/Los_Angeles:{}", wall(s)));
            if let Some(t) = e.end_time {
                lines.push(format!("DTEND;TZID=America/Los_Angeles:{}", wall(t)));
            }
        }
        None => {
            lines.push(format!("DTSTART;VALUE=DATE:{}", e.date.format("%Y%m%d")));
            lines.push(format!(
                "DTEND;VALUE=DATE:{}",
                e.date.succ_opt().unwrap_or(e.date).format("%Y%m%d")
            ));
        }
    }
    lines.push(format!(
        "SUMMARY:{}",
        escape(&format!("{} @ {}", e.vendor, e.brewery_name))
    ));
    lines.push(format!("LOCATION:{}", escape(&e.brewery_name)));
    let mut description = e.description.clone().unwrap_or_default();
    if e.ai_generated_name {
        if !description.is_empty() {
            description.push('\n');
        }
        description.push_str("The vendor's name was read from an image by AI.");
    }
    if !description.is_empty() {
        lines.push(format!("DESCRIPTION:{}", escape(&description)));
    }
    lines.push("TRANSP:TRANSPARENT".into());
    lines.push("END:VEVENT".into());
}

/// A Pacific wall-clock reading that exists (a time in the spring-forward gap moves past it).
fn wall(t: NaiveDateTime) -> String {
    localize(t)
        .naive_local()
        .format("%Y%m%dT%H%M%S")
        .to_string()
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
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("{hex}@around-the-grounds")
}

/// RFC 5545 TEXT escaping.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `line` folded at 75 octets (never inside a character), CRLF-terminated.
fn fold_into(out: &mut String, line: &str) {
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
        assert_eq!(escape("a;b,c\\d\ne"), "a\\;b\\,c\\\\d\\ne");
        assert_eq!(
            brewery_feed_name("Stoup Ballard_1"),
            "events-stoup-ballard-1.ics"
        );
    }
}
