//! The pipeline's steps, in the order they run. Both front ends (the CLI and the Temporal
//! activities) call these and nothing else: scrape → [`Schedule`] → (AI) → [`render`] a
//! [`Site`] → [`publish`] it. A step takes typed values and returns typed values; no step
//! reads another's rendered output back.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use atg_core::{BreweryConfig, Clock, ConfigError, Schedule, Site};
use atg_deploy::{DeployError, Deployed, GitSettings, LocalError};
use atg_scrapers::{Coordinator, FetchError, ScrapeOptions};
use atg_web::RenderError;
use chrono::{DateTime, Utc};

/// The brewery list at `path` (else the built-in one), every brewery's source checked: an
/// unknown parser or a bad setting is refused here, naming the brewery and the field.
pub fn load_config(path: Option<&Path>) -> Result<BreweryConfig, ConfigError> {
    checked(BreweryConfig::load(path)?)
}

/// A brewery list someone else named (a workflow's `config_path`), read only inside `dir`
/// ([`BreweryConfig::load_within`]), and checked as [`load_config`].
pub fn load_config_within(
    requested: Option<&str>,
    dir: Option<&Path>,
) -> Result<BreweryConfig, ConfigError> {
    checked(BreweryConfig::load_within(requested, dir)?)
}

fn checked(config: BreweryConfig) -> Result<BreweryConfig, ConfigError> {
    atg_scrapers::check_config(&config)?;
    Ok(config)
}

/// Every brewery of `config` scraped concurrently and merged into the clock's week.
pub async fn scrape(
    config: &BreweryConfig,
    clock: Clock,
    options: ScrapeOptions,
) -> Result<Schedule, FetchError> {
    let coordinator = Coordinator::new(options)?;
    Ok(coordinator.scrape_all(&config.breweries, clock).await)
}

/// The site of `schedule`, made at `updated`, with today's haiku if there is one.
pub fn render(
    schedule: &Schedule,
    haiku: Option<&str>,
    updated: DateTime<Utc>,
) -> Result<Arc<Site>, RenderError> {
    atg_web::render_site(schedule, haiku, updated).map(Arc::new)
}

/// Where a site is published.
#[derive(Debug, Clone)]
pub enum Target {
    /// A local directory, replaced as a whole (`--preview`).
    Directory(PathBuf),
    /// `public/` of a git repository, committed and pushed (`--deploy`, the workflow).
    Git(Box<GitSettings>),
}

/// What a publish did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// The directory holds the site.
    Written,
    /// A commit was pushed.
    Committed { commit: String },
    /// The repository already shows this schedule: nothing was pushed.
    Unchanged,
    /// No events: the target was left as it was.
    Skipped,
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Local(#[from] LocalError),
    #[error(transparent)]
    Git(#[from] DeployError),
}

/// Publishes `site` to `target`, when it is [publishable](Site::publishable).
pub async fn publish(
    site: &Arc<Site>,
    target: &Target,
    now: DateTime<Utc>,
) -> Result<Published, PublishError> {
    if !site.publishable() {
        return Ok(Published::Skipped);
    }
    match target {
        Target::Directory(dir) => {
            atg_deploy::publish_dir(dir, &site.files)?;
            Ok(Published::Written)
        }
        Target::Git(settings) => Ok(
            match atg_deploy::deploy(settings, site.clone(), now).await? {
                Deployed::Committed { commit, .. } => Published::Committed { commit },
                Deployed::NoChanges => Published::Unchanged,
            },
        ),
    }
}
