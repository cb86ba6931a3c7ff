//! Around the Grounds on Temporal: `FoodTruckWorkflow`, its activities, and the pieces the
//! worker, starter and schedule manager binaries share (building a worker, starting a run).
//!
//! Names, payload fields and defaults are the original's (workflow type `FoodTruckWorkflow`,
//! task queue `food-truck-task-queue`, activities `load_brewery_config`,
//! `scrape_single_brewery`, `scrape_food_trucks`, `generate_web_data`, `deploy_to_git`,
//! `test_connectivity`), so the original's starters and schedules run on this worker unchanged.
//! The activities are thin calls into the `around-the-grounds` library; no logic is written
//! twice.

pub mod activities;
pub mod starter;
pub mod types;
pub mod worker;
pub mod workflows;

pub use activities::FoodTruckActivities;
pub use types::{WORKFLOW_TYPE, WorkflowParams, WorkflowResult};
pub use workflows::FoodTruckWorkflow;
