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
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use atg_pipeline::Published;
use atg_pipeline::core::{
    Brewery, BreweryRef, Clock, ErrorKind, FoodTruckEvent, Schedule, ScrapeError, parse_as_of,
};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use temporalio_common::RetryPolicy;
use temporalio_common::protos::temporal::api::enums::v1::TimeoutType;
use temporalio_common::protos::temporal::api::failure::v1::failure::FailureInfo;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::workflows::join_all;
use temporalio_sdk::{
    ActivityCloseTimeouts, ActivityExecutionError, ActivityOptions, ChildWorkflowOptions,
    WorkflowContext, WorkflowTermination,
};

use crate::activities::{FoodTruckActivities, failure_type};
use crate::seal::Sealed;
use crate::types::{
    HaikuRequest, PartOutcome, Plan, PlanRequest, PublishRequest, RangeParams, RangeResult,
    ScrapeRange, ScrapeResult, WorkflowParams, WorkflowResult,
};

mod legacy;
mod one_pipeline;

pub use one_pipeline::FoodTruckPartWorkflow;
use one_pipeline::{haiku, name_trucks_from_logos};

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
/// The patch of this shape: breweries named by their place in the worker's configuration
/// (never by address), every scrape's result sealed for its run, and `publish_run` reading the
/// schedule from the run's own history (docs/TEMPORAL.md, "Trust").
pub const SEALED_PATCH: &str = "sealed-results";
/// The type name of a part of a split run (the shape before `sealed-results`).
pub const PART_WORKFLOW_TYPE: &str = "FoodTruckPartWorkflow";
/// The type name of a part of a split run.
pub const RANGE_WORKFLOW_TYPE: &str = "FoodTruckRangeWorkflow";

/// What this port's own steps' task queue is called after the main one (`food-truck-task-queue`
/// → `food-truck-task-queue-atg`): only this port's workers poll it, so an original worker
/// sharing the main queue is never handed a step it does not have.
pub const OWN_QUEUE_SUFFIX: &str = "-atg";

static OWN_QUEUE: OnceLock<String> = OnceLock::new();

/// Sets the own task queue of this process's workers (`ATG_OWN_TASK_QUEUE`); once, at start-up,
/// and the same on every worker of a fleet (workflow code reads it).
pub fn set_own_queue(name: &str) -> bool {
    OWN_QUEUE.set(name.to_string()).is_ok()
}

/// The task queue of this port's own steps, for a workflow on `queue`: the one the operator set
/// ([`set_own_queue`]), else `queue` + [`OWN_QUEUE_SUFFIX`] (a workflow already on it stays).
pub fn own_queue(queue: &str) -> String {
    if let Some(q) = OWN_QUEUE.get() {
        return q.clone();
    }
    if queue.ends_with(OWN_QUEUE_SUFFIX) {
        queue.to_string()
    } else {
        format!("{queue}{OWN_QUEUE_SUFFIX}")
    }
}

/// `options` on the task queue `queue`.
fn on(queue: &str, mut options: ActivityOptions) -> ActivityOptions {
    options.task_queue = Some(queue.to_string());
    options
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
        if !ctx.patched(SEALED_PATCH) {
            return one_pipeline::run(ctx, params).await;
        }
        let pinned = match params.as_of.as_deref().map(parse_as_of).transpose() {
            Ok(d) => d,
            Err(e) => return Ok(failed(format!("as_of {e}"))),
        };
        let own = own_queue(ctx.task_queue());
        let per_part = params.breweries_per_part();
        let plan = read_plan(
            ctx,
            &own,
            PlanRequest {
                config_path: params.config_path.clone(),
                site: params.site.clone(),
                range: None,
                refs_up_to: per_part,
            },
        )
        .await;
        let plan = match plan {
            Ok(p) => p,
            Err(e) => return Ok(failed(root_cause(&e))),
        };
        // "Today" is decided once, on the site's clock at the workflow's time, and handed to
        // every activity.
        let clock = run_clock(ctx, pinned, plan.site.timezone);
        let as_of = clock.today();
        let parallel = params.max_parallel_scrapes.max(1) as usize;
        let range = RangeParams {
            config_path: params.config_path.clone(),
            site: params.site.clone(),
            config_digest: plan.config_digest.clone(),
            first: 0,
            count: plan.breweries,
            as_of,
            max_parallel_scrapes: params.max_parallel_scrapes,
        };
        let outcome = if plan.breweries <= per_part {
            Outcome::of_part(scrape_range(ctx, &own, &range, &plan.refs, parallel).await?)
        } else {
            match range_in_parts(ctx, &own, &range, per_part, parallel).await? {
                Ok(o) => o,
                Err(reason) => return Ok(failed(reason)),
            }
        };
        if !params.deploy {
            return Ok(completed(&outcome, Deployment::NotAsked));
        }
        let haiku = if outcome.haiku_trucks.is_empty() {
            None
        } else {
            ctx.execute_activity(
                FoodTruckActivities::write_haiku,
                HaikuRequest {
                    config_path: params.config_path.clone(),
                    site: params.site.clone(),
                    trucks: outcome.haiku_trucks.clone(),
                    now: clock.now_local().naive_local(),
                },
                on(
                    &own,
                    within(timeouts::AI, 2, &[failure_type::CONFIGURATION]),
                ),
            )
            .await
            .ok()
            .flatten()
        };
        let published = ctx
            .execute_activity(
                FoodTruckActivities::publish_run,
                PublishRequest {
                    config_path: params.config_path.clone(),
                    site: params.site.clone(),
                    config_digest: plan.config_digest.clone(),
                    as_of,
                    repository_url: params.git_repository_url.clone(),
                    haiku,
                },
                on(&own, publish_options()),
            )
            .await;
        let deployment = match published {
            Ok(Published::Committed { .. } | Published::Unchanged | Published::Written) => {
                Deployment::Done
            }
            Ok(Published::Skipped) => Deployment::NoEvents,
            Err(e) => Deployment::Failed(root_cause(&e)),
        };
        Ok(completed(&outcome, deployment))
    }
}

/// What a workflow keeps of its run's schedule: its size, its failures, the trucks today's
/// haiku is written from, and how many breweries were lost because their scrape could not be
/// run. A run's schedule is never whole in the workflow (nor in one payload): each part is
/// summed up as it comes back.
pub(crate) struct Outcome {
    events: usize,
    errors: Vec<ScrapeError>,
    haiku_trucks: Vec<FoodTruckEvent>,
    lost: usize,
}

impl Outcome {
    pub(crate) fn of(schedule: &Schedule) -> Self {
        Self {
            events: schedule.events.len(),
            errors: schedule.errors.clone(),
            haiku_trucks: atg_pipeline::ai::haiku_trucks(schedule),
            lost: 0,
        }
    }

    fn of_part(part: PartOutcome) -> Self {
        Self {
            events: part.events as usize,
            errors: part.errors,
            haiku_trucks: part.haiku_trucks,
            lost: part.lost as usize,
        }
    }

    /// The parts' outcomes, in the run's order.
    fn combine(parts: Vec<Outcome>, as_of: NaiveDate) -> Self {
        let mut events = 0;
        let mut lost = 0;
        let mut errors = Vec::new();
        let mut trucks = Vec::with_capacity(parts.len());
        for p in parts {
            events += p.events;
            lost += p.lost;
            errors.extend(p.errors);
            trucks.push(p.haiku_trucks);
        }
        Self {
            events,
            errors,
            haiku_trucks: atg_pipeline::ai::haiku_trucks_of_parts(trucks, as_of),
            lost,
        }
    }
}

/// One part of a split run: its range of breweries, scraped as a run in one part is.
#[workflow]
#[derive(Default)]
pub struct FoodTruckRangeWorkflow;

#[workflow_methods]
impl FoodTruckRangeWorkflow {
    #[run(name = "FoodTruckRangeWorkflow")]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        params: RangeParams,
    ) -> temporalio_sdk::WorkflowResult<PartOutcome> {
        let own = own_queue(ctx.task_queue());
        let plan = read_plan(
            ctx,
            &own,
            PlanRequest {
                config_path: params.config_path.clone(),
                site: params.site.clone(),
                range: Some((params.first, params.count)),
                refs_up_to: 0,
            },
        )
        .await;
        let terminate = |why: String| {
            WorkflowTermination::failed_application(
                temporalio_sdk::ApplicationFailure::builder(anyhow::anyhow!(why))
                    .non_retryable(true)
                    .build(),
            )
        };
        let plan = plan.map_err(|e| terminate(root_cause(&e)))?;
        if plan.config_digest != params.config_digest {
            return Err(terminate(
                "the brewery list changed while the run was going; the next run reads the new one"
                    .into(),
            ));
        }
        let parallel = params.max_parallel_scrapes.max(1) as usize;
        scrape_range(ctx, &own, &params, &plan.refs, parallel).await
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

/// Why a scrape activity gave up, from its failure's types (never from its text): no worker
/// took it, it timed out, its worker stopped answering, it failed.
fn why_gave_up(e: &ActivityExecutionError) -> String {
    let mut cur = e.failure();
    let mut last = root_cause(e);
    while let Some(f) = cur {
        match &f.failure_info {
            Some(FailureInfo::TimeoutFailureInfo(t)) => {
                return match TimeoutType::try_from(t.timeout_type) {
                    Ok(TimeoutType::ScheduleToStart) => {
                        "no worker took its scrape in time (is a worker of this version polling the run's own task queue?)".to_string()
                    }
                    Ok(TimeoutType::Heartbeat) => {
                        "the worker scraping it stopped answering".to_string()
                    }
                    _ => "its scrape did not finish in time (no worker of this version ran it)"
                        .to_string(),
                };
            }
            Some(FailureInfo::CanceledFailureInfo(_)) => return "its scrape was cancelled".into(),
            _ => {
                if !f.message.is_empty() {
                    last.clone_from(&f.message);
                }
            }
        }
        cur = f.cause.as_deref();
    }
    format!("its scrape failed: {last}")
}

/// A brewery whose scrape activity gave up: lost to the run, not the brewery's doing.
fn gave_up(brewery: &Brewery, e: &ActivityExecutionError) -> ScrapeError {
    lost(&BreweryRef::from(brewery), why_gave_up(e))
}

fn lost(b: &BreweryRef, why: String) -> ScrapeError {
    ScrapeError {
        brewery_key: b.key.clone(),
        brewery_name: b.name.clone(),
        kind: ErrorKind::WorkerError,
        message: why,
        retryable: true,
        limit: None,
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

/// A range of breweries scraped: `parallel` lanes, each taking the next chunk as soon as its
/// last is done (never more than `parallel` in flight, a slow brewery holds one lane), each
/// chunk a `scrape_range` on the run's own task queue. The sealed results stay in the history
/// (where `publish_run` reads and checks them); the workflow keeps only their sum. A cancelled
/// workflow stops starting scrapes and ends as cancelled.
/// The `plan` activity, on the queue only this project's workers poll: one command, the same in
/// the run and in each of its parts.
async fn read_plan<W>(
    ctx: &WorkflowContext<W>,
    own: &str,
    request: PlanRequest,
) -> Result<Plan, ActivityExecutionError> {
    ctx.execute_activity(
        FoodTruckActivities::plan,
        request,
        on(
            own,
            within(timeouts::LOAD_CONFIG, 3, &[failure_type::CONFIGURATION]),
        ),
    )
    .await
}

async fn scrape_range<W>(
    ctx: &WorkflowContext<W>,
    own: &str,
    range: &RangeParams,
    refs: &[BreweryRef],
    parallel: usize,
) -> Result<PartOutcome, WorkflowTermination> {
    let cancel = ctx.cancellation_token();
    let per_scrape = breweries_per_scrape(refs.len(), parallel);
    let chunks: Vec<&[BreweryRef]> = refs.chunks(per_scrape).collect();
    let options = on(own, scrape_options(per_scrape));
    let results = sliding_window(
        chunks.len(),
        parallel,
        || cancel.is_cancelled(),
        |i| {
            let first = u32::try_from(i * per_scrape).unwrap_or(u32::MAX);
            let input = ScrapeRange {
                config_path: range.config_path.clone(),
                site: range.site.clone(),
                config_digest: range.config_digest.clone(),
                first: range.first.saturating_add(first),
                count: u32::try_from(chunks[i].len()).unwrap_or(u32::MAX),
                as_of: range.as_of,
            };
            ctx.execute_activity(FoodTruckActivities::scrape_range, input, options.clone())
        },
    )
    .await;
    if cancel.is_cancelled() {
        return Err(WorkflowTermination::cancelled());
    }
    let (mut events, mut errors) = (Vec::new(), Vec::new());
    let mut lost_here = 0u32;
    for (chunk, result) in chunks.iter().zip(results) {
        let found = match result {
            Some(Ok(sealed)) => read_range(&sealed),
            Some(Err(e)) => Err(why_gave_up(&e)),
            None => continue,
        };
        match found {
            Ok(r) => {
                for (b, r) in r.results {
                    match r.error {
                        Some(e) => errors.push(e.to_scrape_error_of(&b)),
                        None => events.extend(r.events),
                    }
                }
            }
            Err(why) => {
                lost_here += u32::try_from(chunk.len()).unwrap_or(u32::MAX);
                errors.extend(chunk.iter().map(|b| lost(b, why.clone())));
            }
        }
    }
    // The part's week, sorted as the whole schedule is (the site and its zone are the parent's).
    let week = atg_pipeline::core::sort_and_dedup(
        events,
        atg_pipeline::core::ScheduleWindow::starting(range.as_of),
    );
    Ok(PartOutcome {
        events: u32::try_from(week.len()).unwrap_or(u32::MAX),
        haiku_trucks: atg_pipeline::ai::todays_trucks(&week, range.as_of),
        errors,
        lost: lost_here,
    })
}

/// A scrape's result as the workflow reads it (for its sums; whether it is this fleet's is
/// `publish_run`'s to check).
fn read_range(sealed: &Sealed) -> Result<RangeResult, String> {
    serde_json::from_str(&sealed.body).map_err(|e| format!("its result cannot be read: {e}"))
}

/// A run too big for one part: one `FoodTruckRangeWorkflow` child per part (on the run's own
/// task queue), never more than `parallel` scrapes in flight across them. Each part is summed
/// up as it ends; the publish step reads the parts' sealed results from their histories. A
/// part that fails fails the run: a partial site would drop breweries.
async fn range_in_parts(
    ctx: &WorkflowContext<FoodTruckWorkflow>,
    own: &str,
    whole: &RangeParams,
    per_part: u32,
    parallel: usize,
) -> Result<Result<Outcome, String>, WorkflowTermination> {
    let per_part = per_part.max(1);
    let ranges: Vec<(u32, u32)> = (0..whole.count)
        .step_by(per_part as usize)
        .map(|first| (first, per_part.min(whole.count - first)))
        .collect();
    let at_once = ranges.len().min(parallel).max(1);
    let per_child = u32::try_from((parallel / at_once).max(1)).unwrap_or(1);
    let cancel = ctx.cancellation_token();
    let total = ranges.len();
    let parts = sliding_window(
        total,
        at_once,
        || cancel.is_cancelled(),
        |i| {
            let (first, count) = ranges[i];
            let part = RangeParams {
                first,
                count,
                max_parallel_scrapes: per_child,
                ..whole.clone()
            };
            let id = format!("{}-part-{}-of-{total}", ctx.workflow_id(), i + 1);
            let mut options = ChildWorkflowOptions::workflow_id(id);
            options.task_queue = Some(own.to_string());
            async move {
                let started = ctx
                    .start_child_workflow(FoodTruckRangeWorkflow::run, part, options)
                    .await
                    .map_err(|e| format!("part {} of {total} did not start: {e}", i + 1))?;
                let outcome = started
                    .result()
                    .await
                    .map_err(|e| format!("part {} of {total} failed: {e}", i + 1))?;
                Ok::<_, String>(Outcome::of_part(outcome))
            }
        },
    )
    .await;
    if cancel.is_cancelled() {
        return Err(WorkflowTermination::cancelled());
    }
    let mut outcomes = Vec::with_capacity(total);
    for part in parts.into_iter().flatten() {
        match part {
            Ok(o) => outcomes.push(o),
            Err(reason) => return Ok(Err(reason)),
        }
    }
    Ok(Ok(Outcome::combine(outcomes, whole.as_of)))
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
    // Breweries lost because their scrape could not be run (no worker of this version took
    // it, a worker failed) are not the breweries' failures: the run did not succeed.
    let success = outcome.lost == 0;
    if !success {
        message = format!(
            "Workflow completed without {} of its breweries: their scrapes could not be run. Found {count} events.",
            outcome.lost
        );
        if let Deployment::Failed(reason) = &deployment {
            message.push_str(&format!(" Not deployed: {reason}"));
        }
    }
    WorkflowResult {
        success,
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
