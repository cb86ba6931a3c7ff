//! Wheelie Pop Brewing: the WordPress "My Calendar" plugin's list view, fetched for this month
//! and next. Each day is an `li.mc-events` whose id carries the date; each food-truck event an
//! `article.mc_food-truck` with an `h3.event-title` and `<time>` elements.

use std::collections::HashSet;
use std::sync::LazyLock;

use atg_core::FoodTruckEvent;
use chrono::{Datelike, NaiveDate};
use futures::future::join_all;
use regex::Regex;
use scraper::{ElementRef, Selector};

use crate::bounded::html_document;
use crate::fetch::{Fetcher, Request};
use crate::source::{
    ParseContext, ParseError, SourceError, join_months, off_runtime, require_body,
};
use crate::template::UrlTemplate;
use crate::text::element_text;

const MOBILE_UA: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36";
const PLACEHOLDERS: &[&str] = &["year", "month", "month2", "month_name"];

/// `"parser": "my-calendar"`'s settings.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MyCalendarSettings {
    /// The month's list view, with `{year}`, `{month}`, `{month2}`, `{month_name}`.
    #[serde(deserialize_with = "crate::source::required")]
    pub list_url: String,
    /// The id of the calendar's container element.
    #[serde(deserialize_with = "crate::source::required")]
    pub calendar_id: String,
    /// The class of a food-truck event (default `mc_food-truck`).
    #[serde(default, deserialize_with = "crate::source::text")]
    pub category_class: Option<String>,
}

#[derive(Debug, Clone)]
pub struct MyCalendar {
    list_url: UrlTemplate,
    /// The id of the calendar's container element.
    calendar_id: String,
    /// The class that marks a food-truck event.
    category_class: String,
}

impl MyCalendar {
    pub fn new(_: &atg_core::Brewery, s: MyCalendarSettings) -> Result<Self, String> {
        Ok(Self {
            list_url: UrlTemplate::new(&s.list_url, "list_url", PLACEHOLDERS)?,
            calendar_id: s.calendar_id,
            category_class: s.category_class.unwrap_or_else(|| "mc_food-truck".into()),
        })
    }

    pub fn month_url(&self, first: NaiveDate) -> String {
        self.list_url.fill(&[
            ("year", &first.year().to_string()),
            ("month", &first.month().to_string()),
            ("month2", &format!("{:02}", first.month())),
            ("month_name", &first.format("%B").to_string()),
        ])
    }

    pub async fn scrape(
        &self,
        http: &Fetcher,
        ctx: &ParseContext,
    ) -> Result<Vec<FoodTruckEvent>, SourceError> {
        let replies = join_all(ctx.this_and_next_month().map(|m| {
            let url = self.month_url(m);
            let req = Request::get(url.clone())
                .header("x-requested-with", "XMLHttpRequest")
                .header("accept", "text/html, */*; q=0.01")
                .header("user-agent", MOBILE_UA)
                .header("referer", url);
            async move { http.send(&req).await }
        }))
        .await;
        let mut months = Vec::with_capacity(replies.len());
        for reply in replies {
            months.push(match reply {
                Ok(r) => {
                    let (id, class) = (self.calendar_id.clone(), self.category_class.clone());
                    off_runtime(ctx, move |ctx| parse(&r.body, &id, &class, ctx))
                        .await
                        .map_err(SourceError::from)
                }
                Err(e) => Err(e.into()),
            });
        }
        join_months(months, ctx).map(dedup)
    }
}

fn sel(s: &str) -> Result<Selector, ParseError> {
    Selector::parse(s).map_err(|e| ParseError::new(format!("bad selector {s:?}: {e}")))
}

static LIST_ID_DATE: LazyLock<Regex> =
    LazyLock::new(|| crate::patterns::regex(r"list-(?:.*-)?(\d{4})-(\d{2})-(\d{2})$"));

/// One month's list view. A page without the calendar container is not a calendar page.
pub fn parse(
    body: &str,
    calendar_id: &str,
    category_class: &str,
    ctx: &ParseContext,
) -> Result<Vec<FoodTruckEvent>, ParseError> {
    let doc = html_document(require_body(body, "calendar list page")?, &ctx.budget)?;
    let container = doc
        .select(&sel(&format!("[id=\"{calendar_id}\"]"))?)
        .next()
        .ok_or_else(|| ParseError::new(format!("no calendar #{calendar_id} on the page")))?;
    let days = sel("ul.mc-list > li.mc-events")?;
    let article = sel("article")?;
    let mut events = Vec::new();
    for day in ctx.budget.take_entries(container.select(&days))? {
        let Some(date) = day.value().attr("id").and_then(list_date) else {
            continue;
        };
        for a in ctx.budget.take_entries(day.select(&article))? {
            if a.value().classes().any(|c| c == category_class) {
                events.extend(article_event(a, date, ctx)?);
            }
        }
    }
    Ok(events)
}

fn list_date(id: &str) -> Option<NaiveDate> {
    let c = LIST_ID_DATE.captures(id)?;
    crate::text::sane_ymd(NaiveDate::from_ymd_opt(
        c[1].parse().ok()?,
        c[2].parse().ok()?,
        c[3].parse().ok()?,
    )?)
}

fn article_event(
    a: ElementRef<'_>,
    date: NaiveDate,
    ctx: &ParseContext,
) -> Result<Option<FoodTruckEvent>, ParseError> {
    let Some(title) = a.select(&sel("h3.event-title")?).next().map(element_text) else {
        return Ok(None);
    };
    let name = vendor_from_title(&title);
    if name.is_empty() {
        return Ok(None);
    }
    let time = |s: &str| -> Result<Option<chrono::NaiveDateTime>, ParseError> {
        Ok(a.select(&sel(s)?).next().and_then(|t| {
            let v = t.value();
            v.attr("datetime")
                .or_else(|| v.attr("content"))
                .and_then(|raw| ctx.wall_clock(raw))
        }))
    };
    let mut ev = ctx.event(name, date);
    ev.start_time = time(".event-time time")?;
    ev.end_time = time(".end-time time")?.filter(|e| ev.start_time.is_none_or(|s| *e > s));
    Ok(Some(ev))
}

/// `Food Truck: Tisket Tasket` → `Tisket Tasket`; `Dinner : Kaosamai Thai` → `Kaosamai Thai`.
pub fn vendor_from_title(title: &str) -> String {
    // ASCII lower-casing keeps byte offsets valid for `title` (full Unicode lower-casing does not).
    let lower = title.to_ascii_lowercase();
    if let Some(i) = lower.find("food truck:") {
        let rest = title[i + "food truck:".len()..].trim();
        if !rest.is_empty() {
            return rest.to_string();
        }
    }
    match title.rsplit_once(':') {
        Some((_, rest)) if !rest.trim().is_empty() => rest.trim().to_string(),
        _ => title.trim().to_string(),
    }
}

fn dedup(events: Vec<FoodTruckEvent>) -> Vec<FoodTruckEvent> {
    let mut seen = HashSet::new();
    events
        .into_iter()
        .filter(|e| seen.insert((e.date, e.start_time, e.vendor.to_lowercase())))
        .collect()
}
