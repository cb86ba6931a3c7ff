//! Around the Grounds: food-truck schedules for Seattle breweries.
//!
//! The library core that every front end calls — the `around-the-grounds` CLI and the Temporal
//! activities — so the pipeline is written once ([`pipeline`]): load the brewery list, scrape
//! every source into a [`Schedule`], name trucks known only by a logo and write today's haiku
//! ([`ai`]), render the [`Site`], publish it.
//!
//! The building blocks are re-exported for tools that want them: [`core`] (domain, config,
//! clock), [`scrapers`] (fetcher, sources, coordinator), [`web`] (outputs), [`deploy`]
//! (publishing) and [`ai_client`]. The start-up of a binary (`.env`, flags, logging) is the
//! `cli` module, behind the `cli` feature.

pub use atg_ai as ai_client;
pub use atg_core as core;
pub use atg_deploy as deploy;
pub use atg_scrapers as scrapers;
pub use atg_web as web;

pub mod ai;
#[cfg(feature = "cli")]
pub mod cli;
pub mod pipeline;

pub use atg_core::{RunStatus, Schedule, Site};
pub use pipeline::{
    PublishError, PublishOutcome, PublishPlan, Published, Target, Vision, health, load_sites,
    load_sites_within, previous_health, publish, publish_schedule, render, scrape,
};
