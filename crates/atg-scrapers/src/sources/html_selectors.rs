//! A page with no calendar feed and no structured data (`"parser": "html-selectors"`): CSS
//! selectors say where the events are, in one of two shapes.
//!
//! **An element per event**: `event` (one element per event), `vendor`, `date` (inside it),
//! and optionally `time` (the time range, or a lone start such as `7:00 PM`, `11:30am`,
//! `noon`, `midnight`: a start without an end) and `description`. Without `time`, no time is
//! read unless `time_from_text` is `true` (then the range is looked for in the whole event's
//! text).
//!
//! **A line per truck**: `line` selects elements each holding one truck as a line of text,
//! `Fri 7/4: Taco Truck 5-9pm`, with no element around the vendor: the date is read from
//! the line, the vendor is what follows the date (after a `:`, `-` or `–`) without its hours,
//! the hours are the range (or lone start) in the line. With `after`, only the lines after the
//! first one containing that text (a heading such as `UPCOMING FOOD TRUCKS`) are read.
//!
//! Both: `date_formats` (chrono formats tried in order, e.g. `%A, %B %-d`, `%m.%d`,
//! `%Y-%m-%d`; a format without a year takes the year nearest today), and the rules every
//! source has.

use std::sync::LazyLock;

use atg_core::{FoodTruckEvent, infer_year};
use chrono::format::{Parsed, StrftimeItems};
use chrono::{NaiveDate, NaiveTime};
use regex::Regex;
use scraper::{ElementRef, Selector};

use crate::bounded::html_document;
use crate::fetch::Request;
use crate::source::{OnePage, ParseContext, ParseError, require_body};
use crate::text::{clean_text, element_text};
use crate::timeparse::{find_range, on_day, parse_reading};

/// Tried when the config names no `date_formats`.
pub const DEFAULT_DATE_FORMATS: &[&str] = &[
    "%Y-%m-%d",
    "%A, %B %d, %Y",
    "%B %d, %Y",
    "%m/%d/%Y",
    "%A, %B %d",
    "%a, %b %d",
    "%A %B %d",
    "%a %b %d",
    "%B %d",
    "%b %d",
    "%A, %m/%d",
    "%a %m/%d",
    "%m/%d",
    "%m.%d",
];

#[derive(Debug, Clone)]
pub struct HtmlSelectors {
    url: String,
    shape: Shape,
    date_formats: Vec<String>,
}

#[derive(Debug, Clone)]
enum Shape {
    Events {
        event: Selector,
        vendor: Selector,
        date: Selector,
        time: Option<Selector>,
        description: Option<Selector>,
        time_from_text: bool,
    },
    Lines {
        line: Selector,
        after: Option<String>,
    },
}

/// `"parser": "html-selectors"`'s settings.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HtmlSelectorsSettings {
    /// One element per event.
    #[serde(default, deserialize_with = "crate::source::text")]
    pub event: Option<String>,
    /// The vendor, inside the event.
    #[serde(default, deserialize_with = "crate::source::text")]
    pub vendor: Option<String>,
    /// The date, inside the event.
    #[serde(default, deserialize_with = "crate::source::text")]
    pub date: Option<String>,
    /// The time range or lone start, inside the event.
    #[serde(default, deserialize_with = "crate::source::text")]
    pub time: Option<String>,
    /// The description, inside the event.
    #[serde(default, deserialize_with = "crate::source::text")]
    pub description: Option<String>,
    /// Without `time`: look for the range in the whole event's text.
    #[serde(default)]
    pub time_from_text: bool,
    /// Elements of one truck each, as a line of text (instead of `event`).
    #[serde(default, deserialize_with = "crate::source::text")]
    pub line: Option<String>,
    /// With `line`: read only the lines after the first containing this text.
    #[serde(default, deserialize_with = "crate::source::text")]
    pub after: Option<String>,
    /// chrono formats tried in order (else [`DEFAULT_DATE_FORMATS`]).
    #[serde(default)]
    pub date_formats: Option<Vec<String>>,
}

fn selector(field: &str, css: &str) -> Result<Selector, String> {
    Selector::parse(css).map_err(|e| format!("{field}: not a CSS selector: {e}"))
}

impl HtmlSelectors {
    pub fn new(brewery: &atg_core::Brewery, s: HtmlSelectorsSettings) -> Result<Self, String> {
        let date_formats = s
            .date_formats
            .unwrap_or_else(|| DEFAULT_DATE_FORMATS.iter().map(|f| f.to_string()).collect());
        for f in &date_formats {
            if StrftimeItems::new(f).parse().is_err() {
                return Err(format!("date_formats: {f:?} is not a date format"));
            }
        }
        let shape = match (s.line, s.event) {
            (Some(_), Some(_)) => {
                return Err("line: give `line` (a truck per line) or `event`, not both".into());
            }
            (Some(line), None) => {
                for (field, given) in [
                    ("vendor", &s.vendor),
                    ("date", &s.date),
                    ("time", &s.time),
                    ("description", &s.description),
                ] {
                    if given.is_some() {
                        return Err(format!(
                            "{field}: a line per truck is read as text (only `line`, `after` and `date_formats`)"
                        ));
                    }
                }
                Shape::Lines {
                    line: selector("line", &line)?,
                    after: s.after.map(|a| a.to_lowercase()),
                }
            }
            (None, event) => {
                let need = |field: &str, v: Option<String>| {
                    v.ok_or_else(|| {
                        format!("{field}: required for the \"html-selectors\" source (or `line`)")
                    })
                };
                if s.after.is_some() {
                    return Err("after: only with `line`".into());
                }
                Shape::Events {
                    event: selector("event", &need("event", event)?)?,
                    vendor: selector("vendor", &need("vendor", s.vendor)?)?,
                    date: selector("date", &need("date", s.date)?)?,
                    time: s.time.as_deref().map(|t| selector("time", t)).transpose()?,
                    description: s
                        .description
                        .as_deref()
                        .map(|d| selector("description", d))
                        .transpose()?,
                    time_from_text: s.time_from_text,
                }
            }
        };
        Ok(Self {
            url: brewery.url.clone(),
            shape,
            date_formats,
        })
    }
}

impl OnePage for HtmlSelectors {
    fn request(&self, _ctx: &ParseContext) -> Request {
        Request::get(&self.url)
    }

    fn parse(&self, body: &str, ctx: &ParseContext) -> Result<Vec<FoodTruckEvent>, ParseError> {
        let doc = html_document(require_body(body, "page")?, &ctx.budget)?;
        match &self.shape {
            Shape::Events { event, .. } => Ok(ctx
                .budget
                .take_entries(doc.select(event))?
                .into_iter()
                .filter_map(|e| self.event_of(e, ctx))
                .collect()),
            Shape::Lines { line, after } => {
                let mut reading = after.is_none();
                let mut events = Vec::new();
                for el in ctx.budget.take_entries(doc.select(line))? {
                    let text = element_text(el);
                    if !reading {
                        reading = after
                            .as_deref()
                            .is_some_and(|a| text.to_lowercase().contains(a));
                        continue;
                    }
                    events.extend(line_event(&text, &self.date_formats, ctx));
                }
                Ok(events)
            }
        }
    }
}

impl HtmlSelectors {
    fn event_of(&self, el: ElementRef<'_>, ctx: &ParseContext) -> Option<FoodTruckEvent> {
        let Shape::Events {
            vendor,
            date,
            time,
            description,
            time_from_text,
            ..
        } = &self.shape
        else {
            return None;
        };
        let vendor = clean_text(&element_text(el.select(vendor).next()?));
        let date_text = element_text(el.select(date).next()?);
        let date = read_date(&date_text, &self.date_formats, ctx.today)?;
        let mut e = ctx.entry(&vendor, &[], date)?;
        let time_text = match time {
            Some(t) => el.select(t).next().map(element_text),
            None if *time_from_text => Some(element_text(el)),
            None => None,
        };
        if let Some(text) = time_text {
            set_hours(&mut e, date, &text, time.is_some());
        }
        e.description = description
            .as_ref()
            .and_then(|d| el.select(d).next())
            .map(|d| clean_text(&element_text(d)))
            .filter(|d| !d.is_empty());
        Some(e)
    }
}

/// A lone time with am/pm or a name (`7:00 PM`, `11:30am`, `noon`, `midnight`) in a text.
static LONE_TIME: LazyLock<Regex> = LazyLock::new(|| {
    crate::patterns::regex(r"(?i)\b(noon|midnight|\d{1,2}(?::\d{2})?\s*[ap]\.?m\.?)(?:\W|$)")
});

/// A range, in the text: the event's start and end.
static RANGE_AT_END: LazyLock<Regex> = LazyLock::new(|| {
    let t = r"(?:noon|midnight|\d{1,2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?)?)";
    crate::patterns::regex(&format!(r"(?i)[\s,(@]*{t}\s*(?:—|–|-|\bto\b)\s*{t}\)?\s*$"))
});

/// The event's hours from `text`: a range; else, when `lone` allows it, a lone start.
fn set_hours(e: &mut FoodTruckEvent, date: NaiveDate, text: &str, lone: bool) {
    if let Some(range) = find_range(text) {
        let (s, t) = on_day(date, range);
        e.start_time = Some(s);
        e.end_time = Some(t);
    } else if lone && let Some(start) = lone_start(text) {
        e.start_time = Some(date.and_time(start));
    }
}

/// `7:00 PM`, `11:30am`, `noon`, `midnight` alone: a start without an end.
pub fn lone_start(text: &str) -> Option<NaiveTime> {
    let c = LONE_TIME.captures(text)?;
    parse_reading(c.get(1)?.as_str())?.as_24h()
}

/// One truck's line: `Thursday, 7/3: Tisket Tasket`, `Fri 7/4: Taco Truck 5-9pm`.
fn line_event(text: &str, formats: &[String], ctx: &ParseContext) -> Option<FoodTruckEvent> {
    let date = read_date(text, formats, ctx.today)?;
    // The vendor follows the date's separator; the hours at its end are not its name.
    let (_, rest) = text
        .split_once([':', '–', '—'])
        .or_else(|| text.split_once(" - "))?;
    let name = RANGE_AT_END.replace(rest, "");
    let name = LONE_TIME.replace(&name, "");
    let name = clean_text(name.trim().trim_end_matches([',', '@', '(']).trim());
    let mut e = ctx.entry(&name, &[], date)?;
    set_hours(&mut e, date, rest, true);
    Some(e)
}

/// The first date `formats` find in `text`, starting at any word: `Friday, March 13 · 5–8pm`
/// reads with `%A, %B %d`. A format without a year takes the year nearest `today`.
pub fn read_date(text: &str, formats: &[String], today: NaiveDate) -> Option<NaiveDate> {
    let text = text.trim();
    let starts = std::iter::once(0).chain(
        text.char_indices()
            .filter(|(i, c)| c.is_whitespace() && *i + 1 < text.len())
            .map(|(i, c)| i + c.len_utf8()),
    );
    for start in starts {
        let rest = text.get(start..)?.trim_start();
        for f in formats {
            let mut parsed = Parsed::new();
            if chrono::format::parse_and_remainder(&mut parsed, rest, StrftimeItems::new(f))
                .is_err()
            {
                continue;
            }
            let (Some(month), Some(day)) = (parsed.month(), parsed.day()) else {
                continue;
            };
            let date = match parsed.to_naive_date() {
                Ok(d) => atg_core::sane_date(d),
                Err(_) if parsed.year().is_none() && parsed.year_mod_100().is_none() => {
                    infer_year(today, month, day)
                }
                Err(_) => None,
            };
            if date.is_some() {
                return date;
            }
        }
    }
    None
}

/// The settings of a page that lists a truck per line under a heading nobody described yet
/// (`probe`): the paragraphs or list items after the first one that mentions food trucks,
/// when some of them read as trucks. `None` otherwise.
pub fn guess_lines(
    body: &str,
    ctx: &ParseContext,
) -> Option<serde_json::Map<String, serde_json::Value>> {
    let doc = html_document(body, &ctx.budget).ok()?;
    let formats: Vec<String> = DEFAULT_DATE_FORMATS.iter().map(|f| f.to_string()).collect();
    let mut best: Option<(usize, &str, String)> = None;
    for tag in ["p", "li"] {
        let sel = selector("line", tag).ok()?;
        let texts: Vec<String> = ctx
            .budget
            .take_entries(doc.select(&sel))
            .ok()?
            .into_iter()
            .map(element_text)
            .collect();
        let Some(at) = texts
            .iter()
            .position(|t| t.to_lowercase().contains("food truck") && t.chars().count() <= 60)
        else {
            continue;
        };
        let found = texts[at + 1..]
            .iter()
            .filter(|t| line_event(t, &formats, ctx).is_some())
            .count();
        if found > 0 && best.as_ref().is_none_or(|(n, _, _)| found > *n) {
            best = Some((found, tag, texts[at].clone()));
        }
    }
    let (_, tag, heading) = best?;
    let mut settings = serde_json::Map::new();
    settings.insert("line".into(), tag.into());
    settings.insert("after".into(), heading.into());
    Some(settings)
}
