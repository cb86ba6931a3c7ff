//! Any JSON API whose reply lists events (`"parser": "json-api"`), mapped field by field in
//! config: WordPress's posts API (`/wp-json/wp/v2/posts`), an events widget's feed, a venue's
//! own API. A venue with an API needs no code.
//!
//! Settings:
//! - `response_path`: where the list is in the reply, as a dotted path (`data.events`; empty or
//!   absent: the reply is the list).
//! - `field_map` (required): which field of an item is which, each a dotted path
//!   (`title.rendered`, `venue.name`, `dates.0.start`): `vendor` and `start` are required;
//!   `end` and `description` are optional. A field holding markup (WordPress's `rendered`) is
//!   read as its text.
//! - `date_formats`: chrono formats for `start` and `end` when they are not ISO-8601 (an ISO
//!   time with an offset is that instant; without one, the site's own time; a date alone is
//!   the day without hours). Epoch milliseconds (a number) are read too.
//! - `next_path`: a dotted path to the next page's address in the reply; it is followed on the
//!   same host, up to [`MAX_PAGES`] pages.
//!
//! Plus the rules every source has (`include`, `exclude`, `vendor_from`, on the vendor).

use atg_core::FoodTruckEvent;
use chrono::format::StrftimeItems;
use chrono::{NaiveDate, NaiveDateTime};
use serde_json::Value;

use crate::bounded::json_reply;
use crate::fetch::Fetcher;
pub use crate::paging::{MAX_PAGES, Page};
use crate::source::{ParseContext, ParseError, SourceError, require_body};
use crate::text::{clean_text, iso_date};

/// The most parts of one dotted path.
const MAX_PATH_PARTS: usize = 16;

/// `"parser": "json-api"`'s settings.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonApiSettings {
    #[serde(default, deserialize_with = "crate::source::text")]
    pub response_path: Option<String>,
    pub field_map: FieldMapSettings,
    #[serde(default)]
    pub date_formats: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::source::text")]
    pub next_path: Option<String>,
}

/// `field_map`: an item's field for each event field.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldMapSettings {
    #[serde(deserialize_with = "crate::source::required")]
    pub vendor: String,
    #[serde(deserialize_with = "crate::source::required")]
    pub start: String,
    #[serde(default, deserialize_with = "crate::source::text")]
    pub end: Option<String>,
    #[serde(default, deserialize_with = "crate::source::text")]
    pub description: Option<String>,
}

/// A dotted path into a JSON value: object keys, and array indexes as numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path(Vec<String>);

impl Path {
    pub fn parse(field: &str, raw: &str) -> Result<Self, String> {
        let parts: Vec<String> = raw
            .split('.')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        if parts.len() > MAX_PATH_PARTS {
            return Err(format!("{field}: at most {MAX_PATH_PARTS} parts"));
        }
        Ok(Self(parts))
    }

    /// The value at this path in `v`.
    pub fn get<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        self.0.iter().try_fold(v, |at, part| match at {
            Value::Object(o) => o.get(part),
            Value::Array(items) => items.get(part.parse::<usize>().ok()?),
            _ => None,
        })
    }
}

/// How a reply is read.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub list: Path,
    pub vendor: Path,
    pub start: Path,
    pub end: Option<Path>,
    pub description: Option<Path>,
    pub date_formats: Vec<String>,
    pub next: Option<Path>,
}

impl Mapping {
    pub fn new(s: JsonApiSettings) -> Result<Self, String> {
        let date_formats = s.date_formats.unwrap_or_default();
        for f in &date_formats {
            if StrftimeItems::new(f).parse().is_err() {
                return Err(format!("date_formats: {f:?} is not a date format"));
            }
        }
        let m = s.field_map;
        Ok(Self {
            list: Path::parse("response_path", s.response_path.as_deref().unwrap_or(""))?,
            vendor: Path::parse("field_map.vendor", &m.vendor)?,
            start: Path::parse("field_map.start", &m.start)?,
            end: m
                .end
                .as_deref()
                .map(|e| Path::parse("field_map.end", e))
                .transpose()?,
            description: m
                .description
                .as_deref()
                .map(|d| Path::parse("field_map.description", d))
                .transpose()?,
            date_formats,
            next: s
                .next_path
                .as_deref()
                .map(|n| Path::parse("next_path", n))
                .transpose()?,
        })
    }
}

#[derive(Debug, Clone)]
pub struct JsonApi {
    url: url::Url,
    mapping: Mapping,
}

impl JsonApi {
    pub fn new(brewery: &atg_core::Brewery, s: JsonApiSettings) -> Result<Self, String> {
        Ok(Self {
            url: url::Url::parse(&brewery.url).map_err(|e| format!("url: {e}"))?,
            mapping: Mapping::new(s)?,
        })
    }

    /// One page of this API's reply.
    pub fn page(&self, body: &str, ctx: &ParseContext) -> Result<Page, ParseError> {
        parse(body, &self.mapping, ctx)
    }

    pub async fn scrape(
        &self,
        http: &Fetcher,
        ctx: &ParseContext,
    ) -> Result<Vec<FoodTruckEvent>, SourceError> {
        let mapping = self.mapping.clone();
        crate::paging::follow(http, ctx, self.url.clone(), move |body, ctx| {
            parse(body, &mapping, ctx)
        })
        .await
    }
}

/// One page of a JSON API, read by `mapping`.
pub fn parse(body: &str, mapping: &Mapping, ctx: &ParseContext) -> Result<Page, ParseError> {
    let json = json_reply(require_body(body, "API reply")?, &ctx.budget, "API reply")?;
    let list = mapping
        .list
        .get(&json)
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ParseError::new(format!(
                "the API reply has no list at {:?} (response_path)",
                mapping.list.0.join(".")
            ))
        })?;
    ctx.budget.entries(list.len())?;
    Ok(Page {
        events: list.iter().filter_map(|i| item(i, mapping, ctx)).collect(),
        next: mapping
            .next
            .as_ref()
            .and_then(|p| p.get(&json))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
    })
}

/// A field as text: a string (markup read as its text), a number, or WordPress's
/// `{"rendered": …}`.
fn field_text(v: &Value, ctx: &ParseContext) -> Option<String> {
    let text = match v {
        Value::String(s) => crate::text::markup_text(s, &ctx.budget)?,
        Value::Number(n) => n.to_string(),
        Value::Object(o) => return field_text(o.get("rendered")?, ctx),
        _ => return None,
    };
    Some(clean_text(&text)).filter(|t| !t.is_empty())
}

/// A start or end: a time on the site's clock, or a day.
enum When {
    At(NaiveDateTime),
    Day(NaiveDate),
}

fn when(v: &Value, mapping: &Mapping, ctx: &ParseContext) -> Option<When> {
    if let Some(ms) = v.as_i64() {
        return ctx.epoch_ms(ms).map(When::At);
    }
    let raw = v.as_str()?.trim();
    if let Some(t) = ctx.wall_clock(raw) {
        return Some(When::At(crate::text::whole_seconds(t)));
    }
    if let Some(d) = iso_date(raw) {
        return Some(When::Day(d));
    }
    for f in &mapping.date_formats {
        if let Ok(t) = NaiveDateTime::parse_from_str(raw, f) {
            return atg_core::sane_datetime(t).map(When::At);
        }
        if let Ok(d) = NaiveDate::parse_from_str(raw, f) {
            return atg_core::sane_date(d).map(When::Day);
        }
    }
    None
}

fn item(v: &Value, mapping: &Mapping, ctx: &ParseContext) -> Option<FoodTruckEvent> {
    let vendor = field_text(mapping.vendor.get(v)?, ctx)?;
    let start = when(mapping.start.get(v)?, mapping, ctx)?;
    let date = match start {
        When::At(t) => t.date(),
        When::Day(d) => d,
    };
    let mut e = ctx.entry(&vendor, &[], date)?;
    if let When::At(s) = start {
        e.start_time = Some(s);
        let end = mapping.end.as_ref().and_then(|p| p.get(v));
        if let Some(When::At(end)) = end.and_then(|x| when(x, mapping, ctx)) {
            e.end_time = Some(end).filter(|end| *end > s);
        }
    }
    e.description = mapping
        .description
        .as_ref()
        .and_then(|p| p.get(v))
        .and_then(|d| field_text(d, ctx));
    Some(e)
}

/// Where a reply's list may be, tried in order (`probe`).
const LIST_PATHS: &[&str] = &[
    "",
    "events",
    "data",
    "data.events",
    "items",
    "results",
    "posts",
];
/// An item's vendor, start, end and next page, as APIs name them (`probe`).
const VENDOR_PATHS: &[&str] = &["title.rendered", "title", "name.text", "name", "summary"];
const START_PATHS: &[&str] = &[
    "start_date",
    "startDate",
    "start",
    "starts_at",
    "start_time",
    "start.local",
    "start.dateTime",
    "when.0.start",
    "dates.start",
    "date",
];
const END_PATHS: &[&str] = &[
    "end_date",
    "endDate",
    "end",
    "ends_at",
    "end_time",
    "end.local",
    "end.dateTime",
    "when.0.end",
    "dates.end",
];
const NEXT_PATHS: &[&str] = &[
    "next_rest_url",
    "next",
    "links.next",
    "pagination.next_url",
    "pagination.next",
    "next_page_url",
];

/// The entry's settings for a JSON reply nobody described yet (`probe`): the first list of
/// objects among the usual places, and the usual names of an item's title, start and end.
/// `None` when nothing there reads as events.
pub fn guess(body: &str, ctx: &ParseContext) -> Option<serde_json::Map<String, Value>> {
    let t = body.trim_start();
    if !t.starts_with(['{', '[']) {
        return None;
    }
    let json = json_reply(body, &ctx.budget, "API reply").ok()?;
    let (list, items) = LIST_PATHS.iter().find_map(|p| {
        let items = Path::parse("", p).ok()?.get(&json)?.as_array()?;
        items.first()?.as_object()?;
        Some((*p, items))
    })?;
    let first_path = |paths: &[&'static str], ok: &dyn Fn(&Value) -> bool| {
        paths.iter().copied().find(|p| {
            Path::parse("", p)
                .ok()
                .is_some_and(|path| items.iter().take(20).any(|i| path.get(i).is_some_and(ok)))
        })
    };
    let probe_mapping = Mapping {
        list: Path(Vec::new()),
        vendor: Path(Vec::new()),
        start: Path(Vec::new()),
        end: None,
        description: None,
        date_formats: Vec::new(),
        next: None,
    };
    let reads_as_time = |v: &Value| when(v, &probe_mapping, ctx).is_some();
    let vendor = first_path(VENDOR_PATHS, &|v| field_text(v, ctx).is_some())?;
    let start = first_path(START_PATHS, &reads_as_time)?;
    let end = first_path(END_PATHS, &reads_as_time);
    let next = NEXT_PATHS.iter().copied().find(|p| {
        Path::parse("", p)
            .ok()
            .and_then(|path| path.get(&json).and_then(Value::as_str).map(str::to_string))
            .is_some_and(|s| s.contains('/'))
    });
    let mut field_map = serde_json::Map::new();
    field_map.insert("vendor".into(), vendor.into());
    field_map.insert("start".into(), start.into());
    if let Some(e) = end {
        field_map.insert("end".into(), e.into());
    }
    let mut settings = serde_json::Map::new();
    if !list.is_empty() {
        settings.insert("response_path".into(), list.into());
    }
    settings.insert("field_map".into(), Value::Object(field_map));
    if let Some(n) = next {
        settings.insert("next_path".into(), n.into());
    }
    Some(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_paths_reach_into_objects_and_arrays() {
        let v: Value = serde_json::json!({"a": {"b": [{"c": 1}, {"c": 2}]}});
        assert_eq!(
            Path::parse("p", "a.b.1.c").unwrap().get(&v),
            Some(&Value::from(2))
        );
        assert_eq!(Path::parse("p", "").unwrap().get(&v), Some(&v));
        assert_eq!(Path::parse("p", "a.x").unwrap().get(&v), None);
        assert!(Path::parse("p", &"a.".repeat(40)).is_err());
    }
}
