//! Around the Grounds on Temporal: `FoodTruckWorkflow` (and `FoodTruckPartWorkflow`, one part of
//! a split run), its activities, and what the worker, starter and schedule manager binaries
//! share: building a worker, starting a run, managing schedules.
//!
//! Names, payload fields and defaults are the original's (workflow type `FoodTruckWorkflow`,
//! task queue `food-truck-task-queue`, activities `load_brewery_config`,
//! `scrape_single_brewery`, `scrape_food_trucks`, `generate_web_data`, `deploy_to_git`,
//! `test_connectivity`), so the original's starters and schedules run on this worker unchanged.
//! This port's own steps (`plan`, `scrape_range`, `write_haiku`, `publish_run`) run on its own
//! task queue, their results sealed with the fleet's key ([`seal`]) and read back from the
//! run's own history ([`history`]).
//!
//! The activities are thin calls into the library (`atg-pipeline`); no step is written twice.
//! Settings are handed in typed by the worker binary, read once at its start-up; nothing here
//! reads the process environment.

pub mod activities;
pub mod history;
pub mod schedules;
pub mod seal;
pub mod starter;
pub mod types;
pub mod worker;
pub mod workflows;

pub use activities::FoodTruckActivities;
pub use types::{WORKFLOW_TYPE, WorkflowParams, WorkflowResult};
pub use workflows::{FoodTruckPartWorkflow, FoodTruckRangeWorkflow, FoodTruckWorkflow};
