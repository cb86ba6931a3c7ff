//! The Hivey public calendar API (Urban Family's legacy schedule): a list of bookings whose
//! vendor is named in the title, by a vendor id the config maps to a name, by an image file
//! name, or only as an image (kept for the vision step).

use atg_core::{FoodTruckEvent, UNNAMED_VENDOR};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde_json::Value;

use crate::bounded::json_reply;
use crate::source::{ParseContext, ParseError, require_body};
use crate::text::{clean_text, name_from_image_url};
use crate::timeparse::{parse_loose_date, parse_reading};

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
pub fn parse(
    body: &str,
    vendor_ids: &[(String, String)],
    ctx: &ParseContext,
) -> Result<Vec<FoodTruckEvent>, ParseError> {
    let json = json_reply(
        require_body(body, "Hivey API reply")?,
        &ctx.budget,
        "Hivey API reply",
    )?;
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
    ctx.budget.entries(items.len())?;
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
        .and_then(|s| parse_loose_date(s, ctx.today, ctx.zone))
        .or_else(|| {
            DATE_FIELDS
                .iter()
                .filter_map(|f| str_field(item, f))
                .find_map(|s| parse_loose_date(s, ctx.today, ctx.zone))
        })?;
    let mut ev = ctx.event(UNNAMED_VENDOR, date);
    match vendor_name(item, vendor_ids) {
        Some(n) => ev.vendor = n,
        None => ev.image_url = str_field(item, "eventImage").map(str::to_string),
    }
    let at = |s: &str| time_on(s, date, ctx);
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

/// A time of day on `date`: ISO timestamps are converted to the site's clock, `13:00` and
/// `1:00 pm` read as written.
fn time_on(raw: &str, date: NaiveDate, ctx: &ParseContext) -> Option<NaiveDateTime> {
    if raw.contains('T') || raw.contains('+') {
        return ctx.wall_clock(raw);
    }
    Some(date.and_time(parse_reading(raw)?.as_24h()?))
}
