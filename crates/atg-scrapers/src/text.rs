//! Text and timestamp helpers shared by the sources.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use scraper::ElementRef;

/// Collapses runs of white space to one space and trims.
pub fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Decodes HTML entities once (`Tacos &amp; Beer` → `Tacos & Beer`) and normalises spaces.
pub fn clean_text(s: &str) -> String {
    collapse_ws(&html_escape::decode_html_entities(s))
}

/// The text of an element, its text nodes joined as the browser shows them and white space
/// collapsed (`Food Truck: <b>Tisket</b> Tasket` → `Food Truck: Tisket Tasket`).
pub fn element_text(el: ElementRef<'_>) -> String {
    collapse_ws(&el.text().collect::<String>())
}

/// An ISO-8601 timestamp as a Pacific wall-clock reading: with an offset (or `Z`) it is
/// converted; without one it already is Pacific wall-clock time.
pub fn iso_to_pacific(raw: &str) -> Option<NaiveDateTime> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(atg_core::to_pacific_wall_clock(&t));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(s, f) {
            return Some(atg_core::to_pacific_wall_clock(&t));
        }
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(t);
        }
    }
    None
}

/// A date-only ISO value (`2026-11-25`).
pub fn iso_date(raw: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok()
}

/// Drops sub-second precision: schedules are to the minute.
pub fn whole_seconds(t: NaiveDateTime) -> NaiveDateTime {
    use chrono::Timelike;
    t.with_nanosecond(0).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: Option<NaiveDateTime>) -> Option<String> {
        t.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
    }

    #[test]
    fn iso_with_offset_converts_and_zoneless_stays_pacific() {
        assert_eq!(
            s(iso_to_pacific("2025-07-15T21:30:00Z")).as_deref(),
            Some("2025-07-15 14:30")
        );
        assert_eq!(
            s(iso_to_pacific("2025-08-02T17:00:00.000-07:00")).as_deref(),
            Some("2025-08-02 17:00")
        );
        assert_eq!(
            s(iso_to_pacific("2025-01-15T22:30:00+00:00")).as_deref(),
            Some("2025-01-15 14:30")
        );
        // Zone-less times are Pacific already: not shifted as if they were UTC.
        assert_eq!(
            s(iso_to_pacific("2025-10-04T20:00:00")).as_deref(),
            Some("2025-10-04 20:00")
        );
        assert_eq!(
            s(iso_to_pacific("2026-03-01T08:00")).as_deref(),
            Some("2026-03-01 08:00")
        );
        assert_eq!(iso_to_pacific("invalid-timestamp"), None);
        assert_eq!(iso_to_pacific("2025-13-50T25:00:00"), None);
        assert_eq!(iso_to_pacific(""), None);
    }

    #[test]
    fn entities_are_decoded_once() {
        assert_eq!(clean_text("  Tacos &amp; Beer "), "Tacos & Beer");
        assert_eq!(clean_text("A &amp;amp; B"), "A &amp; B");
    }
}
