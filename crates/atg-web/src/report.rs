//! The CLI's `--format json` document: the week's events with zoned times, and the failures.

use atg_core::{Schedule, localize_in};
use chrono::NaiveDateTime;
use chrono_tz::Tz;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub events: Vec<ReportEvent>,
    pub errors: Vec<ReportError>,
    /// Breweries read but for some entries of their source (none: not in the document).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub partial: Vec<atg_core::PartialRead>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportEvent {
    pub brewery_key: String,
    pub brewery_name: String,
    pub vendor: String,
    /// `YYYY-MM-DD`, the day at the site.
    pub date: String,
    /// ISO-8601 with the offset of the site's zone that day (`2026-11-25T13:00:00-08:00`).
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub description: Option<String>,
    pub ai_generated_name: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportError {
    pub brewery_key: String,
    pub brewery_name: String,
    pub kind: String,
    pub message: String,
}

fn zoned(zone: Tz, t: Option<NaiveDateTime>) -> Option<String> {
    t.map(|t| localize_in(zone, t).to_rfc3339())
}

impl Report {
    pub fn new(schedule: &Schedule) -> Self {
        Self {
            events: schedule
                .events
                .iter()
                .map(|e| ReportEvent {
                    brewery_key: e.brewery_key.clone(),
                    brewery_name: e.brewery_name.clone(),
                    vendor: e.vendor.clone(),
                    date: e.date.format("%Y-%m-%d").to_string(),
                    start_time: zoned(schedule.site.timezone, e.start_time),
                    end_time: zoned(schedule.site.timezone, e.end_time),
                    description: e.description.clone(),
                    ai_generated_name: e.ai_generated_name,
                })
                .collect(),
            errors: schedule
                .errors
                .iter()
                .map(|e| ReportError {
                    brewery_key: e.brewery_key.clone(),
                    brewery_name: e.brewery_name.clone(),
                    kind: e.kind.label().to_string(),
                    message: e.message.clone(),
                })
                .collect(),
            partial: schedule.partial.clone(),
        }
    }

    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use atg_core::FoodTruckEvent;
    use chrono::NaiveDate;

    #[test]
    fn times_carry_the_offset_of_their_own_day() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let mut before = FoodTruckEvent::new("k", "B", "V", d(10, 31));
        before.start_time = d(10, 31).and_hms_opt(13, 0, 0);
        let mut after = FoodTruckEvent::new("k", "B", "V", d(11, 1));
        after.start_time = d(11, 1).and_hms_opt(13, 0, 0);
        after.end_time = d(11, 1).and_hms_opt(20, 0, 0);
        let schedule = Schedule::merge(
            atg_core::SiteRef::original(),
            d(10, 31),
            [(
                atg_core::BreweryRef {
                    key: "k".into(),
                    name: "B".into(),
                },
                Ok(vec![before, after]),
            )],
        );
        let r = Report::new(&schedule);
        assert_eq!(
            r.events[0].start_time.as_deref(),
            Some("2026-10-31T13:00:00-07:00")
        );
        assert_eq!(r.events[0].end_time, None);
        assert_eq!(
            r.events[1].start_time.as_deref(),
            Some("2026-11-01T13:00:00-08:00")
        );
        assert_eq!(r.events[1].date, "2026-11-01");
    }
}
