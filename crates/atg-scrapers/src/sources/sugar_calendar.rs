//! Urban Family Brewing: a WordPress "Sugar Calendar" page (this month) plus its AJAX endpoint
//! (next month), with the legacy Hivey JSON API as a fallback when the page yields nothing.
//! Trucks announced only as a logo keep their image for the vision step.

use std::collections::HashSet;
use std::sync::LazyLock;

use atg_core::{FoodTruckEvent, UNNAMED_VENDOR, infer_year};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;

use super::{ParseContext, ParseError, Settings, SourceError, require_body};
use crate::fetch::{Fetcher, Request};
use crate::text::{clean_text, element_text, iso_date, iso_to_pacific};
use crate::timeparse::parse_reading;

/// The WordPress host answers 403 to clients that do not look like a browser.
const BROWSER_UA: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36";
const PAGE_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

#[derive(Debug, Clone)]
pub struct SugarCalendar {
    calendar_url: String,
    ajax_endpoint: Option<String>,
    api_endpoint: Option<String>,
    referer: Option<String>,
    origin: Option<String>,
    vendor_ids: Vec<(String, String)>,
}

impl SugarCalendar {
    pub fn new(s: &Settings<'_>) -> Result<Self, String> {
        Ok(Self {
            calendar_url: s
                .url("calendar_url")?
                .unwrap_or_else(|| s.brewery.url.clone()),
            ajax_endpoint: s.url("calendar_ajax_endpoint")?,
            api_endpoint: s.url("api_endpoint")?,
            referer: s.url("referer")?,
            origin: s.url("origin")?,
            vendor_ids: s.string_map("vendor_ids")?,
        })
    }

    fn browser(req: Request, referer: Option<&String>) -> Request {
        let req = req
            .header("user-agent", BROWSER_UA)
            .header("accept", PAGE_ACCEPT)
            .header("accept-language", "en-US,en;q=0.9");
        match referer {
            Some(r) => req.header("referer", r.clone()),
            None => req,
        }
    }

    pub async fn scrape(
        &self,
        http: &Fetcher,
        ctx: &ParseContext,
    ) -> Result<Vec<FoodTruckEvent>, SourceError> {
        let primary = self.scrape_calendar(http, ctx).await;
        let primary_error = match primary {
            Ok(events) if !events.is_empty() => return Ok(events),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(brewery = %ctx.brewery_key, error = %e, "calendar page not read");
                Some(e)
            }
        };
        let Some(api) = &self.api_endpoint else {
            return primary_error.map_or(Ok(Vec::new()), Err);
        };
        let req = Request::get(api)
            .header("accept", "application/json, text/plain, */*")
            .header("user-agent", BROWSER_UA);
        let fallback = match http.send(&req).await {
            Ok(r) => parse_hivey(&r.body, &self.vendor_ids, ctx).map_err(SourceError::from),
            Err(e) => Err(e.into()),
        };
        match (fallback, primary_error) {
            (Ok(events), _) => Ok(events),
            // The page was read and had no trucks: that answer stands.
            (Err(e), None) => {
                tracing::warn!(brewery = %ctx.brewery_key, error = %e, "fallback API failed");
                Ok(Vec::new())
            }
            (Err(e), Some(p)) => {
                tracing::warn!(brewery = %ctx.brewery_key, calendar = %p, "calendar page and fallback API both failed");
                Err(e)
            }
        }
    }

    async fn scrape_calendar(
        &self,
        http: &Fetcher,
        ctx: &ParseContext,
    ) -> Result<Vec<FoodTruckEvent>, SourceError> {
        let page = http
            .send(&Self::browser(
                Request::get(&self.calendar_url),
                self.referer.as_ref(),
            ))
            .await?;
        let (mut events, next) = parse_calendar_page(&page.body, ctx)?;
        if let (Some(form), Some(endpoint)) = (next, &self.ajax_endpoint) {
            let mut req =
                Self::browser(Request::post_form(endpoint, form), Some(&self.calendar_url));
            if let Some(o) = &self.origin {
                req = req.header("origin", o.clone());
            }
            match http.send(&req).await {
                Ok(r) => match parse_ajax_reply(&r.body, ctx) {
                    Ok(mut more) => events.append(&mut more),
                    Err(e) => {
                        tracing::warn!(brewery = %ctx.brewery_key, error = %e, "next month not read")
                    }
                },
                Err(e) => {
                    tracing::warn!(brewery = %ctx.brewery_key, error = %e, "next month not fetched")
                }
            }
        }
        Ok(dedup(events))
    }
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap_or_else(|e| unreachable!("selector {s}: {e}"))
}

static CELL: LazyLock<Selector> = LazyLock::new(|| sel("div.sugar-calendar-block__event-cell"));
static TITLE: LazyLock<Selector> =
    LazyLock::new(|| sel(".sugar-calendar-block__event-cell__title"));
static TIME: LazyLock<Selector> = LazyLock::new(|| sel("time"));
static BLOCK: LazyLock<Selector> = LazyLock::new(|| {
    sel(".sugar-calendar-block[data-attributes], [id^=sc-code-][data-attributes]")
});
static NONCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""nonce"\s*:\s*"([A-Za-z0-9]+)""#).unwrap_or_else(|e| unreachable!("{e}"))
});

/// The form fields of the AJAX call that asks for next month.
pub type AjaxForm = Vec<(String, String)>;

/// The page's food-truck events, and the AJAX form that asks for next month when the page
/// carries everything it needs.
pub fn parse_calendar_page(
    body: &str,
    ctx: &ParseContext,
) -> Result<(Vec<FoodTruckEvent>, Option<AjaxForm>), ParseError> {
    let doc = Html::parse_document(require_body(body, "calendar page")?);
    let events = cells(&doc, ctx);
    Ok((events, next_month_form(&doc, body)))
}

/// The AJAX reply: `{"success": true, "data": {"body": "<html of the month>"}}`.
pub fn parse_ajax_reply(body: &str, ctx: &ParseContext) -> Result<Vec<FoodTruckEvent>, ParseError> {
    let json: Value = serde_json::from_str(body)
        .map_err(|e| ParseError::new(format!("calendar AJAX reply is not JSON: {e}")))?;
    if !json.get("success").is_some_and(truthy) {
        return Err(ParseError::new(
            "calendar AJAX reply says it did not succeed",
        ));
    }
    let html = json
        .pointer("/data/body")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ParseError::new("calendar AJAX reply has no data.body"))?;
    Ok(cells(&Html::parse_fragment(html), ctx))
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::Null => false,
    }
}

fn cells(doc: &Html, ctx: &ParseContext) -> Vec<FoodTruckEvent> {
    doc.select(&CELL)
        .filter(|c| is_food_truck_cell(*c))
        .filter_map(|c| cell_event(c, ctx))
        .collect()
}

/// A cell belongs to a food-truck calendar, or says nothing about its calendars.
fn is_food_truck_cell(cell: ElementRef<'_>) -> bool {
    let Some(info) = cell
        .value()
        .attr("data-calendarsinfo")
        .and_then(|a| serde_json::from_str::<Value>(a).ok())
    else {
        return true;
    };
    let names: Vec<String> = match info.get("calendars") {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(|c| c.as_str().or_else(|| c.get("name")?.as_str()))
            .map(str::to_lowercase)
            .collect(),
        Some(Value::Object(map)) => map
            .values()
            .filter_map(|c| c.as_str().or_else(|| c.get("name")?.as_str()))
            .map(str::to_lowercase)
            .collect(),
        _ => Vec::new(),
    };
    names.is_empty() || names.iter().any(|n| n.contains("food truck"))
}

fn cell_event(cell: ElementRef<'_>, ctx: &ParseContext) -> Option<FoodTruckEvent> {
    let name = clean_text(&element_text(cell.select(&TITLE).next()?));
    if name.is_empty() {
        return None;
    }
    let times: Vec<_> = cell
        .select(&TIME)
        .map(|t| t.value().attr("datetime").and_then(iso_to_pacific))
        .collect();
    let start = times.first().copied().flatten().or_else(|| {
        let day: Value = serde_json::from_str(cell.value().attr("data-daydate")?).ok()?;
        let raw = day.pointer("/start_date/datetime")?.as_str()?;
        iso_to_pacific(raw).or_else(|| iso_date(raw).map(|d| d.and_time(chrono::NaiveTime::MIN)))
    })?;
    let mut ev = ctx.event(name, start.date());
    ev.start_time = Some(start);
    ev.end_time = times.get(1).copied().flatten().filter(|e| *e > start);
    Some(ev)
}

/// The form fields of the "next month" AJAX call, read from the page.
fn next_month_form(doc: &Html, raw: &str) -> Option<AjaxForm> {
    let block = doc.select(&BLOCK).next()?;
    let attributes = block.value().attr("data-attributes")?.to_string();
    let accent = block
        .value()
        .attr("data-accentcolor")
        .unwrap_or("")
        .to_string();
    let nonce = NONCE.captures(raw)?[1].to_string();
    let input = |name: &str| -> Option<String> {
        let s = sel(&format!("input[name=\"{name}\"]"));
        let v = block
            .select(&s)
            .next()
            .or_else(|| doc.select(&s).next())?
            .value()
            .attr("value")?
            .trim()
            .to_string();
        (!v.is_empty()).then_some(v)
    };
    let id = input("sc_calendar_id")?;
    let (month, year, day) = (input("sc_month")?, input("sc_year")?, input("sc_day")?);
    let display = input("sc_display").unwrap_or_else(|| "month".to_string());
    let fields = [
        ("action", "sugar_calendar_block_update".to_string()),
        ("nonce", nonce),
        ("calendar_block[id]", id),
        ("calendar_block[attributes]", attributes),
        ("calendar_block[day]", day),
        ("calendar_block[month]", month),
        ("calendar_block[year]", year),
        ("calendar_block[search]", String::new()),
        ("calendar_block[accentColor]", accent),
        ("calendar_block[display]", display),
        ("calendar_block[visitor_tz_convert]", "0".to_string()),
        (
            "calendar_block[visitor_tz]",
            "America/Los_Angeles".to_string(),
        ),
        ("calendar_block[updateDisplay]", "false".to_string()),
        ("calendar_block[action]", "next_month".to_string()),
    ];
    Some(
        fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn dedup(events: Vec<FoodTruckEvent>) -> Vec<FoodTruckEvent> {
    let mut seen = HashSet::new();
    events
        .into_iter()
        .filter(|e| seen.insert((e.vendor.clone(), e.start_time, e.end_time)))
        .collect()
}

// ---- Hivey fallback ------------------------------------------------------------------------

const NOT_A_NAME: &[&str] = &["tbd", "tba", "to be announced", "unknown", "food truck"];
const NAME_FIELDS: &[&str] = &[
    "name",
    "vendor",
    "vendor_name",
    "food_truck",
    "food_truck_name",
    "truck_name",
    "business_name",
    "summary",
];
const DATE_FIELDS: &[&str] = &[
    "date",
    "start_date",
    "event_date",
    "start",
    "start_time",
    "datetime",
    "created_at",
    "scheduled_date",
];
const DESCRIPTION_FIELDS: &[&str] = &["description", "details", "notes", "content", "body"];

/// The Hivey public calendar: a list of items (or `{events: [...]}` / `{data: [...]}`).
pub fn parse_hivey(
    body: &str,
    vendor_ids: &[(String, String)],
    ctx: &ParseContext,
) -> Result<Vec<FoodTruckEvent>, ParseError> {
    let json: Value = serde_json::from_str(require_body(body, "Hivey API reply")?)
        .map_err(|e| ParseError::new(format!("Hivey API reply is not JSON: {e}")))?;
    let items: Vec<&Value> = match &json {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) if o.is_empty() => Vec::new(),
        Value::Object(o) => match o.get("events").or_else(|| o.get("data")) {
            Some(Value::Array(a)) => a.iter().collect(),
            _ => vec![&json],
        },
        Value::Null => Vec::new(),
        other => {
            return Err(ParseError::new(format!(
                "Hivey API reply is neither a list nor an object: {}",
                truncate(&other.to_string(), 60)
            )));
        }
    };
    Ok(items
        .into_iter()
        .filter_map(|i| hivey_item(i, vendor_ids, ctx))
        .collect())
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn str_field<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key)?
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn hivey_item(
    item: &Value,
    vendor_ids: &[(String, String)],
    ctx: &ParseContext,
) -> Option<FoodTruckEvent> {
    let first_date = item.get("eventDates").and_then(|d| d.get(0));
    let date = first_date
        .and_then(|d| str_field(d, "date"))
        .and_then(|s| parse_loose_date(s, ctx.today))
        .or_else(|| {
            DATE_FIELDS
                .iter()
                .filter_map(|f| str_field(item, f))
                .find_map(|s| parse_loose_date(s, ctx.today))
        })?;
    let mut ev = ctx.event(UNNAMED_VENDOR, date);
    match vendor_name(item, vendor_ids) {
        Some(n) => ev.vendor = n,
        None => ev.image_url = str_field(item, "eventImage").map(str::to_string),
    }
    let at = |s: &str| time_on(s, date);
    let mut start = first_date
        .and_then(|d| str_field(d, "startTime"))
        .and_then(at);
    let mut end = first_date
        .and_then(|d| str_field(d, "endTime"))
        .and_then(at);
    if start.is_none() && end.is_none() {
        for key in [
            "start_time",
            "end_time",
            "time",
            "duration",
            "start",
            "end",
            "scheduled_time",
        ] {
            let Some(raw) = str_field(item, key) else {
                continue;
            };
            if key == "time" {
                if let Some((s, e)) = crate::timeparse::parse_dash_range(raw) {
                    start = start.or(Some(date.and_time(s)));
                    end = end.or(Some(date.and_time(e)));
                }
            } else if key.contains("start") {
                start = start.or_else(|| at(raw));
            } else if key.contains("end") {
                end = end.or_else(|| at(raw));
            }
        }
    }
    if let (Some(s), Some(e)) = (start, end)
        && e <= s
    {
        end = e.checked_add_signed(Duration::days(1));
    }
    ev.start_time = start;
    ev.end_time = end;
    ev.description = DESCRIPTION_FIELDS
        .iter()
        .find_map(|f| str_field(item, f))
        .map(clean_text);
    Some(ev)
}

/// The vendor's name from the item's text, its vendor id, or its image's file name.
fn vendor_name(item: &Value, vendor_ids: &[(String, String)]) -> Option<String> {
    if let Some(title) = str_field(item, "eventTitle") {
        let title = clean_text(title);
        let rest = match title.find("FOOD TRUCK - ") {
            Some(i) => clean_text(&format!("{}{}", &title[..i], &title[i + 13..])),
            None => title.clone(),
        };
        if !rest.is_empty() && !NOT_A_NAME.contains(&rest.to_lowercase().as_str()) {
            return Some(rest);
        }
    }
    let vendor_id = item
        .pointer("/applicantVendors/0/vendorId")
        .and_then(Value::as_str);
    if let Some(name) = vendor_id.and_then(|id| vendor_ids.iter().find(|(k, _)| k == id)) {
        return Some(name.1.clone());
    }
    let named = NAME_FIELDS
        .iter()
        .filter_map(|f| str_field(item, f))
        .find_map(|n| {
            let n = clean_text(n);
            (!NOT_A_NAME.contains(&n.to_lowercase().as_str())).then_some(n)
        });
    named.or_else(|| str_field(item, "eventImage").and_then(name_from_image_url))
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

static DOTTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(\d{1,2})\.(\d{1,2})\b").unwrap_or_else(|e| unreachable!("{e}"))
});
static SLASHED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(\d{1,2})[/-](\d{1,2})[/-](\d{4})\b").unwrap_or_else(|e| unreachable!("{e}"))
});
static MONTH_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})\b(?:,?\s+(\d{4}))?")
        .unwrap_or_else(|e| unreachable!("{e}"))
});

/// A date as people and APIs write it: ISO, `July 06, 2025`, `07/06/2025`, `07-06-2025`,
/// `Jul 6`, `07.06`; a date without a year takes the year nearest today.
pub fn parse_loose_date(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let t = text.trim();
    if let Some(dt) = iso_to_pacific(t) {
        return Some(dt.date());
    }
    if let Some(d) = iso_date(t) {
        return Some(d);
    }
    for f in ["%B %d, %Y", "%B %d %Y", "%b %d, %Y", "%b %d %Y", "%m/%d/%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, f) {
            return crate::text::sane_ymd(d);
        }
    }
    if let Some(c) = SLASHED.captures(t) {
        return crate::text::sane_ymd(NaiveDate::from_ymd_opt(
            c[3].parse().ok()?,
            c[1].parse().ok()?,
            c[2].parse().ok()?,
        )?);
    }
    if let Some(c) = MONTH_NAME.captures(t) {
        let month = month_number(&c[1])?;
        let day: u32 = c[2].parse().ok()?;
        return match c.get(3) {
            Some(y) => crate::text::sane_ymd(NaiveDate::from_ymd_opt(
                y.as_str().parse().ok()?,
                month,
                day,
            )?),
            None => infer_year(today, month, day),
        };
    }
    let c = DOTTED.captures(t)?;
    infer_year(today, c[1].parse().ok()?, c[2].parse().ok()?)
}

/// `jan` → 1 … `dec` → 12 (three-letter prefix, any case).
pub fn month_number(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let p = name.get(..3)?.to_lowercase();
    MONTHS.iter().position(|m| *m == p).map(|i| i as u32 + 1)
}

/// A time of day on `date`: ISO timestamps are converted to Pacific, `13:00` and `1:00 pm`
/// read as written.
fn time_on(raw: &str, date: NaiveDate) -> Option<NaiveDateTime> {
    if raw.contains('T') || raw.contains('+') {
        return iso_to_pacific(raw);
    }
    Some(date.and_time(parse_reading(raw)?.as_24h()?))
}
