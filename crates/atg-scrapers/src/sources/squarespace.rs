//! Squarespace calendar (Yonder Cider & Bale Breaker): the page names the calendar's
//! collection id; the month API (`GetItemsByMonth`) returns that month's events as JSON with
//! epoch-millisecond UTC times. This month and next are fetched, by calendar arithmetic in
//! Pacific time (the original's now+32 d skipped whole months).

use std::sync::LazyLock;

use atg_core::FoodTruckEvent;
use chrono::{Datelike, NaiveDate};
use futures::future::join_all;
use regex::Regex;
use scraper::Selector;
use serde_json::Value;

use crate::bounded::{html_document, json_reply, json_within};
use crate::budget::Budget;
use crate::fetch::{Fetcher, Request};
use crate::source::{
    ParseContext, ParseError, SourceError, join_months, off_runtime, require_body,
};
use crate::template::UrlTemplate;
use crate::text::{clean_text, whole_seconds};

#[derive(Debug, Clone)]
pub struct Squarespace {
    page_url: String,
    month_api: UrlTemplate,
    fallback_collection_id: Option<String>,
}

/// `"parser": "squarespace-calendar"`'s settings.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SquarespaceSettings {
    /// The month API's address, with `{month_name}`, `{year}`, `{month}`, `{month2}` and
    /// `{collection_id}`.
    #[serde(deserialize_with = "crate::source::required")]
    pub month_api_url: String,
    /// The collection id to use when the page cannot be read (it answers 403 to some clients).
    #[serde(default, deserialize_with = "crate::source::text")]
    pub fallback_collection_id: Option<String>,
}

const PLACEHOLDERS: &[&str] = &["month_name", "year", "month", "month2", "collection_id"];

impl Squarespace {
    pub fn new(brewery: &atg_core::Brewery, s: SquarespaceSettings) -> Result<Self, String> {
        Ok(Self {
            page_url: brewery.url.clone(),
            month_api: UrlTemplate::new(&s.month_api_url, "month_api_url", PLACEHOLDERS)?,
            fallback_collection_id: s.fallback_collection_id,
        })
    }

    /// The month API URL of the month starting at `first`.
    pub fn month_url(&self, first: NaiveDate, collection_id: &str) -> String {
        self.month_api.fill(&[
            ("month_name", &first.format("%B").to_string()),
            ("year", &first.year().to_string()),
            ("month", &first.month().to_string()),
            ("month2", &format!("{:02}", first.month())),
            ("collection_id", collection_id),
        ])
    }

    pub async fn scrape(
        &self,
        http: &Fetcher,
        ctx: &ParseContext,
    ) -> Result<Vec<FoodTruckEvent>, SourceError> {
        let found = match http.send(&Request::get(&self.page_url)).await {
            Ok(page) => off_runtime(ctx, move |ctx| collection_id(&page.body, &ctx.budget)).await?,
            // The site has answered bare clients with 403; the known id still works.
            Err(e) if e.status() == Some(403) && self.fallback_collection_id.is_some() => {
                tracing::warn!(brewery = %ctx.brewery_key, error = %e, "using the configured fallback collection id");
                None
            }
            Err(e) => return Err(e.into()),
        };
        let id = found
            .or_else(|| self.fallback_collection_id.clone())
            .ok_or_else(|| {
                ParseError::new(format!(
                    "no Squarespace calendar collection id on {}",
                    self.page_url
                ))
            })?;
        let months = ctx.this_and_next_month();
        let replies = join_all(months.iter().map(|m| {
            let url = self.month_url(*m, &id);
            async move { http.send(&Request::get(url)).await }
        }))
        .await;
        let mut months = Vec::with_capacity(replies.len());
        for reply in replies {
            months.push(match reply {
                Ok(r) => off_runtime(ctx, move |ctx| parse_month(&r.body, ctx))
                    .await
                    .map_err(SourceError::from),
                Err(e) => Err(e.into()),
            });
        }
        join_months(months, ctx)
    }
}

static CALENDAR_BLOCK: LazyLock<Selector> =
    LazyLock::new(|| crate::patterns::css("div.calendar-block[data-block-json]"));
static SCRIPT: LazyLock<Selector> = LazyLock::new(|| crate::patterns::css("script"));
static ID_IN_SCRIPT: LazyLock<Regex> =
    LazyLock::new(|| crate::patterns::regex(r#""collectionId"\s*:\s*"([^"]+)""#));

/// The calendar's collection id: from a calendar block's `data-block-json`, else from a
/// script.
pub fn collection_id(page: &str, budget: &Budget) -> Result<Option<String>, ParseError> {
    let doc = html_document(page, budget)?;
    let from_block = budget
        .take_entries(doc.select(&CALENDAR_BLOCK))?
        .into_iter()
        .find_map(|b| {
            let json = json_within(b.value().attr("data-block-json")?, budget).ok()?;
            json.get("collectionId")?
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        });
    if from_block.is_some() {
        return Ok(from_block);
    }
    Ok(budget
        .take_entries(doc.select(&SCRIPT))?
        .into_iter()
        .find_map(|s| {
            let text = s.text().collect::<String>();
            ID_IN_SCRIPT.captures(&text).map(|c| c[1].to_string())
        }))
}

/// One month's items: `title`, `startDate` and `endDate` in epoch milliseconds (UTC).
pub fn parse_month(body: &str, ctx: &ParseContext) -> Result<Vec<FoodTruckEvent>, ParseError> {
    let json = json_reply(
        require_body(body, "month API reply")?,
        &ctx.budget,
        "month API reply",
    )?;
    let items = json
        .as_array()
        .ok_or_else(|| ParseError::new("month API reply is not a JSON array"))?;
    ctx.budget.entries(items.len())?;
    Ok(items
        .iter()
        .filter_map(|item| month_item(item, ctx))
        .collect())
}

fn month_item(item: &Value, ctx: &ParseContext) -> Option<FoodTruckEvent> {
    let title = clean_text(item.get("title")?.as_str()?);
    if title.is_empty() {
        return None;
    }
    let epoch_ms = |v: &Value| epoch_ms(v, ctx);
    let start = epoch_ms(item.get("startDate")?)?;
    let mut ev = ctx.event(title, start.date());
    ev.start_time = Some(start);
    ev.end_time = item
        .get("endDate")
        .and_then(epoch_ms)
        .filter(|e| *e > start);
    Some(ev)
}

fn epoch_ms(v: &Value, ctx: &ParseContext) -> Option<chrono::NaiveDateTime> {
    // `as i64` saturates a float that does not fit (and makes NaN 0): no overflow either way.
    let ms = v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))?;
    Some(whole_seconds(ctx.epoch_ms(ms)?))
}
