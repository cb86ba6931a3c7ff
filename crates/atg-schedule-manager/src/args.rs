//! `atg-schedule-manager create`'s flags, as the library's [`NewSchedule`].

use std::time::Duration;

use atg_workflows::WorkflowParams;
use atg_workflows::schedules::{NewSchedule, OverlapPolicy, ScheduleFailure, default_note};

/// The overlap policies by the names people type ([`OverlapPolicy::ALL`]), listed in
/// `--help` and in the error for any other.
fn overlap_parser() -> impl clap::builder::TypedValueParser<Value = OverlapPolicy> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(OverlapPolicy::ALL.map(|(name, _)| name))
        .try_map(|name| name.parse::<OverlapPolicy>())
}

/// `atg-schedule-manager create`'s flags.
#[derive(Debug, Clone, clap::Args)]
pub struct CreateArgs {
    #[arg(long, value_name = "ID")]
    pub schedule_id: String,
    /// Minutes between runs (at least 1).
    #[arg(long, value_name = "MINUTES")]
    pub interval: u64,
    /// Brewery config file on the worker's machine (default: the built-in one).
    #[arg(long, value_name = "PATH")]
    pub config: Option<String>,
    /// The config's site each run is for (its key; default: the config's first site). One
    /// schedule per site runs many.
    #[arg(long, value_name = "KEY")]
    pub site: Option<String>,
    /// Create it paused.
    #[arg(long)]
    pub paused: bool,
    /// Scrape only; do not deploy.
    #[arg(long)]
    pub no_deploy: bool,
    /// The schedule's note (default: "Food Truck data scraping and deployment every N minutes").
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// What to do when a run is still going at the next time.
    #[arg(long, value_parser = overlap_parser(), default_value = "skip")]
    pub overlap: OverlapPolicy,
    /// Runs missed (server down) are made up within this many minutes, else skipped.
    #[arg(long, value_name = "MINUTES", default_value_t = 60)]
    pub catchup_window: u64,
    /// Target repository (default: the worker's GIT_REPOSITORY_URL).
    #[arg(long, value_name = "URL")]
    pub git_repo: Option<String>,
    /// Breweries scraped at once by each run.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub max_parallel_scrapes: u32,
    /// Split a run of more breweries than this into child workflows of at most this many.
    #[arg(long, value_name = "N")]
    pub breweries_per_part: Option<u32>,
}

impl CreateArgs {
    /// The schedule these flags describe, on `task_queue`; a repository URL with credentials
    /// in it is refused (it would be stored in every run's history).
    pub fn schedule(self, task_queue: &str) -> Result<NewSchedule, ScheduleFailure> {
        let params = WorkflowParams {
            config_path: self.config,
            deploy: !self.no_deploy,
            git_repository_url: self.git_repo,
            max_parallel_scrapes: self.max_parallel_scrapes.max(1),
            breweries_per_part: self.breweries_per_part,
            site: self.site,
            ..WorkflowParams::default()
        };
        params
            .check_for_history()
            .map_err(|e| ScheduleFailure::Other(format!("--git-repo: {e}")))?;
        Ok(NewSchedule {
            note: self.note.unwrap_or_else(|| default_note(self.interval)),
            id: self.schedule_id,
            interval_minutes: self.interval,
            params,
            paused: self.paused,
            overlap: self.overlap,
            catchup_window: Duration::from_secs(self.catchup_window.max(1).saturating_mul(60)),
            task_queue: task_queue.to_string(),
        })
    }
}
