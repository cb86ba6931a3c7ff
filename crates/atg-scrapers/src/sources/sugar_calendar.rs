//! Urban Family Brewing: a WordPress "Sugar Calendar" page (this month) plus its AJAX endpoint
//! (next month), with the legacy Hivey JSON API as a fallback when the page yields nothing.
//! Trucks announced only as a logo keep their image for the vision step.

use std::collections::HashSet;
use std::sync::LazyLock;

use atg_core::FoodTruckEvent;
use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;

use crate::bounded::{html_document, html_fragment, json_reply, json_within};
use crate::fetch::{Fetcher, Request};
use crate::source::{ParseContext, ParseError, SourceError, off_runtime, require_body};
use crate::text::{clean_text, element_text, iso_date};

/// The WordPress host answers 403 to clients that do not look like a browser.
const BROWSER_UA: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36";
const PAGE_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// `"parser": "sugar-calendar"`'s settings.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SugarCalendarSettings {
    /// The calendar page (default: the brewery's `url`).
    #[serde(default, deserialize_with = "crate::source::url")]
    pub calendar_url: Option<String>,
    /// WordPress's `admin-ajax.php`, asked for next month.
    #[serde(default, deserialize_with = "crate::source::url")]
    pub calendar_ajax_endpoint: Option<String>,
    /// The legacy Hivey API, read when the page yields nothing.
    #[serde(default, deserialize_with = "crate::source::url")]
    pub api_endpoint: Option<String>,
    /// The `Referer` the page is asked with.
    #[serde(default, deserialize_with = "crate::source::url")]
    pub referer: Option<String>,
    /// The `Origin` the AJAX call is made with.
    #[serde(default, deserialize_with = "crate::source::url")]
    pub origin: Option<String>,
    /// Hivey's vendor ids → names.
    #[serde(default)]
    pub vendor_ids: std::collections::BTreeMap<String, String>,
}

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
    pub fn new(brewery: &atg_core::Brewery, s: SugarCalendarSettings) -> Result<Self, String> {
        Ok(Self {
            calendar_url: s.calendar_url.unwrap_or_else(|| brewery.url.clone()),
            ajax_endpoint: s.calendar_ajax_endpoint,
            api_endpoint: s.api_endpoint,
            referer: s.referer,
            origin: s.origin,
            vendor_ids: s.vendor_ids.into_iter().collect(),
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
            Ok(r) => {
                let ids = self.vendor_ids.clone();
                off_runtime(ctx, move |ctx| super::hivey::parse(&r.body, &ids, ctx))
                    .await
                    .map_err(SourceError::from)
            }
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
        let (mut events, next) =
            off_runtime(ctx, move |ctx| parse_calendar_page(&page.body, ctx)).await?;
        if let (Some(form), Some(endpoint)) = (next, &self.ajax_endpoint) {
            let mut req =
                Self::browser(Request::post_form(endpoint, form), Some(&self.calendar_url));
            if let Some(o) = &self.origin {
                req = req.header("origin", o.clone());
            }
            match http.send(&req).await {
                Ok(r) => match off_runtime(ctx, move |ctx| parse_ajax_reply(&r.body, ctx)).await {
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

static CELL: LazyLock<Selector> =
    LazyLock::new(|| crate::patterns::css("div.sugar-calendar-block__event-cell"));
static TITLE: LazyLock<Selector> =
    LazyLock::new(|| crate::patterns::css(".sugar-calendar-block__event-cell__title"));
static TIME: LazyLock<Selector> = LazyLock::new(|| crate::patterns::css("time"));
static BLOCK: LazyLock<Selector> = LazyLock::new(|| {
    crate::patterns::css(".sugar-calendar-block[data-attributes], [id^=sc-code-][data-attributes]")
});
static NONCE: LazyLock<Regex> =
    LazyLock::new(|| crate::patterns::regex(r#""nonce"\s*:\s*"([A-Za-z0-9]+)""#));

/// The form fields of the AJAX call that asks for next month.
pub type AjaxForm = Vec<(String, String)>;

/// The page's food-truck events, and the AJAX form that asks for next month when the page
/// carries everything it needs.
pub fn parse_calendar_page(
    body: &str,
    ctx: &ParseContext,
) -> Result<(Vec<FoodTruckEvent>, Option<AjaxForm>), ParseError> {
    let doc = html_document(require_body(body, "calendar page")?, &ctx.budget)?;
    let events = cells(&doc, ctx)?;
    Ok((events, next_month_form(&doc, body)))
}

/// The AJAX reply: `{"success": true, "data": {"body": "<html of the month>"}}`.
pub fn parse_ajax_reply(body: &str, ctx: &ParseContext) -> Result<Vec<FoodTruckEvent>, ParseError> {
    let json = json_reply(body, &ctx.budget, "calendar AJAX reply")?;
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
    cells(&html_fragment(html, &ctx.budget)?, ctx)
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

fn cells(doc: &Html, ctx: &ParseContext) -> Result<Vec<FoodTruckEvent>, ParseError> {
    Ok(ctx
        .budget
        .take_entries(doc.select(&CELL))?
        .into_iter()
        .filter(|c| is_food_truck_cell(*c, ctx))
        .filter_map(|c| cell_event(c, ctx))
        .collect())
}

/// A cell belongs to a food-truck calendar, or says nothing about its calendars.
fn is_food_truck_cell(cell: ElementRef<'_>, ctx: &ParseContext) -> bool {
    let Some(info) = cell
        .value()
        .attr("data-calendarsinfo")
        .and_then(|a| json_within(a, &ctx.budget).ok())
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
        .map(|t| {
            t.value()
                .attr("datetime")
                .and_then(|raw| ctx.wall_clock(raw))
        })
        .collect();
    let start = times.first().copied().flatten().or_else(|| {
        let day = json_within(cell.value().attr("data-daydate")?, &ctx.budget).ok()?;
        let raw = day.pointer("/start_date/datetime")?.as_str()?;
        ctx.wall_clock(raw)
            .or_else(|| iso_date(raw).map(|d| d.and_time(chrono::NaiveTime::MIN)))
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
        let s = Selector::parse(&format!("input[name=\"{name}\"]")).ok()?;
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
