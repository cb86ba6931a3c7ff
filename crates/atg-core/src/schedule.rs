//! A run's result, the one value every later step works from: the week's events at the
//! configured breweries (sorted, inside the window), which breweries could not be read, and
//! the day it is about. `data.json`, the feeds, the page and the CLI's output are all rendered
//! from a [`Schedule`]; nothing reads a rendered output back in.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{
    Brewery, ErrorKind, FoodTruckEvent, ScheduleWindow, ScrapeError, SiteRef, sort_and_dedup,
};

/// A configured brewery as a schedule names it: its key and its name, in configuration order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BreweryRef {
    pub key: String,
    pub name: String,
}

impl From<&Brewery> for BreweryRef {
    fn from(b: &Brewery) -> Self {
        Self {
            key: b.key.clone(),
            name: b.name.clone(),
        }
    }
}

/// What one brewery gave in a run: its events, or why there are none.
pub type BreweryOutcome = Result<Vec<FoodTruckEvent>, ScrapeError>;

/// How a run went, as an exit code tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Every brewery answered (with or without trucks).
    Complete,
    /// Some breweries failed; the others' events are there.
    Partial,
    /// Breweries failed and no event was found.
    Failed,
}

impl RunStatus {
    /// The status of a run with `events` events and `errors` failed breweries.
    pub fn of(events: usize, errors: usize) -> Self {
        match (errors == 0, events == 0) {
            (true, _) => Self::Complete,
            (false, false) => Self::Partial,
            (false, true) => Self::Failed,
        }
    }

    /// 0, 2 or 1: every front end (the CLI, the starter) exits with this.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Complete => 0,
            Self::Partial => 2,
            Self::Failed => 1,
        }
    }
}

/// The week's food trucks: events sorted by day, time, brewery and vendor, inside the window
/// that starts on `as_of`; the failed breweries in configuration order.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// Whose schedule it is: the site, and the zone its days and times are in.
    pub site: SiteRef,
    /// The day the schedule is about ("today" at the site).
    pub as_of: NaiveDate,
    /// Every configured brewery, in order (the page's filters and the per-brewery feeds).
    pub breweries: Vec<BreweryRef>,
    pub events: Vec<FoodTruckEvent>,
    pub errors: Vec<ScrapeError>,
    /// Breweries read, but not all of their source: entries it could not read, in the order
    /// the breweries come.
    pub partial: Vec<PartialRead>,
}

/// A brewery whose source was read but for some of its entries (a calendar's series whose
/// rule cannot be expanded, say): counted, so that an operator sees a feed degrading before it
/// empties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartialRead {
    pub brewery_key: String,
    pub brewery_name: String,
    /// How many of its entries could not be read.
    pub unreadable: u32,
    /// Why the first of them could not.
    pub first: String,
}

impl PartialRead {
    /// The operator's line: `Taproom Brewing: 2 of its entries could not be read (first: …)`.
    pub fn message(&self) -> String {
        let entries = if self.unreadable == 1 {
            "1 of its entries".to_string()
        } else {
            format!("{} of its entries", self.unreadable)
        };
        format!(
            "{}: {entries} could not be read (first: {})",
            self.brewery_name, self.first
        )
    }
}

impl Schedule {
    /// The one merge of per-brewery outcomes, whoever fanned out the scraping (the CLI's
    /// coordinator or the workflow's activities): events kept inside the window, sorted and
    /// without duplicates, errors in the order the breweries come.
    pub fn merge(
        site: SiteRef,
        as_of: NaiveDate,
        outcomes: impl IntoIterator<Item = (BreweryRef, BreweryOutcome)>,
    ) -> Self {
        let mut breweries = Vec::new();
        let mut events = Vec::new();
        let mut errors = Vec::new();
        for (brewery, outcome) in outcomes {
            match outcome {
                Ok(mut e) => events.append(&mut e),
                Err(e) => errors.push(e),
            }
            breweries.push(brewery);
        }
        Self {
            site,
            as_of,
            events: sort_and_dedup(events, ScheduleWindow::starting(as_of)),
            breweries,
            errors,
            partial: Vec::new(),
        }
    }

    /// Schedules of parts of one site's configuration (in configuration order) as one.
    pub fn combine(
        site: SiteRef,
        as_of: NaiveDate,
        parts: impl IntoIterator<Item = Schedule>,
    ) -> Self {
        let mut all = Self::merge(site, as_of, []);
        let mut events = Vec::new();
        for mut p in parts {
            all.breweries.append(&mut p.breweries);
            all.errors.append(&mut p.errors);
            all.partial.append(&mut p.partial);
            events.append(&mut p.events);
        }
        all.events = sort_and_dedup(events, all.window());
        all
    }

    pub fn window(&self) -> ScheduleWindow {
        ScheduleWindow::starting(self.as_of)
    }

    pub fn status(&self) -> RunStatus {
        RunStatus::of(self.events.len(), self.errors.len())
    }

    /// The events of the schedule's first day.
    pub fn todays_events(&self) -> impl Iterator<Item = &FoodTruckEvent> {
        self.events.iter().filter(move |e| e.date == self.as_of)
    }

    /// The reader-facing failure lines, each once, in order.
    pub fn user_messages(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for m in self.errors.iter().map(ScrapeError::user_message) {
            if !out.contains(&m) {
                out.push(m);
            }
        }
        out
    }
}

// ---- The compact form that travels in Temporal payloads --------------------------------------
//
// Grouped by brewery, so a brewery's key and name are written once rather than on every event,
// and without the fields that are at their defaults: a schedule is carried through a workflow's
// history, where every byte counts against its limits (docs/TEMPORAL.md).

#[derive(Serialize, Deserialize)]
struct WireSchedule<E, B> {
    site: SiteRef,
    as_of: NaiveDate,
    breweries: Vec<WireBrewery<E, B>>,
}

#[derive(Serialize, Deserialize)]
struct WireBrewery<E, B> {
    #[serde(flatten)]
    brewery: B,
    #[serde(default = "Vec::new", skip_serializing_if = "Vec::is_empty")]
    events: Vec<E>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<WireError>,
}

#[derive(Serialize, Deserialize)]
struct WireEvent {
    vendor: String,
    date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    start: Option<NaiveDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    end: Option<NaiveDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    ai: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    image: Option<String>,
}

#[derive(Serialize)]
struct WireEventRef<'a> {
    vendor: &'a str,
    date: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<NaiveDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<NaiveDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    ai: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
}

#[derive(Serialize, Deserialize)]
struct WireError {
    kind: ErrorKind,
    message: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    retryable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    limit: Option<crate::Limit>,
}

impl Serialize for Schedule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut by_brewery: HashMap<&str, Vec<WireEventRef<'_>>> = HashMap::new();
        for e in &self.events {
            by_brewery
                .entry(e.brewery_key.as_str())
                .or_default()
                .push(WireEventRef {
                    vendor: &e.vendor,
                    date: e.date,
                    start: e.start_time,
                    end: e.end_time,
                    description: e.description.as_deref(),
                    ai: e.ai_generated_name,
                    image: e.image_url.as_deref(),
                });
        }
        let mut errors: HashMap<&str, WireError> = self
            .errors
            .iter()
            .map(|e| {
                let wire = WireError {
                    kind: e.kind,
                    message: e.message.clone(),
                    retryable: e.retryable,
                    limit: e.limit,
                };
                (e.brewery_key.as_str(), wire)
            })
            .collect();
        // Events or failures of a brewery the list does not name (a hand-made schedule) are
        // written under their own entry rather than lost.
        let listed: std::collections::HashSet<&str> =
            self.breweries.iter().map(|b| b.key.as_str()).collect();
        let mut unlisted: Vec<BreweryRef> = self
            .events
            .iter()
            .map(|e| (&e.brewery_key, &e.brewery_name))
            .chain(
                self.errors
                    .iter()
                    .map(|e| (&e.brewery_key, &e.brewery_name)),
            )
            .filter(|(k, _)| !listed.contains(k.as_str()))
            .map(|(key, name)| BreweryRef {
                key: key.clone(),
                name: name.clone(),
            })
            .collect();
        unlisted.sort_by(|a, b| a.key.cmp(&b.key));
        unlisted.dedup_by(|a, b| a.key == b.key);
        let breweries = self
            .breweries
            .iter()
            .chain(&unlisted)
            .map(|b| WireBrewery {
                brewery: b,
                events: by_brewery.remove(b.key.as_str()).unwrap_or_default(),
                error: errors.remove(b.key.as_str()),
            })
            .collect();
        WireSchedule {
            site: self.site.clone(),
            as_of: self.as_of,
            breweries,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Schedule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = WireSchedule::<WireEvent, BreweryRef>::deserialize(d)?;
        let outcomes = wire.breweries.into_iter().map(|b| {
            let outcome = match b.error {
                Some(e) => Err(ScrapeError {
                    brewery_key: b.brewery.key.clone(),
                    brewery_name: b.brewery.name.clone(),
                    kind: e.kind,
                    message: e.message,
                    retryable: e.retryable,
                    limit: e.limit,
                }),
                None => Ok(b
                    .events
                    .into_iter()
                    .map(|w| FoodTruckEvent {
                        brewery_key: b.brewery.key.clone(),
                        brewery_name: b.brewery.name.clone(),
                        vendor: w.vendor,
                        date: w.date,
                        start_time: w.start,
                        end_time: w.end,
                        description: w.description,
                        ai_generated_name: w.ai,
                        image_url: w.image,
                    })
                    .collect()),
            };
            (b.brewery, outcome)
        });
        Ok(Self::merge(wire.site, wire.as_of, outcomes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    fn brewery(key: &str) -> BreweryRef {
        BreweryRef {
            key: key.into(),
            name: format!("Brewery {key}"),
        }
    }

    fn event(key: &str, vendor: &str, d: u32, hour: Option<u32>) -> FoodTruckEvent {
        let mut e = FoodTruckEvent::new(key, format!("Brewery {key}"), vendor, day(d));
        e.start_time = hour.map(|h| day(d).and_hms_opt(h, 0, 0).unwrap());
        e
    }

    fn failure(key: &str) -> ScrapeError {
        ScrapeError {
            brewery_key: key.into(),
            brewery_name: format!("Brewery {key}"),
            kind: ErrorKind::HttpStatus,
            message: "HTTP 500".into(),
            retryable: true,
            limit: None,
        }
    }

    fn sample() -> Schedule {
        let mut late = event("a", "Late Truck", 4, Some(18));
        late.end_time = day(5).and_hms_opt(1, 0, 0);
        late.description = Some("till one".into());
        let mut read = event("c", "Read From A Logo", 3, None);
        read.ai_generated_name = true;
        read.image_url = Some("https://img.test/logo.png".into());
        Schedule::merge(
            SiteRef::original(),
            day(3),
            [
                (
                    brewery("a"),
                    Ok(vec![late, event("a", "Early", 3, Some(11))]),
                ),
                (brewery("b"), Err(failure("b"))),
                (
                    brewery("c"),
                    Ok(vec![read, event("c", "Too late", 20, None)]),
                ),
            ],
        )
    }

    #[test]
    fn merge_windows_sorts_and_keeps_the_order_of_failures() {
        let s = sample();
        let names: Vec<_> = s.events.iter().map(|e| e.vendor.as_str()).collect();
        assert_eq!(names, ["Read From A Logo", "Early", "Late Truck"]);
        assert_eq!(s.errors.len(), 1);
        assert_eq!(s.status(), RunStatus::Partial);
        assert_eq!(s.todays_events().count(), 2);
        assert_eq!(
            s.user_messages(),
            ["Failed to fetch information for brewery: Brewery b"]
        );
    }

    #[test]
    fn status_and_exit_codes() {
        assert_eq!(RunStatus::of(3, 0).exit_code(), 0);
        assert_eq!(RunStatus::of(0, 0).exit_code(), 0);
        assert_eq!(RunStatus::of(3, 1).exit_code(), 2);
        assert_eq!(RunStatus::of(0, 1).exit_code(), 1);
    }

    #[test]
    fn the_compact_form_round_trips_and_names_each_brewery_once() {
        let s = sample();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json.matches("Brewery a").count(), 1, "{json}");
        assert!(!json.contains("food_truck_name"), "{json}");
        let back: Schedule = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn combining_parts_is_merging_the_whole() {
        let whole = sample();
        let first = Schedule {
            breweries: whole.breweries[..1].to_vec(),
            events: whole
                .events
                .iter()
                .filter(|e| e.brewery_key == "a")
                .cloned()
                .collect(),
            errors: vec![],
            ..whole.clone()
        };
        let second = Schedule {
            breweries: whole.breweries[1..].to_vec(),
            events: whole
                .events
                .iter()
                .filter(|e| e.brewery_key != "a")
                .cloned()
                .collect(),
            ..whole.clone()
        };
        assert_eq!(
            Schedule::combine(SiteRef::original(), day(3), [first, second]),
            whole
        );
    }
}
