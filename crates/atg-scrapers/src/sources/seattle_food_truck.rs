//! Saleh's Corner: the seattlefoodtruck.com events API for one location, asked for today
//! through today + 7 (dates as `M-D-YY`). Only approved bookings are trucks.

use atg_core::{FoodTruckEvent, UNNAMED_VENDOR};
use chrono::{Datelike, NaiveDate};
use serde_json::Value;

use crate::bounded::json_reply;
use crate::fetch::Request;
use crate::source::{OnePage, ParseContext, ParseError, require_body};
use crate::template::UrlTemplate;
use crate::text::clean_text;

/// `"parser": "seattle-food-truck"`'s settings.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeattleFoodTruckSettings {
    /// The events API's address, with `{start_date}` and `{end_date}` (`M-D-YY`).
    #[serde(deserialize_with = "crate::source::required")]
    pub events_url: String,
}

#[derive(Debug, Clone)]
pub struct SeattleFoodTruck {
    events_url: UrlTemplate,
}

impl SeattleFoodTruck {
    pub fn new(_: &atg_core::Brewery, s: SeattleFoodTruckSettings) -> Result<Self, String> {
        Ok(Self {
            events_url: UrlTemplate::new(&s.events_url, "events_url", &["start_date", "end_date"])?,
        })
    }

    /// The request URL for the week starting `today`.
    pub fn url_for(&self, today: NaiveDate) -> String {
        let mdy = |d: NaiveDate| format!("{}-{}-{:02}", d.month(), d.day(), d.year() % 100);
        self.events_url.fill(&[
            ("start_date", &mdy(today)),
            (
                "end_date",
                &mdy(atg_core::ScheduleWindow::starting(today).last),
            ),
        ])
    }
}

impl OnePage for SeattleFoodTruck {
    fn request(&self, ctx: &ParseContext) -> Request {
        Request::get(self.url_for(ctx.today)).header("accept", "application/json")
    }

    fn parse(&self, body: &str, ctx: &ParseContext) -> Result<Vec<FoodTruckEvent>, ParseError> {
        parse(body, ctx)
    }
}

/// The events of an API reply `{"events": [...]}`.
pub fn parse(body: &str, ctx: &ParseContext) -> Result<Vec<FoodTruckEvent>, ParseError> {
    let json = json_reply(
        require_body(body, "events API reply")?,
        &ctx.budget,
        "events API reply",
    )?;
    let events = match &json {
        Value::Object(o) => match o.get("events") {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::Array(a)) => a,
            Some(_) => return Err(ParseError::new("events API reply: `events` is not a list")),
        },
        _ => return Err(ParseError::new("events API reply is not a JSON object")),
    };
    ctx.budget.entries(events.len())?;
    Ok(events
        .iter()
        .filter_map(|e| booking_event(e, ctx))
        .collect())
}

fn booking_event(event: &Value, ctx: &ParseContext) -> Option<FoodTruckEvent> {
    let booking = event.get("bookings")?.as_array()?.iter().find(|b| {
        b.get("status").and_then(Value::as_str) == Some("approved") && b.get("truck").is_some()
    })?;
    let truck = booking.get("truck")?;
    let start = ctx.wall_clock(event.get("start_time")?.as_str()?)?;
    let end = ctx.wall_clock(event.get("end_time")?.as_str()?)?;
    if end <= start {
        return None;
    }
    let mut ev = ctx.event(truck_name(truck), start.date());
    ev.start_time = Some(start);
    ev.end_time = Some(end);
    let cuisines: Vec<&str> = truck
        .get("food_categories")
        .and_then(Value::as_array)
        .map(|c| c.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !cuisines.is_empty() {
        ev.description = Some(format!("Cuisine: {}", cuisines.join(", ")));
    }
    Some(ev)
}

/// The truck's name; a booking without a real one is `TBD`.
pub fn truck_name(truck: &Value) -> String {
    let name = truck
        .get("name")
        .and_then(Value::as_str)
        .map(clean_text)
        .unwrap_or_default();
    let placeholder =
        ["", "tbd", "tba", "to be announced", "unknown"].contains(&name.to_lowercase().as_str());
    if placeholder {
        UNNAMED_VENDOR.to_string()
    } else {
        name
    }
}
