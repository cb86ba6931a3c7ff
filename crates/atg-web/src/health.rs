//! `health.json`: how each brewery's source has been doing, carried from one published run to
//! the next. A brewery that had trucks and has listed none for `stale_after` runs in a row is
//! flagged: its website may have changed, and a silent source must not look like a quiet week.

use atg_core::Schedule;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The file beside `data.json`.
pub const HEALTH_FILE: &str = "health.json";

/// Every brewery's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthRecord {
    pub site: String,
    /// The run this record ends with (UTC).
    pub updated: DateTime<Utc>,
    /// Runs in a row without trucks that flag a brewery that had some.
    pub stale_after: u32,
    pub breweries: Vec<SourceHealth>,
}

/// One brewery's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceHealth {
    pub key: String,
    pub name: String,
    /// The last day (at the site) its source answered.
    #[serde(default)]
    pub last_answered: Option<NaiveDate>,
    /// The last day its source listed trucks.
    #[serde(default)]
    pub last_events: Option<NaiveDate>,
    /// Runs in a row in which it could not be read (counted up to `stale_after`).
    #[serde(default)]
    pub failed_runs: u32,
    /// Runs in a row without trucks, failed or answered with none (up to `stale_after`).
    #[serde(default)]
    pub runs_without_events: u32,
    /// It had trucks, and has listed none for `stale_after` runs.
    #[serde(default)]
    pub stale: bool,
    /// Entries of its source the last run could not read while it read the rest (a
    /// calendar's series whose rule cannot be expanded, say): a feed degrading before it
    /// empties. Absent when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unreadable_entries: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl HealthRecord {
    /// The record after `schedule`'s run, carried on from `previous` (a brewery no longer
    /// configured is dropped; a new one starts fresh).
    pub fn next(
        previous: Option<&HealthRecord>,
        schedule: &Schedule,
        stale_after: u32,
        now: DateTime<Utc>,
    ) -> Self {
        let stale_after = stale_after.max(1);
        let breweries = schedule
            .breweries
            .iter()
            .map(|b| {
                let before = previous
                    .and_then(|p| p.breweries.iter().find(|h| h.key == b.key))
                    .cloned()
                    .unwrap_or(SourceHealth {
                        key: b.key.clone(),
                        name: b.name.clone(),
                        last_answered: None,
                        last_events: None,
                        failed_runs: 0,
                        runs_without_events: 0,
                        stale: false,
                        unreadable_entries: 0,
                    });
                let failed = schedule.errors.iter().any(|e| e.brewery_key == b.key);
                let listed = schedule.events.iter().any(|e| e.brewery_key == b.key);
                let mut h = SourceHealth {
                    name: b.name.clone(),
                    ..before
                };
                // The counts stop at `stale_after`: past it nothing more is flagged, and a
                // source that stays down leaves the record (and the published site) as it
                // is, so a steady state makes no new commits.
                if failed {
                    h.failed_runs = (h.failed_runs.saturating_add(1)).min(stale_after);
                } else {
                    h.failed_runs = 0;
                    h.last_answered = Some(schedule.as_of);
                }
                if listed {
                    h.runs_without_events = 0;
                    h.last_events = Some(schedule.as_of);
                } else {
                    h.runs_without_events =
                        (h.runs_without_events.saturating_add(1)).min(stale_after);
                }
                h.stale = h.last_events.is_some() && h.runs_without_events >= stale_after;
                h.unreadable_entries = schedule
                    .partial
                    .iter()
                    .find(|p| p.brewery_key == b.key)
                    .map_or(0, |p| p.unreadable);
                h
            })
            .collect();
        Self {
            site: schedule.site.key.clone(),
            updated: now,
            stale_after,
            breweries,
        }
    }

    /// The flagged breweries.
    pub fn stale(&self) -> impl Iterator<Item = &SourceHealth> {
        self.breweries.iter().filter(|b| b.stale)
    }

    /// A `health.json` as published, if it reads.
    pub fn from_json(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice(bytes).ok()
    }

    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }
}

impl SourceHealth {
    /// The line readers and operators see: `No trucks listed by X since Tuesday (3 runs): its
    /// website may have changed`.
    pub fn warning(&self, today: NaiveDate) -> String {
        let since = self.last_events.map_or_else(String::new, |d| {
            let days = (today - d).num_days();
            if days <= 0 {
                " since earlier today".to_string()
            } else if days < 7 {
                format!(" since {}", d.format("%A"))
            } else {
                format!(" since {}", d.format("%B %-d"))
            }
        });
        format!(
            "No trucks listed by {}{since} — its website may have changed",
            self.name
        )
    }
}
