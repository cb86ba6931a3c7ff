//! The pipeline's steps, in the order they run. Both front ends (the CLI and the Temporal
//! activities) call these and nothing else: scrape → [`Schedule`] → (AI) → [`render`] a
//! [`Site`] → [`publish`] it. A step takes typed values and returns typed values; no step
//! reads another's rendered output back.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use atg_core::{BreweryConfig, Clock, ConfigError, Schedule, Site, SiteList};
use atg_deploy::{DeployError, Deployed, GitSettings, LocalError};
use atg_scrapers::{Coordinator, FetchError, ScrapeOptions};
use atg_web::{Health, RenderError};
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

/// Every site at `path` (a file or a directory of sites; else the built-in list), each
/// brewery's source checked as [`load_config`] checks it.
pub fn load_sites(path: Option<&Path>) -> Result<SiteList, ConfigError> {
    checked_sites(SiteList::load(path)?)
}

/// Every site of a configuration someone else named ([`SiteList::load_within`]), checked.
pub fn load_sites_within(
    requested: Option<&str>,
    dir: Option<&Path>,
) -> Result<SiteList, ConfigError> {
    checked_sites(SiteList::load_within(requested, dir)?)
}

fn checked_sites(sites: SiteList) -> Result<SiteList, ConfigError> {
    for site in &sites.sites {
        atg_scrapers::check_config(site)?;
    }
    Ok(sites)
}

/// Every brewery of `config` scraped concurrently and merged into the site's week: the day is
/// the clock's, read in the site's zone.
pub async fn scrape(
    config: &BreweryConfig,
    clock: Clock,
    options: ScrapeOptions,
) -> Result<Schedule, FetchError> {
    let coordinator = Coordinator::new(options)?;
    let clock = clock.in_zone(config.site.timezone);
    let mut schedule = coordinator.scrape_all(&config.breweries, clock).await;
    schedule.site = config.site.reference();
    Ok(schedule)
}

/// The site's record of its sources after this run ([`Health::next`]), carried on from the
/// one `target` published last.
pub fn health(
    previous: Option<&Health>,
    schedule: &Schedule,
    stale_after: u32,
    now: DateTime<Utc>,
) -> Health {
    Health::next(previous, schedule, stale_after, now)
}

/// The `health.json` that `target` has: none the first time (or when the file is not a
/// record: a new one starts). A repository that cannot be read is an error, so that a run
/// never replaces a record it could not see.
pub async fn previous_health(
    target: &Target,
    now: DateTime<Utc>,
) -> Result<Option<Health>, PublishError> {
    let bytes = match target {
        Target::Directory(dir) => std::fs::read(dir.join(atg_web::health::HEALTH_FILE)).ok(),
        Target::Git(settings) => {
            atg_deploy::read_published(settings, atg_web::health::HEALTH_FILE, now).await?
        }
    };
    let health = bytes.as_deref().and_then(|b| {
        let h = Health::from_json(b);
        if h.is_none() {
            tracing::warn!("the published health.json is not a health record; starting afresh");
        }
        h
    });
    Ok(health)
}

/// The site of `schedule`, made at `updated`, with today's haiku if there is one and
/// `health.json` beside `data.json`.
pub fn render(
    schedule: &Schedule,
    haiku: Option<&str>,
    health: &Health,
    updated: DateTime<Utc>,
) -> Result<Arc<Site>, RenderError> {
    atg_web::render_site_with_health(schedule, haiku, health, updated).map(Arc::new)
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
