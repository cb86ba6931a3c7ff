//! The WordPress "The Events Calendar" REST API (`"parser": "tribe-events"`, `url` = the site's
//! `/wp-json/tribe/events/v1/events`): the window is asked for (`start_date`, `end_date`),
//! and the reply's `next_rest_url` pages are followed (at most [`MAX_PAGES`], on the same
//! host). Each event has a `title` (text, or `{"rendered": "<b>markup</b>"}` as WordPress
//! writes it), `start_date`/`end_date` in the reply's `timezone` (`2025-07-04 18:00:00`, or
//! ISO-8601 with an offset, `2025-07-04T18:00:00-04:00`, which is that instant) or
//! `utc_start_date`/`utc_end_date`, `all_day` and `categories`.
//!
//! Settings: the rules every source has (`include` and `exclude` also look at the categories,
//! `vendor_from`).

use atg_core::FoodTruckEvent;
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use serde_json::Value;

use crate::bounded::json_reply;
use crate::fetch::Fetcher;
pub use crate::paging::{MAX_PAGES, Page};
use crate::source::{NoSettings, ParseContext, ParseError, SourceError, require_body};
use crate::text::clean_text;

#[derive(Debug, Clone)]
pub struct TribeEvents {
    url: url::Url,
}

impl TribeEvents {
    pub fn new(brewery: &atg_core::Brewery, _: NoSettings) -> Result<Self, String> {
        let url = url::Url::parse(&brewery.url).map_err(|e| format!("url: {e}"))?;
        Ok(Self { url })
    }

    /// The first page's address: the configured one, asking for the window.
    pub fn first_page(&self, ctx: &ParseContext) -> String {
        let window = atg_core::ScheduleWindow::starting(ctx.today);
        let mut url = self.url.clone();
        url.query_pairs_mut()
            .append_pair(
                "start_date",
                &window.first.format("%Y-%m-%d 00:00:00").to_string(),
            )
            .append_pair(
                "end_date",
                &window.last.format("%Y-%m-%d 23:59:59").to_string(),
            )
            .append_pair("per_page", "50");
        url.to_string()
    }

    pub async fn scrape(
        &self,
        http: &Fetcher,
        ctx: &ParseContext,
    ) -> Result<Vec<FoodTruckEvent>, SourceError> {
        let first = url::Url::parse(&self.first_page(ctx))
            .map_err(|e| SourceError::Config(format!("url: {e}")))?;
        crate::paging::follow(http, ctx, first, parse).await
    }
}

/// One page of `/wp-json/tribe/events/v1/events`.
pub fn parse(body: &str, ctx: &ParseContext) -> Result<Page, ParseError> {
    let json = json_reply(
        require_body(body, "events API reply")?,
        &ctx.budget,
        "events API reply",
    )?;
    let list = json
        .get("events")
        .and_then(Value::as_array)
        .ok_or_else(|| ParseError::new("events API reply has no \"events\" list"))?;
    ctx.budget.entries(list.len())?;
    Ok(Page {
        events: list.iter().filter_map(|e| event(e, ctx)).collect(),
        next: json
            .get("next_rest_url")
            .and_then(Value::as_str)
            .map(str::to_string)
            .filter(|s| !s.is_empty()),
    })
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(clean_text)
        .filter(|s| !s.is_empty())
}

/// A field that is text, or WordPress's `{"rendered": "<b>markup</b>"}` (its text).
fn rendered(v: &Value, key: &str, ctx: &ParseContext) -> Option<String> {
    match v.get(key)? {
        Value::Object(o) => o
            .get("rendered")
            .and_then(Value::as_str)
            .and_then(|m| crate::text::markup_text(m, &ctx.budget))
            .map(|t| clean_text(&t))
            .filter(|s| !s.is_empty()),
        _ => text(v, key),
    }
}

/// A `YYYY-MM-DD HH:MM:SS` reading of the event: its UTC twin converted to the site's zone,
/// else the local one in the reply's `timezone` (a tz name, or `UTC-8`), else as written.
fn time(v: &Value, local: &str, utc: &str, ctx: &ParseContext) -> Option<NaiveDateTime> {
    let read = |k: &str| {
        let raw = v.get(k)?.as_str()?;
        atg_core::sane_datetime(
            NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%d %H:%M:%S").ok()?,
        )
    };
    if let Some(t) = read(utc) {
        return Some(
            chrono::Utc
                .from_utc_datetime(&t)
                .with_timezone(&ctx.zone)
                .naive_local(),
        );
    }
    let raw = v.get(local)?.as_str()?.trim();
    if raw.contains('T') {
        // ISO-8601: with an offset it is that instant; without one, the site's own time.
        return ctx.wall_clock(raw).map(crate::text::whole_seconds);
    }
    let t = read(local)?;
    let zone = v
        .get("timezone")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if let Ok(tz) = zone.parse::<chrono_tz::Tz>() {
        let instant = atg_core::localize_in(tz, t);
        return Some(instant.with_timezone(&ctx.zone).naive_local());
    }
    if let Some(offset) = utc_offset(zone) {
        let instant = t.checked_sub_signed(chrono::Duration::minutes(offset))?;
        return Some(
            chrono::Utc
                .from_utc_datetime(&instant)
                .with_timezone(&ctx.zone)
                .naive_local(),
        );
    }
    Some(t)
}

/// `UTC-8`, `UTC+5:30`, `UTC+0` → minutes east of UTC.
fn utc_offset(zone: &str) -> Option<i64> {
    let rest = zone.strip_prefix("UTC")?;
    if rest.is_empty() {
        return Some(0);
    }
    let (sign, rest) = match rest.as_bytes().first()? {
        b'+' => (1, &rest[1..]),
        b'-' => (-1, &rest[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once([':', '.']).unwrap_or((rest, "0"));
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 14 && m < 60).then_some(sign * (h * 60 + if m == 5 { 30 } else { m }))
}

fn event(v: &Value, ctx: &ParseContext) -> Option<FoodTruckEvent> {
    let title = rendered(v, "title", ctx)?;
    let categories: Vec<String> = v
        .get("categories")
        .and_then(Value::as_array)
        .map(|cs| cs.iter().filter_map(|c| text(c, "name")).collect())
        .unwrap_or_default();
    let all_day = v.get("all_day").and_then(Value::as_bool).unwrap_or(false);
    let start = time(v, "start_date", "utc_start_date", ctx);
    let date = match start {
        Some(s) if !all_day => s.date(),
        _ => {
            let raw = v.get("start_date")?.as_str()?;
            atg_core::sane_date(NaiveDate::parse_from_str(raw.get(..10)?, "%Y-%m-%d").ok()?)?
        }
    };
    let mut e = ctx.entry(&title, &categories, date)?;
    if !all_day {
        e.start_time = start;
        e.end_time = time(v, "end_date", "utc_end_date", ctx).filter(|end| Some(*end) > start);
    }
    e.description =
        rendered(v, "description", ctx).and_then(|d| crate::text::markup_text(&d, &ctx.budget));
    Some(e)
}
