//! Squarespace's "list section" (`"parser": "squarespace-list"`; Lucky Envelope Brewing): a
//! `div.user-items-list-carousel` whose `data-current-context` attribute is JSON with a
//! `userItems` list. An item's `title` is the vendor; its `description` is HTML whose
//! paragraphs are, in order, the date (`Fri 3/13/26`, month/day/year), the hours (`5pm-8pm`,
//! `4:30-7:30pm`), then anything else (links).
//!
//! Settings: the rules every source has.

use std::sync::LazyLock;

use atg_core::FoodTruckEvent;
use chrono::NaiveDate;
use regex::Regex;
use scraper::Selector;
use serde_json::Value;

use crate::bounded::{html_document, html_fragment, json_reply};
use crate::fetch::Request;
use crate::source::{NoSettings, OnePage, ParseContext, ParseError, require_body};
use crate::text::{clean_text, collapse_ws};
use crate::timeparse::{find_range, on_day};

#[derive(Debug, Clone)]
pub struct SquarespaceList {
    url: String,
}

impl SquarespaceList {
    pub fn new(brewery: &atg_core::Brewery, _: NoSettings) -> Result<Self, String> {
        Ok(Self {
            url: brewery.url.clone(),
        })
    }
}

impl OnePage for SquarespaceList {
    fn request(&self, _ctx: &ParseContext) -> Request {
        Request::get(&self.url)
    }

    fn parse(&self, body: &str, ctx: &ParseContext) -> Result<Vec<FoodTruckEvent>, ParseError> {
        parse(body, ctx)
    }
}

static LIST: LazyLock<Selector> =
    LazyLock::new(|| crate::patterns::css("div.user-items-list-carousel[data-current-context]"));
static PARAGRAPH: LazyLock<Selector> = LazyLock::new(|| crate::patterns::css("p"));
static MONTH_DAY_YEAR: LazyLock<Regex> =
    LazyLock::new(|| crate::patterns::regex(r"\b(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})\b"));

/// The trucks of every list section on the page. A page without one is not a list page.
pub fn parse(body: &str, ctx: &ParseContext) -> Result<Vec<FoodTruckEvent>, ParseError> {
    let doc = html_document(require_body(body, "page")?, &ctx.budget)?;
    let lists = ctx.budget.take_entries(doc.select(&LIST))?;
    if lists.is_empty() {
        return Err(ParseError::new(
            "no Squarespace list section (div.user-items-list-carousel[data-current-context]) on the page",
        ));
    }
    let mut events = Vec::new();
    for list in lists {
        let Some(raw) = list.value().attr("data-current-context") else {
            continue;
        };
        let json = json_reply(raw, &ctx.budget, "the list section's data-current-context")?;
        let items = json
            .get("userItems")
            .and_then(Value::as_array)
            .ok_or_else(|| ParseError::new("the list section has no userItems"))?;
        ctx.budget.entries(items.len())?;
        events.extend(items.iter().filter_map(|i| item(i, ctx)));
    }
    Ok(events)
}

/// `3/13/26` or `3/13/2026`.
fn month_day_year(text: &str) -> Option<NaiveDate> {
    let c = MONTH_DAY_YEAR.captures(text)?;
    let year: i32 = c[3].parse().ok()?;
    let year = if c[3].len() == 2 { 2000 + year } else { year };
    atg_core::sane_date(NaiveDate::from_ymd_opt(
        year,
        c[1].parse().ok()?,
        c[2].parse().ok()?,
    )?)
}

fn item(item: &Value, ctx: &ParseContext) -> Option<FoodTruckEvent> {
    let title = clean_text(item.get("title")?.as_str()?);
    if title.is_empty() {
        return None;
    }
    let description = html_fragment(item.get("description")?.as_str()?, &ctx.budget).ok()?;
    let paragraphs: Vec<String> = description
        .select(&PARAGRAPH)
        .map(|p| collapse_ws(&p.text().collect::<String>()))
        .collect();
    let (at, date) = paragraphs
        .iter()
        .enumerate()
        .find_map(|(i, p)| Some((i, month_day_year(p)?)))?;
    let mut e = ctx.entry(&title, &[], date)?;
    if let Some(range) = paragraphs.iter().skip(at + 1).find_map(|p| find_range(p)) {
        let (s, t) = on_day(date, range);
        e.start_time = Some(s);
        e.end_time = Some(t);
    }
    Some(e)
}
