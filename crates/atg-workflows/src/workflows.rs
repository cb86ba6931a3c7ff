//! `FoodTruckWorkflow`: load the brewery list, scrape in parallel batches, and (when asked and
//! there is something to publish) build the site's data and deploy it.
//!
//! Deterministic code only: time is the workflow's, fan-out is the SDK's `join_all`, every
//! side effect is an activity.

use std::time::{Duration, SystemTime};

use around_the_grounds::core::{Clock, FoodTruckEvent, sort_and_dedup};
use chrono::{DateTime, Utc};
use temporalio_common::RetryPolicy;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::workflows::join_all;
use temporalio_sdk::{
    ActivityCloseTimeouts, ActivityExecutionError, ActivityOptions, WorkflowContext,
};

use crate::activities::{FoodTruckActivities, failure_type};
use crate::types::{
    DeployInput, HaikuInput, ScrapeInput, VisionInput, WebDataInput, WorkflowParams, WorkflowResult,
};

/// Activity timeouts (spec §9.3): config 30 s, a brewery 2 min, web data 30 s, deploy 2 min.
pub mod timeouts {
    use std::time::Duration;
    pub const LOAD_CONFIG: Duration = Duration::from_secs(30);
    pub const SCRAPE_TOTAL: Duration = Duration::from_secs(120);
    /// One attempt: the coordinator's 20 s deadline plus room.
    pub const SCRAPE_ATTEMPT: Duration = Duration::from_secs(30);
    /// A worker that stops heart-beating is given up on after this.
    pub const SCRAPE_HEARTBEAT: Duration = Duration::from_secs(10);
    pub const WEB_DATA: Duration = Duration::from_secs(30);
    pub const DEPLOY: Duration = Duration::from_secs(120);
    /// A deploy whose worker stops heart-beating is given up on (and cancelled) after this.
    pub const DEPLOY_HEARTBEAT: Duration = Duration::from_secs(10);
    /// Vision for the day's images, or the haiku.
    pub const AI: Duration = Duration::from_secs(120);
}

/// The patch that added the AI steps (vision, haiku).
pub const AI_PATCH: &str = "ai-enrichments";

/// The vendor names the configs know, as hints for vision.
fn known_vendors(breweries: &[around_the_grounds::core::Brewery]) -> Vec<String> {
    let config = around_the_grounds::core::BreweryConfig {
        breweries: breweries.to_vec(),
        origin: String::new(),
    };
    around_the_grounds::known_vendors(&config)
}

fn retry(max_attempts: u32, non_retryable: &[&str]) -> RetryPolicy {
    RetryPolicy::builder()
        .initial_interval(Duration::from_secs(1))
        .backoff_coefficient(2.0)
        .maximum_interval(Duration::from_secs(10))
        .maximum_attempts(max_attempts)
        .non_retryable_error_types(non_retryable.iter().map(|s| s.to_string()))
        .build()
}

/// The application message of a failed activity (its `Display` says only "Activity task
/// failed"; the message is at the end of the cause chain).
pub fn root_cause(e: &ActivityExecutionError) -> String {
    let mut msg = e.to_string();
    let mut cur = e.failure().and_then(|f| f.cause.as_deref());
    while let Some(c) = cur {
        msg.clone_from(&c.message);
        cur = c.cause.as_deref();
    }
    msg
}

#[workflow]
#[derive(Default)]
pub struct FoodTruckWorkflow;

#[workflow_methods]
impl FoodTruckWorkflow {
    #[run]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        params: WorkflowParams,
    ) -> temporalio_sdk::WorkflowResult<WorkflowResult> {
        // "Today" is decided once, from workflow time, and handed to every activity.
        let as_of = match params
            .as_of
            .as_deref()
            .map(around_the_grounds::core::parse_as_of)
        {
            Some(Ok(d)) => d,
            Some(Err(e)) => return Ok(failed(format!("as_of {e}"))),
            None => {
                let now: DateTime<Utc> =
                    ctx.workflow_time().unwrap_or(SystemTime::UNIX_EPOCH).into();
                Clock::fixed(now).today()
            }
        };
        let as_of_text = as_of.format("%Y-%m-%d").to_string();

        let breweries = match ctx
            .execute_activity(
                FoodTruckActivities::load_brewery_config,
                params.config_path.clone(),
                ActivityOptions::with_close_timeouts(ActivityCloseTimeouts::ScheduleToClose(
                    timeouts::LOAD_CONFIG,
                ))
                .retry_policy(retry(3, &[failure_type::CONFIGURATION]))
                .build(),
            )
            .await
        {
            Ok(b) => b,
            Err(e) => return Ok(failed(root_cause(&e))),
        };

        let scrape_options =
            ActivityOptions::with_close_timeouts(ActivityCloseTimeouts::ScheduleAndStartToClose {
                schedule_to_close: timeouts::SCRAPE_TOTAL,
                start_to_close: timeouts::SCRAPE_ATTEMPT,
            })
            .heartbeat_timeout(timeouts::SCRAPE_HEARTBEAT)
            .retry_policy(retry(
                3,
                &[failure_type::CONFIGURATION, failure_type::PARSER],
            ))
            .build();

        let mut events: Vec<FoodTruckEvent> = Vec::new();
        let mut errors: Vec<serde_json::Value> = Vec::new();
        let mut error_lines: Vec<String> = Vec::new();
        for batch in breweries.chunks(params.max_parallel_scrapes.max(1) as usize) {
            let scrapes: Vec<_> = batch
                .iter()
                .map(|b| {
                    ctx.execute_activity(
                        FoodTruckActivities::scrape_single_brewery,
                        ScrapeInput {
                            brewery: b.clone(),
                            as_of: Some(as_of_text.clone()),
                        },
                        scrape_options.clone(),
                    )
                })
                .collect();
            for (brewery, result) in batch.iter().zip(join_all(scrapes).await) {
                match result {
                    Ok(r) => {
                        events.extend(r.events);
                        if let Some(err) = r.error {
                            error_lines.push(format!(
                                "{}: {}: {}",
                                err.brewery_name, err.kind, err.message
                            ));
                            errors.push(serde_json::to_value(&err).unwrap_or_default());
                        }
                    }
                    // Retries exhausted or timed out: one brewery's failure is data, not a
                    // failed workflow.
                    Err(e) => {
                        error_lines.push(format!("{}: {}", brewery.name, root_cause(&e)));
                        errors.push(serde_json::json!({
                            "brewery_name": brewery.name,
                            "brewery_key": brewery.key,
                            "message": root_cause(&e),
                            "user_message": around_the_grounds::core::user_message_for(&brewery.name),
                        }));
                    }
                }
            }
        }
        // One schedule, sorted across breweries as the CLI's (the original's was not).
        let mut events = sort_and_dedup(
            events,
            around_the_grounds::core::ScheduleWindow::starting(as_of),
        );
        // Runs recorded before the AI steps existed replay without them.
        let ai_steps = ctx.patched(AI_PATCH);
        if ai_steps && events.iter().any(FoodTruckEvent::awaits_vision) {
            let read = ctx
                .execute_activity(
                    FoodTruckActivities::read_vendor_images,
                    VisionInput {
                        events: events.clone(),
                        known_vendors: known_vendors(&breweries),
                    },
                    ActivityOptions::with_close_timeouts(ActivityCloseTimeouts::ScheduleToClose(
                        timeouts::AI,
                    ))
                    .retry_policy(retry(2, &[]))
                    .build(),
                )
                .await;
            // AI never stops the schedule: on failure the trucks stay unnamed.
            if let Ok(named) = read {
                events = named;
            }
        }
        let count = u32::try_from(events.len()).unwrap_or(u32::MAX);

        let mut message = format!("Workflow completed successfully. Found {count} events.");
        let mut deployed = false;
        if params.deploy && !events.is_empty() {
            let haiku = if ai_steps {
                ctx.execute_activity(
                    FoodTruckActivities::generate_haiku,
                    HaikuInput {
                        events: events.clone(),
                        today: as_of_text.clone(),
                    },
                    ActivityOptions::with_close_timeouts(ActivityCloseTimeouts::ScheduleToClose(
                        timeouts::AI,
                    ))
                    .retry_policy(retry(2, &[failure_type::CONFIGURATION]))
                    .build(),
                )
                .await
                .ok()
                .flatten()
            } else {
                None
            };
            match deploy(
                ctx,
                events,
                errors,
                &breweries,
                as_of_text,
                params.git_repository_url.clone(),
                haiku,
            )
            .await
            {
                Ok(d) => deployed = d,
                Err(reason) => message.push_str(&format!(" Not deployed: {reason}")),
            }
        } else if params.deploy {
            message.push_str(" Not deployed: no events were found, the published site stays.");
        }
        Ok(WorkflowResult {
            success: true,
            message,
            events_count: Some(count),
            errors: Some(error_lines),
            deployed,
        })
    }
}

/// Web data, then the deploy; the reason when it did not happen.
async fn deploy(
    ctx: &WorkflowContext<FoodTruckWorkflow>,
    events: Vec<FoodTruckEvent>,
    errors: Vec<serde_json::Value>,
    breweries: &[around_the_grounds::core::Brewery],
    as_of: String,
    repository_url: Option<String>,
    haiku: Option<String>,
) -> Result<bool, String> {
    let web_data = ctx
        .execute_activity(
            FoodTruckActivities::generate_web_data,
            WebDataInput {
                events,
                errors,
                breweries: breweries
                    .iter()
                    .map(|b| (b.key.clone(), b.name.clone()))
                    .collect(),
                as_of: Some(as_of),
                haiku,
            },
            ActivityOptions::with_close_timeouts(ActivityCloseTimeouts::ScheduleToClose(
                timeouts::WEB_DATA,
            ))
            .retry_policy(retry(3, &[failure_type::CONFIGURATION]))
            .build(),
        )
        .await
        .map_err(|e| root_cause(&e))?;
    ctx.execute_activity(
        FoodTruckActivities::deploy_to_git,
        DeployInput {
            web_data,
            repository_url,
            branch: None,
        },
        ActivityOptions::with_close_timeouts(ActivityCloseTimeouts::ScheduleToClose(
            timeouts::DEPLOY,
        ))
        .heartbeat_timeout(timeouts::DEPLOY_HEARTBEAT)
        .retry_policy(retry(3, &[failure_type::DEPLOY_SETTINGS]))
        .build(),
    )
    .await
    .map_err(|e| root_cause(&e))
}

fn failed(reason: String) -> WorkflowResult {
    WorkflowResult {
        success: false,
        message: format!("Workflow failed: {reason}"),
        events_count: Some(0),
        errors: Some(vec![reason]),
        deployed: false,
    }
}
