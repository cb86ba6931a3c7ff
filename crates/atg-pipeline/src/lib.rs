//! Around the Grounds as a library: the pipeline that turns a configuration of breweries into a
//! published site, written once for every front end — the `around-the-grounds` CLI, the
//! Temporal activities, and any tool of yours.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use atg_pipeline::core::{Clock, SiteList};
//! use atg_pipeline::scrapers::ScrapeOptions;
//!
//! // A site (here written inline: `load_sites` reads a `breweries.json` or a directory), its
//! // breweries' sources compiled once.
//! let list = SiteList::parse(r#"{"key": "demo", "title": "Demo", "breweries": []}"#, "demo.json")?;
//! let sites = atg_pipeline::Sites::compile(list)?;
//! let site = sites.site(None)?;
//! // Scrape every brewery of it into the week of the site's today…
//! let clock = Clock::as_of_in(chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap(), site.site.timezone);
//! let schedule = atg_pipeline::scrape(site, clock, ScrapeOptions::default()).await?;
//! // …render the site (data.json, the calendar feeds, the page) and write it to a directory.
//! let health = atg_pipeline::HealthRecord::next(None, &schedule, site.site.stale_after, clock.now_utc());
//! let rendered = atg_pipeline::render(&schedule, None, &health, clock.now_utc())?;
//! let out = tempfile::tempdir()?;
//! for file in &rendered.files {
//!     std::fs::write(out.path().join(&file.path), file.bytes()?)?;
//! }
//! assert!(out.path().join("data.json").is_file());
//! # Ok(())
//! # }
//! ```
//!
//! The steps, in the order they run ([`pipeline`]): [`load_sites`] (a configuration, checked),
//! [`scrape`] (every brewery into a [`Schedule`]), [`publish_schedule`] (names for trucks known
//! only by a logo, the sources' health, [`render`], [`publish`] to each [`Target`]). [`ai`] holds
//! the AI steps (today's haiku, names read from logos). The building blocks are re-exported:
//! [`core`] (domain, configuration, clock), [`scrapers`] (fetcher, sources, coordinator),
//! [`web`] (outputs), [`deploy`] (publishing) and [`ai_client`].
//!
//! Not here: reading the environment, flags, logging, serving a directory — each front end
//! reads its own settings at start-up and hands them in typed.

#![warn(missing_docs)]

pub use atg_ai as ai_client;
pub use atg_core as core;
pub use atg_deploy as deploy;
pub use atg_scrapers as scrapers;
pub use atg_web as web;

pub mod ai;
pub mod pipeline;

pub use atg_core::{RunStatus, Schedule, Site};
pub use atg_web::health::HealthRecord;
pub use pipeline::{
    CompiledSite, PublishError, PublishOutcome, PublishPlan, Published, Sites, Target, Vision,
    load_sites, load_sites_within, previous_health, publish, publish_schedule, render, scrape,
};
