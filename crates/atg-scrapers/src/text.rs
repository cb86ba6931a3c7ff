//! Text and timestamp helpers shared by the sources.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use scraper::ElementRef;

/// Collapses runs of white space to one space and trims.
pub fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of a piece of markup (a description written as HTML), read under `budget`:
/// markup over it gives no text.
pub fn markup_text(markup: &str, budget: &crate::budget::Budget) -> Option<String> {
    let doc = crate::bounded::html_fragment(markup, budget).ok()?;
    let text = collapse_ws(&doc.root_element().text().collect::<String>());
    (!text.is_empty()).then_some(text)
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

/// An ISO-8601 timestamp as a wall-clock reading in `zone`: with an offset (or `Z`) it is
/// converted; without one it already is `zone`'s wall-clock time. A year outside
/// [`atg_core::SANE_YEARS`] is not a reading (and is never converted, which could overflow).
pub fn iso_in_zone(raw: &str, zone: chrono_tz::Tz) -> Option<NaiveDateTime> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    let instant = |t: DateTime<chrono::FixedOffset>| {
        atg_core::sane_datetime(t.naive_utc()).map(|_| t.with_timezone(&zone).naive_local())
    };
    // `Z` as an offset the formats below read (`2026-12-03T17:00Z` has no seconds for RFC 3339).
    let zulu;
    let s = match s.strip_suffix(['Z', 'z']) {
        Some(rest) => {
            zulu = format!("{rest}+00:00");
            zulu.as_str()
        }
        None => s,
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return instant(t);
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(s, f) {
            return instant(t);
        }
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return atg_core::sane_datetime(t);
        }
    }
    None
}

/// A date-only ISO value (`2026-11-25`) in [`atg_core::SANE_YEARS`].
pub fn iso_date(raw: &str) -> Option<NaiveDate> {
    sane_ymd(NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok()?)
}

/// A date read from a page, kept only inside [`atg_core::SANE_YEARS`].
pub fn sane_ymd(d: NaiveDate) -> Option<NaiveDate> {
    atg_core::sane_date(d)
}

/// An instant in epoch milliseconds (UTC) as a wall-clock reading in `zone`, in
/// [`atg_core::SANE_YEARS`].
pub fn epoch_ms_in_zone(ms: i64, zone: chrono_tz::Tz) -> Option<NaiveDateTime> {
    let utc = DateTime::from_timestamp_millis(ms)?;
    atg_core::sane_datetime(utc.naive_utc())?;
    Some(utc.with_timezone(&zone).naive_local())
}

/// Strips control characters (C0, DEL, C1: `&#27;` decodes to ESC) that would reach a terminal
/// or a feed, and format characters (Unicode's `Cf`: bidi overrides such as U+202E that turn a
/// name around on the page, zero-width spaces, soft hyphens); tabs and newlines become spaces.
pub fn strip_controls(s: &str) -> std::borrow::Cow<'_, str> {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
    let unseen = |c: char| c.is_control() || c.general_category() == GeneralCategory::Format;
    if !s.chars().any(unseen) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .filter_map(|c| match c {
                '\t' | '\n' | '\r' => Some(' '),
                c if unseen(c) => None,
                c => Some(c),
            })
            .collect(),
    )
}

/// Drops sub-second precision: schedules are to the minute.
pub fn whole_seconds(t: NaiveDateTime) -> NaiveDateTime {
    use chrono::Timelike;
    t.with_nanosecond(0).unwrap_or(t)
}

/// Words in image file names that say nothing about the vendor.
const IMAGE_NOISE: &[&str] = &[
    "logo",
    "main",
    "web",
    "preview",
    "header",
    "image",
    "img",
    "blk",
    "black",
    "white",
    "temp",
    "tmp",
    "default",
    "unnamed",
    "placeholder",
    "copy",
    "screen",
    "shot",
    "screenshot",
    "updated",
    "final",
    "new",
    "edit",
    "edited",
    "scaled",
    "large",
    "small",
    "thumb",
    "thumbnail",
    "photo",
    "pic",
    "dsc",
    "jpg",
    "png",
];

/// A vendor name from an image file name (`georgia_greek_logo.jpg` → `Georgia Greek`), or
/// `None` when the name is only camera numbers and filler words (`IMG_1234.jpg`,
/// `UpdatedLogo_BLK.png`).
pub fn name_from_image_url(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next()?;
    let file = path.rsplit('/').next()?;
    let file = percent_encoding::percent_decode_str(file).decode_utf8_lossy();
    let stem = file.rsplit_once('.').map_or(&*file, |(s, _)| s);
    let mut words = Vec::new();
    for raw in stem.split(|c: char| c == '_' || c == '-' || c == '+' || c.is_whitespace()) {
        words.extend(split_camel(raw));
    }
    let kept: Vec<String> = words
        .into_iter()
        .filter(|w| !w.is_empty())
        .filter(|w| !IMAGE_NOISE.contains(&w.to_lowercase().as_str()))
        .filter(|w| !w.chars().any(|c| c.is_ascii_digit()))
        .collect();
    let letters: usize = kept
        .iter()
        .map(|w| w.chars().filter(|c| c.is_alphabetic()).count())
        .sum();
    if letters <= 2
        || kept
            .iter()
            .any(|w| !w.chars().all(|c| c.is_alphabetic() || c == '\''))
    {
        return None;
    }
    Some(
        kept.iter()
            .map(|w| capitalise(w))
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// `UpdatedLogo` → `Updated`, `Logo`; `BBQ` stays one word.
fn split_camel(word: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = word.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let boundary = i > 0
            && c.is_uppercase()
            && (chars[i - 1].is_lowercase()
                || (chars[i - 1].is_uppercase()
                    && chars.get(i + 1).is_some_and(|n| n.is_lowercase())));
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    out.push(cur);
    out
}

/// First letter upper, the rest lower; an apostrophe does not start a word (`georgia's` →
/// `Georgia's`).
fn capitalise(w: &str) -> String {
    let mut chars = w.chars();
    match chars.next() {
        Some(f) => f
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: Option<NaiveDateTime>) -> Option<String> {
        t.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
    }

    const P: chrono_tz::Tz = atg_core::PACIFIC;

    #[test]
    fn other_zones_read_the_same_instant_on_their_own_clock() {
        let ny: chrono_tz::Tz = "America/New_York".parse().unwrap();
        assert_eq!(
            s(iso_in_zone("2025-07-15T21:30:00Z", ny)).as_deref(),
            Some("2025-07-15 17:30")
        );
        // Zone-less: already New York's wall clock.
        assert_eq!(
            s(iso_in_zone("2025-10-04T20:00:00", ny)).as_deref(),
            Some("2025-10-04 20:00")
        );
        assert_eq!(
            s(epoch_ms_in_zone(1_752_615_000_000, ny)).as_deref(),
            Some("2025-07-15 17:30")
        );
    }

    #[test]
    fn iso_with_offset_converts_and_zoneless_stays_pacific() {
        assert_eq!(
            s(iso_in_zone("2025-07-15T21:30:00Z", P)).as_deref(),
            Some("2025-07-15 14:30")
        );
        assert_eq!(
            s(iso_in_zone("2025-08-02T17:00:00.000-07:00", P)).as_deref(),
            Some("2025-08-02 17:00")
        );
        assert_eq!(
            s(iso_in_zone("2025-01-15T22:30:00+00:00", P)).as_deref(),
            Some("2025-01-15 14:30")
        );
        // Zone-less times are Pacific already: not shifted as if they were UTC.
        assert_eq!(
            s(iso_in_zone("2025-10-04T20:00:00", P)).as_deref(),
            Some("2025-10-04 20:00")
        );
        assert_eq!(
            s(iso_in_zone("2026-03-01T08:00", P)).as_deref(),
            Some("2026-03-01 08:00")
        );
        assert_eq!(iso_in_zone("invalid-timestamp", P), None);
        assert_eq!(iso_in_zone("2025-13-50T25:00:00", P), None);
        assert_eq!(iso_in_zone("", P), None);
    }

    #[test]
    fn extreme_years_are_not_readings() {
        assert_eq!(iso_in_zone("+262142-12-31T23:59:59+14:00", P), None);
        assert_eq!(iso_in_zone("-262143-01-01T00:00:00-14:00", P), None);
        assert_eq!(iso_in_zone("262142-12-31T23:59", P), None);
        assert_eq!(iso_in_zone("1969-12-31T12:00:00Z", P), None);
        assert_eq!(iso_date("+262142-12-31"), None);
        assert_eq!(iso_date("0000-01-01"), None);
        assert_eq!(epoch_ms_in_zone(i64::MAX, P), None);
        assert_eq!(epoch_ms_in_zone(i64::MIN, P), None);
        assert_eq!(epoch_ms_in_zone(8_210_266_876_799_999, P), None);
        assert_eq!(
            s(epoch_ms_in_zone(1_752_615_000_000, P)).as_deref(),
            Some("2025-07-15 14:30")
        );
    }

    #[test]
    fn control_characters_are_stripped() {
        assert_eq!(strip_controls("Taco\u{1b}[2J Time\u{7}"), "Taco[2J Time");
        assert_eq!(strip_controls("a\tb\nc\u{85}d\u{7f}"), "a b cd");
        assert!(matches!(
            strip_controls("plain"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn entities_are_decoded_once() {
        assert_eq!(clean_text("  Tacos &amp; Beer "), "Tacos & Beer");
        assert_eq!(clean_text("A &amp;amp; B"), "A &amp; B");
    }
}
