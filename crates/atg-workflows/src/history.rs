//! A run's own record, read back: what `publish_run` publishes is what this run's scrapes
//! returned, as Temporal recorded it in the run's history (and its parts'), each result opened
//! with the fleet's key. Nothing the run's input or another activity says is taken instead.

use std::collections::HashMap;

use atg_pipeline::core::{BreweryRef, PartialRead, Schedule, SiteConfig};
use futures::StreamExt;
use temporalio_client::{
    Client, NamespacedClient, WorkflowExecutionInfo, WorkflowFetchHistoryOptions,
};
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;

use crate::seal::{RunRef, SealKey, Sealed};
use crate::types::RangeResult;
use crate::workflows::RANGE_WORKFLOW_TYPE;

/// The activity whose results are the schedule.
pub const SCRAPE_ACTIVITY: &str = "scrape_range";

/// The most runs (a run and its parts) one publish reads.
pub const MAX_RUNS: usize = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// A result in the run's record is not this fleet's.
    #[error("{0}")]
    Untrusted(String),
    #[error("the run's history cannot be read: {0}")]
    Read(String),
}

/// Every result of a `scrape_range` that `run`, and the parts it started, completed: each
/// opened with `key` for the run that scheduled it. One that does not open (a forged
/// completion) is an error, never skipped.
pub async fn sealed_results(
    client: &Client,
    run: &RunRef,
    key: &SealKey,
    purpose: &str,
) -> Result<Vec<RangeResult>, HistoryError> {
    let mut runs = vec![run.clone()];
    let mut found = Vec::new();
    let mut next = 0;
    while let Some(r) = runs.get(next).cloned() {
        next += 1;
        let handle = WorkflowExecutionInfo::builder()
            .namespace(client.namespace())
            .workflow_id(r.workflow_id.clone())
            .run_id(r.run_id.clone())
            .build()
            .bind_untyped(client.clone());
        let mut events = handle.fetch_history(WorkflowFetchHistoryOptions::default());
        // Scheduled event id → whether it was a scrape.
        let mut scrapes: HashMap<i64, bool> = HashMap::new();
        while let Some(event) = events.next().await {
            let event = event.map_err(|e| HistoryError::Read(e.to_string()))?;
            match event.attributes {
                Some(Attributes::ActivityTaskScheduledEventAttributes(a)) => {
                    let is_scrape = a.activity_type.is_some_and(|t| t.name == SCRAPE_ACTIVITY);
                    scrapes.insert(event.event_id, is_scrape);
                }
                Some(Attributes::ActivityTaskCompletedEventAttributes(a))
                    if scrapes.get(&a.scheduled_event_id) == Some(&true) =>
                {
                    let unsealed = || {
                        HistoryError::Untrusted(format!(
                            "a result of {SCRAPE_ACTIVITY} in {} (event {}) is not sealed: it was not made by a worker of this fleet (a forged completion?)",
                            r.workflow_id, event.event_id
                        ))
                    };
                    let sealed: Sealed = a
                        .result
                        .as_ref()
                        .and_then(|p| p.payloads.first())
                        .and_then(|p| serde_json::from_slice(&p.data).ok())
                        .ok_or_else(unsealed)?;
                    let result = key.open(purpose, &r, &sealed).map_err(|e| {
                        HistoryError::Untrusted(format!(
                            "a result of {SCRAPE_ACTIVITY} in {} (event {}): {e}",
                            r.workflow_id, event.event_id
                        ))
                    })?;
                    found.push(result);
                }
                Some(Attributes::ChildWorkflowExecutionStartedEventAttributes(a))
                    if a.workflow_type
                        .as_ref()
                        .is_some_and(|t| t.name == RANGE_WORKFLOW_TYPE) =>
                {
                    if let Some(e) = a.workflow_execution {
                        if runs.len() >= MAX_RUNS {
                            return Err(HistoryError::Read(format!("more than {MAX_RUNS} parts")));
                        }
                        runs.push(RunRef {
                            workflow_id: e.workflow_id,
                            run_id: e.run_id,
                        });
                    }
                }
                _ => {}
            }
        }
    }
    Ok(found)
}

/// The schedule of `config`'s breweries on `as_of` from a run's results: each brewery the
/// result of its place in the list (when the result is of this list and day), the others
/// failed for want of one.
pub fn schedule_of(
    config: &SiteConfig,
    as_of: chrono::NaiveDate,
    digest: &str,
    found: Vec<RangeResult>,
) -> Schedule {
    let mut by_place: HashMap<usize, crate::types::ScrapeResult> = HashMap::new();
    for r in found
        .into_iter()
        .filter(|r| r.config_digest == digest && r.as_of == as_of)
    {
        for (i, (b, result)) in r.results.into_iter().enumerate() {
            let place = r.first as usize + i;
            if config.breweries.get(place).is_some_and(|c| c.key == b.key) {
                by_place.insert(place, result);
            }
        }
    }
    let mut partial = Vec::new();
    let outcomes = config.breweries.iter().enumerate().map(|(i, b)| {
        let r = BreweryRef::from(b);
        let outcome = match by_place.remove(&i) {
            Some(found) => {
                if let (None, Some(u)) = (&found.error, &found.unreadable) {
                    partial.push(PartialRead {
                        brewery_key: r.key.clone(),
                        brewery_name: r.name.clone(),
                        unreadable: u.entries,
                        first: u.first.clone(),
                    });
                }
                match found.error {
                    Some(e) => Err(e.to_scrape_error_of(&r)),
                    None => Ok(found.events),
                }
            }
            None => Err(atg_pipeline::core::ScrapeError {
                brewery_key: r.key.clone(),
                brewery_name: r.name.clone(),
                kind: atg_pipeline::core::ErrorKind::WorkerError,
                message: "no result: its scrape did not finish".into(),
                retryable: true,
                limit: None,
            }),
        };
        (r, outcome)
    });
    let mut schedule =
        Schedule::merge(config.site.reference(), as_of, outcomes.collect::<Vec<_>>());
    schedule.partial = partial;
    schedule
}
