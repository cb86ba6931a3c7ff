//! `data.json`, the site's data: the original's schema, key for key and format for format, so
//! pages and scripts written for the original keep working. New keys only ever come after the
//! original's (docs/DATA-FORMAT.md).

use atg_core::{BreweryRef, FoodTruckEvent, Schedule, sort_and_dedup};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::text::AI_MARK;

pub const TIMEZONE_NOTE: &str = "All event times are in Pacific Time (PT), which includes both PST and PDT depending on the date.";

/// The short name of a zone's time, as the page and `data.json` write it after a time: the
/// generic name of North America's zones (`PT`, `ET`: both summer and winter time), else the
/// zone's abbreviation on `day` (`CET`, `JST`).
pub fn zone_label(zone: Tz, day: NaiveDate) -> String {
    let generic = [
        ("America/Los_Angeles", "PT"),
        ("America/Vancouver", "PT"),
        ("America/Denver", "MT"),
        ("America/Edmonton", "MT"),
        ("America/Boise", "MT"),
        ("America/Chicago", "CT"),
        ("America/Winnipeg", "CT"),
        ("America/New_York", "ET"),
        ("America/Toronto", "ET"),
        ("America/Detroit", "ET"),
        ("America/Halifax", "AT"),
        ("America/Anchorage", "AKT"),
        ("Pacific/Honolulu", "HT"),
    ];
    if let Some((_, label)) = generic.iter().find(|(n, _)| *n == zone.name()) {
        return (*label).to_string();
    }
    let noon = day.and_hms_opt(12, 0, 0).unwrap_or_default();
    atg_core::localize_in(zone, noon).format("%Z").to_string()
}

/// What `timezone_note` says for `zone`.
fn zone_note(zone: Tz, label: &str) -> String {
    if zone == atg_core::PACIFIC {
        return TIMEZONE_NOTE.to_string();
    }
    format!(
        "All event times are local to the site ({}, {label}), standard or daylight time as the date has it.",
        zone.name()
    )
}

/// The whole document, fields in the original's order. Its events are a list (`WebData`, as
/// read and as the original's activities pass it), or made one at a time as the document is
/// written ([`WebData::streamed`]: a region's schedule is never in memory twice).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebData<E = Vec<WebEvent>> {
    pub events: E,
    /// When the data was made, UTC (`2025-07-05T20:55:57.499687+00:00`).
    pub updated: String,
    pub total_events: usize,
    pub timezone: String,
    pub timezone_note: String,
    /// Reader-facing failure messages, without repeats.
    pub errors: Vec<String>,
    /// Three lines joined by `\n`, or null.
    pub haiku: Option<String>,
    // ---- additions (after the original's keys) ----
    /// The days the schedule covers, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Window>,
    /// The breweries in the configuration, in order, for filters and feeds.
    #[serde(default)]
    pub breweries: Vec<WebBrewery>,
    /// Which site this is, and its zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<WebSite>,
    /// The trucks of the week, by name, each with its own calendar feed.
    #[serde(default)]
    pub trucks: Vec<WebTruck>,
    /// Breweries that had trucks and have listed none for a while (`health.json`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stale: Vec<WebStale>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebStale {
    pub key: String,
    pub name: String,
    /// The last day it listed trucks.
    pub since: Option<String>,
    /// What the page says.
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebSite {
    pub key: String,
    pub title: String,
    /// The tz database name (`America/New_York`): the page reads "today" and "open now" there.
    pub timezone: String,
    /// `ET`, as after each time.
    pub timezone_label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebTruck {
    pub name: String,
    /// `events-truck-<slug>-<hash>.ics` ([`crate::ics::truck_feed_name`]).
    pub feed: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub first: String,
    pub last: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebBrewery {
    pub key: String,
    pub name: String,
    /// The calendar feed of this brewery's trucks.
    pub feed: String,
}

/// One event, fields in the original's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebEvent {
    /// The day at midnight, `2026-11-25T00:00:00`.
    pub date: String,
    /// The name, with ` 🖼️🤖` when it was read from an image by AI.
    pub vendor: String,
    pub location: String,
    /// `1:00 PM PT`.
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    /// `1:00 PM`.
    pub start_time_raw: Option<String>,
    pub end_time_raw: Option<String>,
    pub description: Option<String>,
    pub timezone: String,
    /// `vision` when the name was read from an image; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extraction_method: Option<String>,
    // ---- additions ----
    #[serde(default)]
    pub brewery_key: String,
    /// The name without the AI mark.
    #[serde(default)]
    pub vendor_name: String,
}

/// `1:00 PM` (no leading zero).
pub fn clock_12h(t: NaiveDateTime) -> String {
    t.format("%-I:%M %p").to_string()
}

/// Python's `isoformat()` of a UTC instant: microseconds only when there are any.
pub fn python_isoformat_utc(t: DateTime<Utc>) -> String {
    let micros = t.nanosecond() / 1000;
    if micros == 0 {
        t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
    } else {
        format!("{}.{micros:06}+00:00", t.format("%Y-%m-%dT%H:%M:%S"))
    }
}

impl WebEvent {
    /// The entry of `e`, its times followed by `label` (`1:00 PM PT`).
    pub fn new(e: &FoodTruckEvent, label: &str) -> Self {
        let vendor = if e.ai_generated_name {
            format!("{} {AI_MARK}", e.vendor)
        } else {
            e.vendor.clone()
        };
        Self {
            date: e.date.format("%Y-%m-%dT00:00:00").to_string(),
            vendor,
            location: e.brewery_name.clone(),
            start_time: e.start_time.map(|t| format!("{} {label}", clock_12h(t))),
            end_time: e.end_time.map(|t| format!("{} {label}", clock_12h(t))),
            start_time_raw: e.start_time.map(clock_12h),
            end_time_raw: e.end_time.map(clock_12h),
            description: e.description.clone(),
            timezone: label.to_string(),
            extraction_method: e.ai_generated_name.then(|| "vision".to_string()),
            brewery_key: e.brewery_key.clone(),
            vendor_name: e.vendor.clone(),
        }
    }
}

impl WebEvent {
    fn day(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(self.date.get(..10)?, "%Y-%m-%d").ok()
    }

    /// The event this entry describes (for the calendar feeds, and for `data.json` files made
    /// by other versions: `brewery_key` and `vendor_name` are derived when absent).
    pub fn to_event(&self) -> Option<FoodTruckEvent> {
        let date = self.day()?;
        let vendor = if self.vendor_name.is_empty() {
            self.vendor.trim_end_matches(AI_MARK).trim().to_string()
        } else {
            self.vendor_name.clone()
        };
        let key = if self.brewery_key.is_empty() {
            self.location
                .to_lowercase()
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join("-")
        } else {
            self.brewery_key.clone()
        };
        let clock = |raw: &Option<String>| {
            raw.as_deref()
                .and_then(|t| {
                    // `1:00 PM` and `1:00 PM PT`: the zone's label, when there, is not read.
                    let t = t.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
                    chrono::NaiveTime::parse_from_str(&t, "%-I:%M %p").ok()
                })
                .map(|t| date.and_time(t))
        };
        let start = clock(&self.start_time_raw).or_else(|| clock(&self.start_time));
        let mut end = clock(&self.end_time_raw).or_else(|| clock(&self.end_time));
        if let (Some(s), Some(e)) = (start, end)
            && e <= s
        {
            end = e.checked_add_signed(chrono::Duration::days(1));
        }
        let mut e = FoodTruckEvent::new(key, &self.location, vendor, date);
        e.start_time = start;
        e.end_time = end;
        e.description = self.description.clone();
        e.ai_generated_name = self.extraction_method.as_deref() == Some("vision");
        Some(e)
    }
}

/// The events of a schedule as `data.json` writes them, each made when it is written.
#[derive(Debug, Clone, Copy)]
pub struct EventsOf<'a> {
    events: &'a [FoodTruckEvent],
    label: &'a str,
}

impl Serialize for EventsOf<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.events.iter().map(|e| WebEvent::new(e, self.label)))
    }
}

impl WebData {
    /// The `data.json` of `schedule`, made at `updated`, with today's haiku if there is one.
    pub fn new(schedule: &Schedule, haiku: Option<&str>, updated: DateTime<Utc>) -> Self {
        let label = zone_label(schedule.site.timezone, schedule.as_of);
        let events = schedule
            .events
            .iter()
            .map(|e| WebEvent::new(e, &label))
            .collect();
        WebData::with_events(schedule, haiku, updated, &label, events)
    }
}

impl<'a> WebData<EventsOf<'a>> {
    /// [`WebData::new`], its events made as they are written; `label` is
    /// [`zone_label`] of the schedule's zone and first day.
    pub fn streamed(
        schedule: &'a Schedule,
        haiku: Option<&str>,
        updated: DateTime<Utc>,
        label: &'a str,
    ) -> Self {
        let events = EventsOf {
            events: &schedule.events,
            label,
        };
        WebData::with_events(schedule, haiku, updated, label, events)
    }
}

impl<E> WebData<E> {
    /// Everything of `schedule`'s `data.json` but its events, which are `events`.
    fn with_events(
        schedule: &Schedule,
        haiku: Option<&str>,
        updated: DateTime<Utc>,
        label: &str,
        events: E,
    ) -> Self {
        let window = schedule.window();
        let zone = schedule.site.timezone;
        let mut trucks: Vec<WebTruck> = schedule
            .events
            .iter()
            .filter(|e| e.vendor != atg_core::UNNAMED_VENDOR)
            .map(|e| WebTruck {
                name: e.vendor.clone(),
                feed: crate::ics::truck_feed_name(&e.vendor),
            })
            .collect();
        trucks.sort_by(|a, b| a.feed.cmp(&b.feed).then(a.name.cmp(&b.name)));
        trucks.dedup_by(|a, b| a.feed == b.feed);
        Self {
            events,
            updated: python_isoformat_utc(updated),
            total_events: schedule.events.len(),
            timezone: label.to_string(),
            timezone_note: zone_note(zone, label),
            errors: schedule.user_messages(),
            haiku: haiku.map(str::to_string),
            window: Some(Window {
                first: window.first.format("%Y-%m-%d").to_string(),
                last: window.last.format("%Y-%m-%d").to_string(),
            }),
            breweries: schedule
                .breweries
                .iter()
                .map(|b| WebBrewery {
                    key: b.key.clone(),
                    name: b.name.clone(),
                    feed: crate::ics::brewery_feed_name(&b.key),
                })
                .collect(),
            site: Some(WebSite {
                key: schedule.site.key.clone(),
                title: schedule.site.title.clone(),
                timezone: zone.name().to_string(),
                timezone_label: label.to_string(),
            }),
            trucks,
            stale: Vec::new(),
        }
    }

    /// This `data.json` with the breweries `health` flags.
    pub fn with_health(mut self, health: &crate::health::HealthRecord, today: NaiveDate) -> Self {
        self.stale = health
            .stale()
            .map(|h| WebStale {
                key: h.key.clone(),
                name: h.name.clone(),
                since: h.last_events.map(|d| d.format("%Y-%m-%d").to_string()),
                note: h.warning(today),
            })
            .collect();
        self
    }
}

impl WebData {
    /// Pretty JSON (two-space indent), UTF-8, no trailing newline.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }

    /// The schedule a `data.json` describes, for a `data.json` that arrives from elsewhere
    /// (the original's `deploy_to_git` activity input): its display times are read back, and
    /// `brewery_key`/`vendor_name` derived when it lacks them. Nothing of this crate's own
    /// making goes this way: the site is rendered from the [`Schedule`].
    pub fn to_schedule(&self) -> Schedule {
        let as_of = self
            .window
            .as_ref()
            .and_then(|w| NaiveDate::parse_from_str(&w.first, "%Y-%m-%d").ok())
            .or_else(|| self.events.iter().filter_map(WebEvent::day).min())
            .unwrap_or_default();
        let mut breweries: Vec<BreweryRef> = self
            .breweries
            .iter()
            .map(|b| BreweryRef {
                key: b.key.clone(),
                name: b.name.clone(),
            })
            .collect();
        let events: Vec<FoodTruckEvent> =
            self.events.iter().filter_map(WebEvent::to_event).collect();
        for e in &events {
            if !breweries.iter().any(|b| b.key == e.brewery_key) {
                breweries.push(BreweryRef {
                    key: e.brewery_key.clone(),
                    name: e.brewery_name.clone(),
                });
            }
        }
        let site = self
            .site
            .as_ref()
            .and_then(|s| {
                Some(atg_core::SiteRef {
                    key: s.key.clone(),
                    title: s.title.clone(),
                    timezone: s.timezone.parse().ok()?,
                })
            })
            .unwrap_or_else(atg_core::SiteRef::original);
        let mut schedule =
            Schedule::merge(site, as_of, breweries.into_iter().map(|b| (b, Ok(vec![]))));
        schedule.events = sort_and_dedup(events, schedule.window());
        schedule
    }
}
