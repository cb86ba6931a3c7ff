//! The shape `FoodTruckWorkflow` had under the `one-pipeline` patch, before `sealed-results`:
//! a plan with the breweries inline, a sliding window of `scrape_breweries`, parts as
//! `FoodTruckPartWorkflow` children, and `publish_site` given the schedule. Runs that started
//! on that version (and its recorded history) replay and finish here; new runs never come
//! this way, and this version's `publish_site` refuses what such a run hands it (nothing
//! vouches for it).

use atg_pipeline::Published;
use atg_pipeline::ai_client::WeatherQuery;
use atg_pipeline::core::{
    Brewery, BreweryRef, Clock, FoodTruckEvent, Schedule, SiteRef, parse_as_of,
};
use chrono::NaiveDate;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{ChildWorkflowOptions, WorkflowContext, WorkflowTermination};

use super::{
    Deployment, FoodTruckWorkflow, Outcome, breweries_per_scrape, completed, failed, gave_up,
    outcome, publish_options, root_cause, run_clock, scrape_options, sliding_window, timeouts,
    within,
};
use crate::activities::{FoodTruckActivities, failure_type};
use crate::types::{
    HaikuInput, PartInput, PartParams, PartRun, PlanInput, PublishInput, RunPlan, ScheduleSource,
    ScrapeChunk, VisionInput, WorkflowParams, WorkflowResult,
};

pub(super) async fn run(
    ctx: &mut WorkflowContext<FoodTruckWorkflow>,
    params: WorkflowParams,
) -> temporalio_sdk::WorkflowResult<WorkflowResult> {
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
        Ok(Published::Committed { .. } | Published::Unchanged | Published::Written) => {
            Deployment::Done
        }
        Ok(Published::Skipped) => Deployment::NoEvents,
        Err(e) => Deployment::Failed(root_cause(&e)),
    };
    Ok(completed(&outcome, deployment))
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
        let site = params.site.unwrap_or_else(SiteRef::original);
        scrape_part(ctx, &breweries, &site, params.as_of, parallel).await
    }
}

/// `breweries` scraped and merged, and their logo-only trucks named. The window has `parallel`
/// lanes; each takes the next chunk of breweries as soon as its last one is done and scrapes
/// its breweries one after another, so never more than `parallel` are in flight and a slow
/// brewery holds one lane, not the run. A cancelled workflow stops starting scrapes and ends
/// as cancelled.
pub(super) async fn scrape_part<W>(
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
pub(super) async fn name_trucks_from_logos<W>(
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
                known_vendors: atg_pipeline::ai::known_vendors(breweries),
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
    schedule.events = atg_pipeline::core::sort_and_dedup(events, schedule.window());
}

/// Today's haiku from `trucks`, at the time on the site's clock and with its weather, or
/// `None`: the haiku never stops the schedule.
pub(super) async fn haiku<W>(
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
