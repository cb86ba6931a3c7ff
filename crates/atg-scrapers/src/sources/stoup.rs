//! Stoup Brewing: the taproom page lists each day's truck as
//! `div.food-truck-day > … > div.lunch-truck-info > (h4 "Sat 07.05", div.hrs "1 — 8pm", name)`.
//! Older pages used `div.food-truck-entry > (h4, p time, p name)`; both are read, and a page in
//! neither shape is scanned section by section as lines of text.

use std::sync::LazyLock;

use atg_core::{FoodTruckEvent, infer_year};
use chrono::NaiveDate;
use regex::Regex;
use scraper::{ElementRef, Html, Node, Selector};

use crate::bounded::html_document;
use crate::fetch::Request;
use crate::source::{NoSettings, OnePage, ParseContext, ParseError, require_body};
use crate::text::{collapse_ws, element_text};
use crate::timeparse::{find_range, on_day};

#[derive(Debug, Clone)]
pub struct Stoup {
    url: String,
}

impl Stoup {
    pub fn new(brewery: &atg_core::Brewery, _: NoSettings) -> Result<Self, String> {
        Ok(Self {
            url: brewery.url.clone(),
        })
    }
}

impl OnePage for Stoup {
    fn request(&self, _ctx: &ParseContext) -> Request {
        Request::get(&self.url)
    }

    fn parse(&self, body: &str, ctx: &ParseContext) -> Result<Vec<FoodTruckEvent>, ParseError> {
        parse(body, ctx)
    }
}

static DAY: LazyLock<Selector> = LazyLock::new(|| crate::patterns::css("div.food-truck-day"));
static ENTRY: LazyLock<Selector> = LazyLock::new(|| crate::patterns::css("div.food-truck-entry"));
static INFO: LazyLock<Selector> = LazyLock::new(|| crate::patterns::css(".lunch-truck-info"));
static H4: LazyLock<Selector> = LazyLock::new(|| crate::patterns::css("h4"));
static HRS: LazyLock<Selector> = LazyLock::new(|| crate::patterns::css(".hrs"));
static TRUCK: LazyLock<Selector> = LazyLock::new(|| crate::patterns::css(".truck"));
static P: LazyLock<Selector> = LazyLock::new(|| crate::patterns::css("p"));
static SECTION: LazyLock<Selector> = LazyLock::new(|| crate::patterns::css("section"));
static MONTH_DAY: LazyLock<Regex> =
    LazyLock::new(|| crate::patterns::regex(r"(\d{1,2})\.(\d{1,2})"));
static DAY_LINE: LazyLock<Regex> = LazyLock::new(|| {
    crate::patterns::regex(
        r"(?i)^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\s+(\d{1,2})\.(\d{1,2})\b",
    )
});

/// Events of a Stoup page. A page without entries has no events; an entry without a date or
/// a name is skipped, one without readable hours keeps its day without times.
pub fn parse(body: &str, ctx: &ParseContext) -> Result<Vec<FoodTruckEvent>, ParseError> {
    let doc = html_document(require_body(body, "Stoup page")?, &ctx.budget)?;
    let days = ctx.budget.take_entries(doc.select(&DAY))?;
    let entries = if days.is_empty() {
        ctx.budget.take_entries(doc.select(&ENTRY))?
    } else {
        days
    };
    if entries.is_empty() {
        return sections(&doc, ctx);
    }
    Ok(entries
        .into_iter()
        .filter_map(|e| match e.select(&INFO).next() {
            Some(info) => current_entry(info, ctx),
            None => old_entry(e, ctx),
        })
        .collect())
}

fn entry_date(el: ElementRef<'_>, today: NaiveDate) -> Option<NaiveDate> {
    let h4 = element_text(el.select(&H4).next()?);
    let c = MONTH_DAY.captures(&h4)?;
    infer_year(today, c[1].parse().ok()?, c[2].parse().ok()?)
}

fn event(ctx: &ParseContext, name: String, date: NaiveDate, hours: &str) -> FoodTruckEvent {
    let mut ev = ctx.event(name, date);
    if let Some(range) = find_range(hours) {
        let (s, e) = on_day(date, range);
        ev.start_time = Some(s);
        ev.end_time = Some(e);
    }
    ev
}

/// `div.lunch-truck-info`: the name is `div.truck`, else the text beside the date and hours.
fn current_entry(info: ElementRef<'_>, ctx: &ParseContext) -> Option<FoodTruckEvent> {
    let date = entry_date(info, ctx.today)?;
    let hours = info
        .select(&HRS)
        .next()
        .map(element_text)
        .unwrap_or_default();
    let name = info
        .select(&TRUCK)
        .next()
        .map(element_text)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| loose_text(info));
    (!name.is_empty()).then(|| event(ctx, name, date, &hours))
}

/// The text of `info`'s children other than the date heading, the hours and images.
fn loose_text(info: ElementRef<'_>) -> String {
    let mut text = String::new();
    for child in info.children() {
        match child.value() {
            Node::Text(t) => text.push_str(t),
            Node::Element(el) => {
                let skip = el.name() == "h4"
                    || el.name() == "img"
                    || el.has_class("hrs", scraper::CaseSensitivity::AsciiCaseInsensitive);
                if let Some(e) = ElementRef::wrap(child).filter(|_| !skip) {
                    text.push(' ');
                    text.push_str(&e.text().collect::<String>());
                    text.push(' ');
                }
            }
            _ => {}
        }
    }
    collapse_ws(&text)
}

/// `div.food-truck-entry`: hours in the first `p`, the name in the last.
fn old_entry(entry: ElementRef<'_>, ctx: &ParseContext) -> Option<FoodTruckEvent> {
    let date = entry_date(entry, ctx.today)?;
    let ps: Vec<_> = entry.select(&P).map(element_text).collect();
    match ps.as_slice() {
        [] => None,
        [only] if find_range(only).is_some() => None,
        [only] => Some(event(ctx, only.clone(), date, "")),
        [hours, .., name] if !name.is_empty() => Some(event(ctx, name.clone(), date, hours)),
        _ => None,
    }
}

/// A page in neither format: sections about food trucks read as lines — a day line
/// ("Sat 07.05"), an hours line, then truck names.
fn sections(doc: &Html, ctx: &ParseContext) -> Result<Vec<FoodTruckEvent>, ParseError> {
    let mut events = Vec::new();
    for section in ctx.budget.take_entries(doc.select(&SECTION))? {
        let all = element_text(section).to_lowercase();
        if !all.contains("food truck") && !all.contains("schedule") {
            continue;
        }
        let (mut date, mut hours) = (None, String::new());
        for line in section.text().map(collapse_ws).filter(|l| !l.is_empty()) {
            ctx.budget.entries(1)?;
            if let Some(c) = DAY_LINE.captures(&line) {
                date = c[1]
                    .parse()
                    .ok()
                    .zip(c[2].parse().ok())
                    .and_then(|(m, d)| infer_year(ctx.today, m, d));
                hours.clear();
            } else if find_range(&line).is_some() && line.len() < 40 {
                hours = line;
            } else if let Some(d) = date {
                let lower = line.to_lowercase();
                let heading = ["schedule", "food truck", "ballard"]
                    .iter()
                    .any(|w| lower.contains(w));
                if line.chars().count() > 3 && !heading {
                    events.push(event(ctx, line, d, &hours));
                }
            }
        }
    }
    Ok(events)
}
