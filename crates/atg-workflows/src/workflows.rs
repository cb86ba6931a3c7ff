//! `FoodTruckWorkflow`: plan the run, scrape every brewery with at most `max_parallel_scrapes`
//! in flight (a new scrape starts as soon as one ends), merge into one [`Schedule`], name the
//! trucks known only by a logo, and (when asked) write today's haiku and publish the site. A
//! run of more breweries than `breweries_per_part` is split into `FoodTruckPartWorkflow`
//! children, so no history and no payload grows past Temporal's limits (docs/TEMPORAL.md).
//!
//! Deterministic code only: time is the workflow's, fan-out is the SDK's `join_all`, every side
//! effect is an activity. Runs recorded before this shape replay through [`legacy`].

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::time::{Duration, SystemTime};

use around_the_grounds::ai_client::WeatherQuery;
use around_the_grounds::core::{
    Brewery, BreweryRef, Clock, ErrorKind, FoodTruckEvent, Schedule, ScrapeError, SiteRef,
    parse_as_of,
};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use temporalio_common::RetryPolicy;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::workflows::join_all;
use temporalio_sdk::{
    ActivityCloseTimeouts, ActivityExecutionError, ActivityOptions, ChildWorkflowOptions,
    WorkflowContext, WorkflowTermination,
};

use crate::activities::{FoodTruckActivities, failure_type};
use crate::types::{
    HaikuInput, PartInput, PartParams, PartRun, PlanInput, PublishInput, PublishReport, RunPlan,
    ScheduleSource, ScrapeChunk, ScrapeResult, VisionInput, WorkflowParams, WorkflowResult,
};

mod legacy;

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

/// The patch that added the AI steps (vision, haiku) to the batch version.
pub const AI_PATCH: &str = "ai-enrichments";
/// The patch of this shape: a plan, a sliding window of scrapes, parts as child workflows,
/// and one `publish_site` given the schedule once.
pub const ONE_PIPELINE_PATCH: &str = "one-pipeline";
/// The type name of a part of a split run.
pub const PART_WORKFLOW_TYPE: &str = "FoodTruckPartWorkflow";

fn retry(max_attempts: u32, non_retryable: &[&str]) -> RetryPolicy {
    RetryPolicy::builder()
        .initial_interval(Duration::from_secs(1))
        .backoff_coefficient(2.0)
        .maximum_interval(Duration::from_secs(10))
        .maximum_attempts(max_attempts)
        .non_retryable_error_types(non_retryable.iter().map(|s| s.to_string()))
        .build()
}

/// An activity given `timeout` in all, retried up to `attempts` times.
fn within(timeout: Duration, attempts: u32, non_retryable: &[&str]) -> ActivityOptions {
    ActivityOptions::with_close_timeouts(ActivityCloseTimeouts::ScheduleToClose(timeout))
        .retry_policy(retry(attempts, non_retryable))
        .build()
}

/// A scrape of `breweries` breweries, one after another: each has its attempt's time.
fn scrape_options(breweries: usize) -> ActivityOptions {
    let n = u32::try_from(breweries.max(1)).unwrap_or(1);
    ActivityOptions::with_close_timeouts(ActivityCloseTimeouts::ScheduleAndStartToClose {
        schedule_to_close: timeouts::SCRAPE_TOTAL.saturating_mul(n),
        start_to_close: timeouts::SCRAPE_ATTEMPT.saturating_mul(n),
    })
    .heartbeat_timeout(timeouts::SCRAPE_HEARTBEAT)
    // A failed request is retried inside the activity (the fetcher's policy, as in the CLI);
    // Temporal retries an activity that did not finish: its worker was lost, it timed out.
    .retry_policy(retry(3, &[failure_type::CONFIGURATION]))
    .build()
}

fn publish_options() -> ActivityOptions {
    ActivityOptions::with_close_timeouts(ActivityCloseTimeouts::ScheduleToClose(timeouts::DEPLOY))
        .heartbeat_timeout(timeouts::DEPLOY_HEARTBEAT)
        .retry_policy(retry(3, &[failure_type::DEPLOY_SETTINGS]))
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
        if !ctx.patched(ONE_PIPELINE_PATCH) {
            return legacy::run(ctx, params).await;
        }
        let pinned = match params.as_of.as_deref().map(parse_as_of).transpose() {
            Ok(d) => d,
            Err(e) => return Ok(failed(format!("as_of {e}"))),
        };
        let plan = ctx
            .execute_activity(
                FoodTruckActivities::plan_run,
                PlanInput {
                    config_path: params.config_path.clone(),
                    breweries_per_part: params.breweries_per_part(),
                    site: params.site.clone(),
                },
                within(timeouts::LOAD_CONFIG, 3, &[failure_type::CONFIGURATION]),
            )
            .await;
        let plan = match plan {
            Ok(p) => p,
            Err(e) => return Ok(failed(root_cause(&e))),
        };
        // "Today" is decided once, on the site's clock at the workflow's time, and handed to
        // every activity.
        let site = plan.site();
        let clock = run_clock(ctx, pinned, site.timezone);
        let as_of = clock.today();
        let parallel = params.max_parallel_scrapes.max(1) as usize;
        let (outcome, source) = match plan.inline.as_deref() {
            Some(breweries) => {
                let s = scrape_part(ctx, breweries, &site.reference(), as_of, parallel).await?;
                (Outcome::of(&s), ScheduleSource::Inline(s))
            }
            None => match scrape_in_parts(ctx, &params, &plan, as_of, parallel).await? {
                Ok((o, runs)) => (o, ScheduleSource::Parts(runs)),
                Err(reason) => return Ok(failed(reason)),
            },
        };
        if !params.deploy {
            return Ok(completed(&outcome, Deployment::NotAsked));
        }
        let haiku = if outcome.haiku_trucks.is_empty() {
            None
        } else {
            let trucks = outcome.haiku_trucks.clone();
            haiku(ctx, trucks, clock, WeatherQuery::for_site(&site)).await
        };
        let published = ctx
            .execute_activity(
                FoodTruckActivities::publish_site,
                PublishInput {
                    schedule: source,
                    as_of,
                    haiku,
                    repository_url: params.git_repository_url.clone(),
                    site: Some(site),
                },
                publish_options(),
            )
            .await;
        let deployment = match published {
            Ok(PublishReport::Committed { .. } | PublishReport::Unchanged) => Deployment::Done,
            Ok(PublishReport::Skipped) => Deployment::NoEvents,
            Err(e) => Deployment::Failed(root_cause(&e)),
        };
        Ok(completed(&outcome, deployment))
    }
}

/// What a workflow keeps of its run's schedule: its size, its failures, and the trucks today's
/// haiku is written from. A split run's schedule is never whole in the workflow (nor in one
/// payload): each part is summed up as it comes back.
pub(crate) struct Outcome {
    events: usize,
    errors: Vec<ScrapeError>,
    haiku_trucks: Vec<FoodTruckEvent>,
}

impl Outcome {
    pub(crate) fn of(schedule: &Schedule) -> Self {
        Self {
            events: schedule.events.len(),
            errors: schedule.errors.clone(),
            haiku_trucks: around_the_grounds::ai::haiku_trucks(schedule),
        }
    }

    /// The parts' outcomes, in the run's order.
    fn combine(parts: Vec<Outcome>, as_of: NaiveDate) -> Self {
        let mut events = 0;
        let mut errors = Vec::new();
        let mut trucks = Vec::with_capacity(parts.len());
        for p in parts {
            events += p.events;
            errors.extend(p.errors);
            trucks.push(p.haiku_trucks);
        }
        Self {
            events,
            errors,
            haiku_trucks: around_the_grounds::ai::haiku_trucks_of_parts(trucks, as_of),
        }
    }
}

/// One part of a split run: its breweries, scraped as a run in one part is.
#[workflow]
#[derive(Default)]
pub struct FoodTruckPartWorkflow;

#[workflow_methods]
impl FoodTruckPartWorkflow {
    #[run(name = "FoodTruckPartWorkflow")]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        params: PartParams,
    ) -> temporalio_sdk::WorkflowResult<Schedule> {
        let breweries = ctx
            .execute_activity(
                FoodTruckActivities::load_breweries,
                params.part,
                within(timeouts::LOAD_CONFIG, 3, &[failure_type::CONFIGURATION]),
            )
            .await
            .map_err(|e| {
                WorkflowTermination::failed_application(
                    temporalio_sdk::ApplicationFailure::builder(anyhow::anyhow!(root_cause(&e)))
                        .non_retryable(true)
                        .build(),
                )
            })?;
        let parallel = params.max_parallel_scrapes.max(1) as usize;
        let site = params.site.unwrap_or_default();
        scrape_part(ctx, &breweries, &site, params.as_of, parallel).await
    }
}

/// The run's clock in the site's zone: the params' `as_of` day, else the workflow's own time.
fn run_clock<W>(ctx: &WorkflowContext<W>, pinned: Option<NaiveDate>, zone: Tz) -> Clock {
    match pinned {
        Some(day) => Clock::as_of_in(day, zone),
        None => {
            let now: DateTime<Utc> = ctx.workflow_time().unwrap_or(SystemTime::UNIX_EPOCH).into();
            Clock::fixed(now).in_zone(zone)
        }
    }
}

/// Runs `jobs` jobs with at most `width` of them going at once: each of `width` lanes takes
/// the next job as soon as its last one ends (no batch waits for its slowest). Jobs are taken
/// in order; the results come back in job order, `None` for jobs not started because `stop`
/// said so. Deterministic: lanes are polled in order and take jobs in the order the history
/// resolves them.
async fn sliding_window<T, Fut>(
    jobs: usize,
    width: usize,
    stop: impl Fn() -> bool,
    job: impl Fn(usize) -> Fut,
) -> Vec<Option<T>>
where
    Fut: Future<Output = T>,
{
    let next = Cell::new(0usize);
    let results: RefCell<Vec<Option<T>>> = RefCell::new((0..jobs).map(|_| None).collect());
    let lane = || async {
        loop {
            let i = next.get();
            if i >= jobs || stop() {
                break;
            }
            next.set(i + 1);
            let out = job(i).await;
            if let Some(slot) = results.borrow_mut().get_mut(i) {
                *slot = Some(out);
            }
        }
    };
    join_all((0..width.clamp(1, jobs.max(1))).map(|_| lane())).await;
    results.into_inner()
}

/// A brewery whose scrape activity gave up (timed out, or its worker failed it) failed with
/// the activity's reason.
fn gave_up(brewery: &Brewery, e: &ActivityExecutionError) -> ScrapeError {
    let reason = root_cause(e);
    let kind = if reason.to_lowercase().contains("timed out") || reason.contains("Timeout") {
        ErrorKind::NetworkTimeout
    } else {
        ErrorKind::NetworkError
    };
    ScrapeError {
        brewery_key: brewery.key.clone(),
        brewery_name: brewery.name.clone(),
        kind,
        message: reason,
        retryable: true,
    }
}

/// One brewery's outcome from its scrape activity's result.
fn outcome(
    brewery: &Brewery,
    result: Result<ScrapeResult, ActivityExecutionError>,
) -> (BreweryRef, Result<Vec<FoodTruckEvent>, ScrapeError>) {
    let outcome = match result {
        Ok(ScrapeResult { error: Some(e), .. }) => Err(e.to_scrape_error(brewery)),
        Ok(r) => Ok(r.events),
        // Retries exhausted or timed out: one brewery's failure is data, not a failed workflow.
        Err(e) => Err(gave_up(brewery, &e)),
    };
    (BreweryRef::from(brewery), outcome)
}

/// How many breweries one scrape activity takes: one each for a city's list (every brewery
/// its own activity in the history), more for a region's, so each of the `parallel` lanes takes
/// about four activities — every activity costs the Temporal server work (and, on Temporal
/// Cloud, money), a brewery's scrape a few milliseconds.
pub fn breweries_per_scrape(breweries: usize, parallel: usize) -> usize {
    breweries
        .div_ceil(parallel.max(1).saturating_mul(4))
        .clamp(1, 25)
}

/// `breweries` scraped and merged, and their logo-only trucks named. The window has `parallel`
/// lanes; each takes the next chunk of breweries as soon as its last one is done and scrapes
/// its breweries one after another, so never more than `parallel` are in flight and a slow
/// brewery holds one lane, not the run. A cancelled workflow stops starting scrapes and ends
/// as cancelled.
async fn scrape_part<W>(
    ctx: &WorkflowContext<W>,
    breweries: &[Brewery],
    site: &SiteRef,
    as_of: NaiveDate,
    parallel: usize,
) -> Result<Schedule, WorkflowTermination> {
    let cancel = ctx.cancellation_token();
    let per_scrape = breweries_per_scrape(breweries.len(), parallel);
    let chunks: Vec<&[Brewery]> = breweries.chunks(per_scrape).collect();
    let options = scrape_options(per_scrape);
    let results = sliding_window(
        chunks.len(),
        parallel,
        || cancel.is_cancelled(),
        |i| {
            let input = ScrapeChunk {
                breweries: chunks[i].to_vec(),
                as_of,
                timezone: site.timezone,
            };
            ctx.execute_activity(
                FoodTruckActivities::scrape_breweries,
                input,
                options.clone(),
            )
        },
    )
    .await;
    if cancel.is_cancelled() {
        return Err(WorkflowTermination::cancelled());
    }
    let mut outcomes = Vec::with_capacity(breweries.len());
    for (chunk, result) in chunks.iter().zip(results) {
        match result {
            Some(Ok(found)) => outcomes.extend(
                chunk
                    .iter()
                    .zip(found.into_iter().map(Ok))
                    .map(|(b, r)| outcome(b, r)),
            ),
            Some(Err(e)) => outcomes.extend(
                chunk
                    .iter()
                    .map(|b| (BreweryRef::from(b), Err(gave_up(b, &e)))),
            ),
            None => {}
        }
    }
    let mut schedule = Schedule::merge(site.clone(), as_of, outcomes);
    name_trucks_from_logos(ctx, &mut schedule, breweries).await;
    Ok(schedule)
}

/// Names the trucks a brewery announced only as an image (the activity is given those events
/// only). AI never stops the schedule: on failure the trucks stay unnamed.
async fn name_trucks_from_logos<W>(
    ctx: &WorkflowContext<W>,
    schedule: &mut Schedule,
    breweries: &[Brewery],
) {
    let waiting: Vec<FoodTruckEvent> = schedule
        .events
        .iter()
        .filter(|e| e.awaits_vision())
        .cloned()
        .collect();
    if waiting.is_empty() {
        return;
    }
    let named = ctx
        .execute_activity(
            FoodTruckActivities::read_vendor_images,
            VisionInput {
                events: waiting,
                known_vendors: around_the_grounds::ai::known_vendors(breweries),
            },
            within(timeouts::AI, 2, &[]),
        )
        .await;
    let Ok(named) = named else { return };
    let mut named = named.into_iter();
    for e in schedule.events.iter_mut().filter(|e| e.awaits_vision()) {
        match named.next() {
            Some(n) => *e = n,
            None => break,
        }
    }
    let events = std::mem::take(&mut schedule.events);
    schedule.events = around_the_grounds::core::sort_and_dedup(events, schedule.window());
}

/// Today's haiku from `trucks`, at the time on the site's clock and with its weather, or
/// `None`: the haiku never stops the schedule.
async fn haiku<W>(
    ctx: &WorkflowContext<W>,
    trucks: Vec<FoodTruckEvent>,
    clock: Clock,
    weather: Option<WeatherQuery>,
) -> Option<String> {
    ctx.execute_activity(
        FoodTruckActivities::generate_haiku,
        HaikuInput {
            events: trucks,
            today: clock.today(),
            now: Some(clock.now_local().naive_local()),
            weather,
        },
        within(timeouts::AI, 2, &[failure_type::CONFIGURATION]),
    )
    .await
    .ok()
    .flatten()
}

/// A run too big for one part: one child workflow per part, never more than `parallel`
/// scrapes in flight across them. Each part is summed up here as it ends (for the result and
/// the haiku); the publish step reads the parts from their runs, so the whole schedule never
/// travels in one payload nor sits in the workflow. A part that fails fails the run: a partial
/// site would drop breweries.
async fn scrape_in_parts(
    ctx: &WorkflowContext<FoodTruckWorkflow>,
    params: &WorkflowParams,
    plan: &RunPlan,
    as_of: NaiveDate,
    parallel: usize,
) -> Result<Result<(Outcome, Vec<PartRun>), String>, WorkflowTermination> {
    let ranges = plan.parts(params.breweries_per_part());
    let site = plan.site();
    let at_once = ranges.len().min(parallel).max(1);
    let per_part = u32::try_from((parallel / at_once).max(1)).unwrap_or(1);
    let cancel = ctx.cancellation_token();
    let total = ranges.len();
    let parts = sliding_window(
        total,
        at_once,
        || cancel.is_cancelled(),
        |i| {
            let (first, count) = ranges[i];
            let part = PartParams {
                part: PartInput {
                    config_path: params.config_path.clone(),
                    config_digest: plan.config_digest.clone(),
                    first,
                    count,
                    site: params.site.clone(),
                },
                as_of,
                max_parallel_scrapes: per_part,
                site: Some(site.reference()),
            };
            let id = format!("{}-part-{}-of-{total}", ctx.workflow_id(), i + 1);
            async move {
                let started = ctx
                    .start_child_workflow(
                        FoodTruckPartWorkflow::run,
                        part,
                        ChildWorkflowOptions::workflow_id(id.clone()),
                    )
                    .await
                    .map_err(|e| format!("part {} of {total} did not start: {e}", i + 1))?;
                let run = PartRun {
                    workflow_id: id,
                    run_id: started.run_id.clone(),
                };
                let schedule = started
                    .result()
                    .await
                    .map_err(|e| format!("part {} of {total} failed: {e}", i + 1))?;
                Ok::<_, String>((Outcome::of(&schedule), run))
            }
        },
    )
    .await;
    if cancel.is_cancelled() {
        return Err(WorkflowTermination::cancelled());
    }
    let mut outcomes = Vec::with_capacity(total);
    let mut runs = Vec::with_capacity(total);
    for part in parts.into_iter().flatten() {
        match part {
            Ok((o, r)) => {
                outcomes.push(o);
                runs.push(r);
            }
            Err(reason) => return Ok(Err(reason)),
        }
    }
    Ok(Ok((Outcome::combine(outcomes, as_of), runs)))
}

/// What became of the deploy a run was asked for.
enum Deployment {
    NotAsked,
    Done,
    NoEvents,
    Failed(String),
}

/// The result of a run that completed (spec §9.3's message, plus why it was not deployed).
fn completed(outcome: &Outcome, deployment: Deployment) -> WorkflowResult {
    let count = u32::try_from(outcome.events).unwrap_or(u32::MAX);
    let mut message = format!("Workflow completed successfully. Found {count} events.");
    match &deployment {
        Deployment::NoEvents => {
            message.push_str(" Not deployed: no events were found, the published site stays.");
        }
        Deployment::Failed(reason) => message.push_str(&format!(" Not deployed: {reason}")),
        Deployment::NotAsked | Deployment::Done => {}
    }
    WorkflowResult {
        success: true,
        message,
        events_count: Some(count),
        errors: Some(outcome.errors.iter().map(ToString::to_string).collect()),
        deployed: matches!(deployment, Deployment::Done),
    }
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
