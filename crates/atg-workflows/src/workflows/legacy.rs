//! The shape `FoodTruckWorkflow` had before the `one-pipeline` patch: the whole brewery list
//! loaded, scraped in fixed batches, then `generate_web_data` and `deploy_to_git`. Workflows
//! that started on that version (and their recorded histories) replay and finish here; new
//! runs never come this way. It schedules exactly the activities, in exactly the order, that
//! version did, and shares everything else with the current shape.

use atg_pipeline::core::{PACIFIC, Schedule, SiteRef, parse_as_of};
use temporalio_sdk::WorkflowContext;
use temporalio_sdk::workflows::join_all;

use super::{
    AI_PATCH, Deployment, FoodTruckWorkflow, Outcome, completed, failed, haiku,
    name_trucks_from_logos, outcome, root_cause, run_clock, scrape_options, timeouts, within,
};
use crate::activities::{FoodTruckActivities, failure_type};
use crate::types::{
    DeployInput, ErrorDict, ErrorEntry, ScrapeInput, WebDataInput, WorkflowParams, WorkflowResult,
};

pub(super) async fn run(
    ctx: &mut WorkflowContext<FoodTruckWorkflow>,
    params: WorkflowParams,
) -> temporalio_sdk::WorkflowResult<WorkflowResult> {
    // The legacy shape knew one site: the default, in Pacific time.
    let pinned = match params.as_of.as_deref().map(parse_as_of).transpose() {
        Ok(d) => d,
        Err(e) => return Ok(failed(format!("as_of {e}"))),
    };
    let clock = run_clock(ctx, pinned, PACIFIC);
    let as_of = clock.today();
    let breweries = match ctx
        .execute_activity(
            FoodTruckActivities::load_brewery_config,
            params.config_path.clone(),
            within(timeouts::LOAD_CONFIG, 3, &[failure_type::CONFIGURATION]),
        )
        .await
    {
        Ok(b) => b,
        Err(e) => return Ok(failed(root_cause(&e))),
    };
    let mut outcomes = Vec::with_capacity(breweries.len());
    for batch in breweries.chunks(params.max_parallel_scrapes.max(1) as usize) {
        let scrapes = batch.iter().map(|b| {
            let input = ScrapeInput {
                brewery: b.clone(),
                as_of: Some(as_of),
            };
            ctx.execute_activity(
                FoodTruckActivities::scrape_single_brewery,
                input,
                scrape_options(1),
            )
        });
        for (brewery, result) in batch.iter().zip(join_all(scrapes).await) {
            outcomes.push(outcome(brewery, result));
        }
    }
    let mut schedule = Schedule::merge(SiteRef::original(), as_of, outcomes);
    // Runs recorded before the AI steps existed replay without them.
    let ai_steps = ctx.patched(AI_PATCH);
    if ai_steps {
        name_trucks_from_logos(ctx, &mut schedule, &breweries).await;
    }
    if !params.deploy {
        return Ok(completed(&Outcome::of(&schedule), Deployment::NotAsked));
    }
    if schedule.events.is_empty() {
        return Ok(completed(&Outcome::of(&schedule), Deployment::NoEvents));
    }
    let haiku = if ai_steps {
        haiku(ctx, atg_pipeline::ai::haiku_trucks(&schedule), clock, None).await
    } else {
        None
    };
    let deployment = match web_data_then_deploy(ctx, &schedule, &params, haiku).await {
        Ok(true) => Deployment::Done,
        Ok(false) => Deployment::NoEvents,
        Err(reason) => Deployment::Failed(reason),
    };
    Ok(completed(&Outcome::of(&schedule), deployment))
}

/// `generate_web_data`, then `deploy_to_git`; the reason when it did not happen.
async fn web_data_then_deploy(
    ctx: &WorkflowContext<FoodTruckWorkflow>,
    schedule: &Schedule,
    params: &WorkflowParams,
    haiku: Option<String>,
) -> Result<bool, String> {
    let web_data = ctx
        .execute_activity(
            FoodTruckActivities::generate_web_data,
            WebDataInput {
                events: schedule.events.clone(),
                errors: schedule
                    .errors
                    .iter()
                    .map(|e| ErrorEntry::Dict(ErrorDict::from(e)))
                    .collect(),
                breweries: schedule
                    .breweries
                    .iter()
                    .map(|b| (b.key.clone(), b.name.clone()))
                    .collect(),
                as_of: Some(schedule.as_of),
                haiku,
            },
            within(timeouts::WEB_DATA, 3, &[failure_type::CONFIGURATION]),
        )
        .await
        .map_err(|e| root_cause(&e))?;
    ctx.execute_activity(
        FoodTruckActivities::deploy_to_git,
        DeployInput {
            web_data,
            repository_url: params.git_repository_url.clone(),
            branch: None,
        },
        super::publish_options(),
    )
    .await
    .map_err(|e| root_cause(&e))
}
