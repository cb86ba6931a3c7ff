//! A page with no calendar feed and no structured data (`"parser": "html-selectors"`): CSS
//! selectors say where each event is and, inside it, where the vendor, the date and the time
//! are; date formats say how the date is written.
//!
//! Settings: `event` (required: one element per event), `vendor` (required), `date` (required),
//! `time` (optional: else the time range is looked for in the whole event), `date_formats`
//! (chrono formats tried in order, e.g. `%A, %B %-d`, `%m.%d`, `%Y-%m-%d`; a format without a
//! year takes the year nearest today), and the rules every source has.

use atg_core::{FoodTruckEvent, infer_year};
use chrono::NaiveDate;
use chrono::format::{Parsed, StrftimeItems};
use scraper::{ElementRef, Selector};

use crate::bounded::html_document;
use crate::fetch::Request;
use crate::source::{OnePage, ParseContext, ParseError, require_body};
use crate::text::{clean_text, element_text};
use crate::timeparse::{find_range, on_day};

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
    "%m/%d",
    "%m.%d",
];

#[derive(Debug, Clone)]
pub struct HtmlSelectors {
    url: String,
    event: Selector,
    vendor: Selector,
    date: Selector,
    time: Option<Selector>,
    date_formats: Vec<String>,
}

/// `"parser": "html-selectors"`'s settings.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HtmlSelectorsSettings {
    /// One element per event.
    #[serde(deserialize_with = "crate::source::required")]
    pub event: String,
    /// The vendor, inside the event.
    #[serde(deserialize_with = "crate::source::required")]
    pub vendor: String,
    /// The date, inside the event.
    #[serde(deserialize_with = "crate::source::required")]
    pub date: String,
    /// The time range, inside the event (else it is looked for in the whole event).
    #[serde(default, deserialize_with = "crate::source::text")]
    pub time: Option<String>,
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
        Ok(Self {
            url: brewery.url.clone(),
            event: selector("event", &s.event)?,
            vendor: selector("vendor", &s.vendor)?,
            date: selector("date", &s.date)?,
            time: s.time.as_deref().map(|t| selector("time", t)).transpose()?,
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
        Ok(ctx
            .budget
            .take_entries(doc.select(&self.event))?
            .into_iter()
            .filter_map(|e| self.event_of(e, ctx))
            .collect())
    }
}

impl HtmlSelectors {
    fn event_of(&self, el: ElementRef<'_>, ctx: &ParseContext) -> Option<FoodTruckEvent> {
        let vendor = clean_text(&element_text(el.select(&self.vendor).next()?));
        let date_text = element_text(el.select(&self.date).next()?);
        let date = read_date(&date_text, &self.date_formats, ctx.today)?;
        let mut e = ctx.entry(&vendor, &[], date)?;
        let time_text = match &self.time {
            Some(t) => el.select(t).next().map(element_text),
            None => Some(element_text(el)),
        };
        if let Some(range) = time_text.as_deref().and_then(find_range) {
            let (s, t) = on_day(date, range);
            e.start_time = Some(s);
            e.end_time = Some(t);
        }
        Some(e)
    }
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
