//! schema.org events in a page's JSON-LD (`"parser": "json-ld"`): every
//! `<script type="application/ld+json">`, objects of type `Event` or one of its subtypes
//! (`FoodEvent`, `SocialEvent`, …), also inside `@graph` and arrays. Squarespace, Wix,
//! Eventbrite and the WordPress event plugins write them.
//!
//! Settings: `vendor_field` (`name`, the default; or `performer` / `organizer`, when the
//! vendor is named there), `types` (keep only events of these schema.org types, e.g.
//! `["FoodEvent"]`: a venue that lists its music too), and the rules every source has
//! (`include`, `exclude`, `vendor_from`).

use std::sync::LazyLock;

use atg_core::FoodTruckEvent;
use chrono::NaiveDateTime;
use scraper::Selector;
use serde_json::Value;

use crate::bounded::{JsonError, html_document, json_within};
use crate::fetch::Request;
use crate::source::{OnePage, ParseContext, ParseError, require_body};
use crate::text::{clean_text, iso_date, iso_in_zone};

/// Where an event names its vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VendorField {
    Name,
    Performer,
    Organizer,
}

/// How a page's events are read: where the vendor is, and which types are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub vendor_field: VendorField,
    /// Only events of these types (none: every event type).
    pub types: Vec<String>,
}

impl Reading {
    /// Every event, named by its `name`.
    pub const NAMES: Self = Self {
        vendor_field: VendorField::Name,
        types: Vec::new(),
    };
}

#[derive(Debug, Clone)]
pub struct JsonLd {
    url: String,
    reading: Reading,
}

/// `"parser": "json-ld"`'s settings.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonLdSettings {
    /// Where an event names its vendor: `name` (the default), `performer` or `organizer`.
    #[serde(default, deserialize_with = "crate::source::text")]
    pub vendor_field: Option<String>,
    /// Keep only events of these schema.org types (each an event type, e.g. `FoodEvent`).
    #[serde(default)]
    pub types: Option<Vec<String>>,
}

impl JsonLd {
    pub fn new(brewery: &atg_core::Brewery, s: JsonLdSettings) -> Result<Self, String> {
        let vendor_field = match s.vendor_field.as_deref() {
            None | Some("name") => VendorField::Name,
            Some("performer") => VendorField::Performer,
            Some("organizer") => VendorField::Organizer,
            Some(other) => {
                return Err(format!(
                    "vendor_field: {other:?} is not one of name, performer, organizer"
                ));
            }
        };
        let types = s.types.unwrap_or_default();
        if let Some(t) = types.iter().find(|t| !EVENT_TYPES.contains(&t.as_str())) {
            return Err(format!(
                "types: {t:?} is not a schema.org event type ({})",
                EVENT_TYPES.join(", ")
            ));
        }
        Ok(Self {
            url: brewery.url.clone(),
            reading: Reading {
                vendor_field,
                types,
            },
        })
    }
}

impl OnePage for JsonLd {
    fn request(&self, _ctx: &ParseContext) -> Request {
        Request::get(&self.url)
    }

    fn parse(&self, body: &str, ctx: &ParseContext) -> Result<Vec<FoodTruckEvent>, ParseError> {
        parse(body, &self.reading, ctx)
    }
}

/// schema.org's `Event` and its subtypes.
const EVENT_TYPES: &[&str] = &[
    "Event",
    "BusinessEvent",
    "ChildrensEvent",
    "ComedyEvent",
    "CourseInstance",
    "DanceEvent",
    "DeliveryEvent",
    "EducationEvent",
    "EventSeries",
    "ExhibitionEvent",
    "Festival",
    "FoodEvent",
    "Hackathon",
    "LiteraryEvent",
    "MusicEvent",
    "PublicationEvent",
    "SaleEvent",
    "ScreeningEvent",
    "SocialEvent",
    "SportsEvent",
    "TheaterEvent",
    "VisualArtsEvent",
];

/// How deep inside a JSON-LD document events are looked for (`@graph`, arrays, `subEvent`).
const MAX_DEPTH: usize = 8;

static SCRIPT: LazyLock<Selector> =
    LazyLock::new(|| crate::patterns::css(r#"script[type="application/ld+json"]"#));

/// The events of every JSON-LD block of a page. Blocks that are not JSON are skipped (pages
/// carry broken ones); a page with none is not a JSON-LD page.
pub fn parse(
    body: &str,
    reading: &Reading,
    ctx: &ParseContext,
) -> Result<Vec<FoodTruckEvent>, ParseError> {
    let doc = html_document(require_body(body, "page")?, &ctx.budget)?;
    let blocks: Vec<String> = ctx
        .budget
        .take_entries(doc.select(&SCRIPT))?
        .into_iter()
        .map(|s| s.text().collect::<String>())
        .collect();
    if blocks.is_empty() {
        return Err(ParseError::new(
            "the page has no <script type=\"application/ld+json\">",
        ));
    }
    let mut events = Vec::new();
    for block in &blocks {
        match json_within(block.trim(), &ctx.budget) {
            Ok(json) => collect(&json, reading, ctx, 0, &mut events)?,
            // Pages carry broken blocks: skipped. One too big to read is the page's error.
            Err(JsonError::Json(_)) => {}
            Err(JsonError::Budget(e)) => return Err(e),
        }
    }
    Ok(events)
}

fn collect(
    v: &Value,
    reading: &Reading,
    ctx: &ParseContext,
    depth: usize,
    out: &mut Vec<FoodTruckEvent>,
) -> Result<(), ParseError> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    match v {
        Value::Array(items) => {
            ctx.budget.entries(items.len())?;
            for i in items {
                collect(i, reading, ctx, depth + 1, out)?;
            }
        }
        Value::Object(o) => {
            if is_event(v, &reading.types) {
                ctx.budget.entries(1)?;
                out.extend(event(v, reading.vendor_field, ctx));
            }
            for key in ["@graph", "subEvent", "itemListElement", "item"] {
                if let Some(inner) = o.get(key) {
                    collect(inner, reading, ctx, depth + 1, out)?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Whether `v` is an event of one of `kept` (any event type when `kept` is empty).
fn is_event(v: &Value, kept: &[String]) -> bool {
    let named = |t: &str| {
        let t = t.rsplit(['/', ':']).next().unwrap_or(t);
        EVENT_TYPES.contains(&t) && (kept.is_empty() || kept.iter().any(|k| k == t))
    };
    match v.get("@type") {
        Some(Value::String(t)) => named(t),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).any(named),
        _ => false,
    }
}

/// The text of a field that is a string, or an object (or list of them) with a `name`.
fn names(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![clean_text(s)],
        Some(Value::Object(o)) => o
            .get("name")
            .and_then(Value::as_str)
            .map(clean_text)
            .into_iter()
            .collect(),
        Some(Value::Array(items)) => items.iter().flat_map(|i| names(Some(i))).collect(),
        _ => Vec::new(),
    }
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect()
}

fn cancelled(v: &Value) -> bool {
    v.get("eventStatus")
        .and_then(|s| s.as_str().or_else(|| s.get("@id")?.as_str()))
        .is_some_and(|s| s.ends_with("EventCancelled"))
}

/// A start or end: a date-time (with or without an offset) in the site's zone, or a date.
enum When {
    At(NaiveDateTime),
    Day(chrono::NaiveDate),
}

fn when(v: Option<&Value>, ctx: &ParseContext) -> Option<When> {
    let raw = v?.as_str()?.trim();
    if let Some(t) = iso_in_zone(raw, ctx.zone) {
        return Some(When::At(crate::text::whole_seconds(t)));
    }
    iso_date(raw).map(When::Day)
}

fn event(v: &Value, vendor_field: VendorField, ctx: &ParseContext) -> Option<FoodTruckEvent> {
    if cancelled(v) {
        return None;
    }
    let title = names(v.get("name")).into_iter().next().unwrap_or_default();
    let vendor = match vendor_field {
        VendorField::Name => title.clone(),
        VendorField::Performer => names(v.get("performer")).join(", "),
        VendorField::Organizer => names(v.get("organizer")).join(", "),
    };
    let categories: Vec<String> = names(v.get("keywords"))
        .into_iter()
        .chain(names(v.get("about")))
        .chain(if vendor_field == VendorField::Name {
            Vec::new()
        } else {
            vec![title]
        })
        .collect();
    let start = when(v.get("startDate"), ctx)?;
    let date = match start {
        When::At(t) => t.date(),
        When::Day(d) => d,
    };
    let mut e = ctx.entry(&vendor, &categories, date)?;
    if let When::At(s) = start {
        e.start_time = Some(s);
        if let Some(When::At(end)) = when(v.get("endDate"), ctx) {
            e.end_time = Some(end).filter(|end| *end > s);
        }
    }
    e.description = v
        .get("description")
        .and_then(Value::as_str)
        .and_then(|d| crate::text::markup_text(d, &ctx.budget));
    Some(e)
}
