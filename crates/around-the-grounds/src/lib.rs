//! Around the Grounds: food-truck schedules for Seattle breweries.
//!
//! This is the library core that every front end calls — the `around-the-grounds` CLI now,
//! the Temporal activities later — so the pipeline is written once: load the brewery list,
//! scrape every source, keep Pacific today through today + 7, render, publish.
//!
//! The building blocks are re-exported for tools that want them: [`core`] (domain, config,
//! clock), [`scrapers`] (fetcher, sources, coordinator), [`web`] (outputs) and [`deploy`]
//! (publishing).

pub use atg_ai as ai_client;
pub use atg_core as core;
pub use atg_deploy as deploy;
pub use atg_scrapers as scrapers;
pub use atg_web as web;

mod ai;
mod cli_args;
mod logging;
mod pipeline;
mod site;

pub use ai::{known_vendors, read_vendor_images, todays_haiku};
pub use cli_args::{parse_args, runtime};
pub use logging::{LogFormat, init_logging, init_logging_with};
pub use pipeline::{RunStatus, Schedule, collect_schedule};
pub use site::{Published, brewery_list, preview, publish_to_git, site_files, web_data};
