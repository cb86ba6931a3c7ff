//! A food truck at a brewery on a day.

use std::collections::HashSet;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::ScheduleWindow;

/// One food-truck appearance. `date` is the day; times, when known, are Pacific wall-clock
/// readings (`end_time` may fall on the next day for a late night).
///
/// The serde form is the original's event dict (`food_truck_name`, `date` as
/// `YYYY-MM-DDT00:00:00`, ISO times without zone), so Temporal payloads stay compatible.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FoodTruckEvent {
    pub brewery_key: String,
    pub brewery_name: String,
    #[serde(rename = "food_truck_name")]
    pub vendor: String,
    #[serde(with = "day_at_midnight")]
    pub date: NaiveDate,
    #[serde(default)]
    pub start_time: Option<NaiveDateTime>,
    #[serde(default)]
    pub end_time: Option<NaiveDateTime>,
    #[serde(default)]
    pub description: Option<String>,
    /// The name was read from an image by a vision model.
    #[serde(default)]
    pub ai_generated_name: bool,
    /// The vendor's image, when the source announces the truck only as a picture; the vision
    /// step reads the name from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
}

/// The name a truck gets when a source confirms a booking but not who it is.
pub const UNNAMED_VENDOR: &str = "TBD";

impl FoodTruckEvent {
    /// An event with a name and no times.
    pub fn new(
        brewery_key: impl Into<String>,
        brewery_name: impl Into<String>,
        vendor: impl Into<String>,
        date: NaiveDate,
    ) -> Self {
        Self {
            brewery_key: brewery_key.into(),
            brewery_name: brewery_name.into(),
            vendor: vendor.into(),
            date,
            start_time: None,
            end_time: None,
            description: None,
            ai_generated_name: false,
            image_url: None,
        }
    }

    /// The original's validity rule: brewery and vendor named.
    pub fn is_valid(&self) -> bool {
        !self.brewery_key.is_empty()
            && !self.brewery_name.is_empty()
            && !self.vendor.trim().is_empty()
    }

    /// The vendor is only known as an image that nobody has read yet.
    pub fn awaits_vision(&self) -> bool {
        self.image_url.is_some() && !self.ai_generated_name && self.vendor == UNNAMED_VENDOR
    }
}

impl std::fmt::Display for FoodTruckEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.date.format("%Y-%m-%d"))?;
        if let Some(s) = self.start_time {
            write!(f, " {}", s.format("%H:%M"))?;
            if let Some(e) = self.end_time {
                write!(f, "-{}", e.format("%H:%M"))?;
            }
        }
        write!(f, ": {} @ {}", self.vendor, self.brewery_name)
    }
}

/// Keeps the events inside `window`, sorts them by day, start time (an untimed event first),
/// brewery and vendor, and drops exact duplicates.
pub fn sort_and_dedup(events: Vec<FoodTruckEvent>, window: ScheduleWindow) -> Vec<FoodTruckEvent> {
    let mut events: Vec<_> = events
        .into_iter()
        .filter(|e| window.contains(e.date))
        .collect();
    events.sort_by(|a, b| {
        (a.date, a.start_time, &a.brewery_name, &a.vendor).cmp(&(
            b.date,
            b.start_time,
            &b.brewery_name,
            &b.vendor,
        ))
    });
    // Which to keep, judged by reference (a region's schedule is not copied to dedup it).
    let keep: Vec<bool> = {
        let mut seen = HashSet::with_capacity(events.len());
        events.iter().map(|e| seen.insert(e)).collect()
    };
    let mut keep = keep.into_iter();
    events.retain(|_| keep.next().unwrap_or(true));
    events
}

mod day_at_midnight {
    use chrono::{NaiveDate, NaiveDateTime};
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&d.format("%Y-%m-%dT00:00:00"))
    }

    /// Accepts a day (`2026-11-25`) or the original's datetime form (`2026-11-25T13:00:00`).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let s = String::deserialize(d)?;
        NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .or_else(|_| s.parse::<NaiveDateTime>().map(|t| t.date()))
            .map_err(|_| D::Error::custom(format!("invalid event date {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn ev(vendor: &str, brewery: &str, date: NaiveDate, start_hour: Option<u32>) -> FoodTruckEvent {
        let mut e = FoodTruckEvent::new("k", brewery, vendor, date);
        e.start_time = start_hour.map(|h| date.and_hms_opt(h, 0, 0).unwrap());
        e
    }

    #[test]
    fn window_sort_and_dedup() {
        let today = day(7, 5);
        let events = vec![
            ev("late", "B", day(7, 6), Some(18)),
            ev("yesterday", "A", day(7, 4), None),
            ev("early", "B", day(7, 6), Some(11)),
            ev("untimed", "B", day(7, 6), None),
            ev("far", "A", day(7, 15), None),
            ev("early", "B", day(7, 6), Some(11)),
            ev("same time other brewery", "A", day(7, 6), Some(11)),
            ev("last day", "A", day(7, 12), None),
        ];
        let names: Vec<_> = sort_and_dedup(events, ScheduleWindow::starting(today))
            .into_iter()
            .map(|e| e.vendor)
            .collect();
        assert_eq!(
            names,
            [
                "untimed",
                "same time other brewery",
                "early",
                "late",
                "last day"
            ]
        );
    }

    #[test]
    fn serde_form_is_the_original_event_dict() {
        let mut e = ev("Woodshop BBQ", "Stoup", day(7, 5), Some(13));
        e.end_time = Some(day(7, 5).and_hms_opt(20, 0, 0).unwrap());
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["food_truck_name"], "Woodshop BBQ");
        assert_eq!(v["date"], "2026-07-05T00:00:00");
        assert_eq!(v["start_time"], "2026-07-05T13:00:00");
        assert_eq!(v["end_time"], "2026-07-05T20:00:00");
        assert_eq!(v["ai_generated_name"], false);
        assert!(v.get("image_url").is_none());
        let back: FoodTruckEvent = serde_json::from_value(v).unwrap();
        assert_eq!(back, e);
        // The original put a time into `date` for some sources: the day is kept.
        let mut v = serde_json::to_value(&e).unwrap();
        v["date"] = "2026-07-05T13:00:00.516000".into();
        assert_eq!(
            serde_json::from_value::<FoodTruckEvent>(v).unwrap().date,
            day(7, 5)
        );
    }

    #[test]
    fn validity_and_text_form() {
        assert!(ev("x", "B", day(1, 1), None).is_valid());
        assert!(!ev("  ", "B", day(1, 1), None).is_valid());
        assert!(!ev("x", "", day(1, 1), None).is_valid());
        let mut e = ev("Woodshop BBQ", "Stoup", day(7, 5), Some(13));
        assert_eq!(e.to_string(), "2026-07-05 13:00: Woodshop BBQ @ Stoup");
        e.end_time = Some(day(7, 5).and_hms_opt(20, 0, 0).unwrap());
        assert_eq!(
            e.to_string(),
            "2026-07-05 13:00-20:00: Woodshop BBQ @ Stoup"
        );
    }
}
