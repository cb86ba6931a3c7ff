use std::path::Path;

use atg_core::BreweryConfig;
use atg_deploy::{DeployError, Deployed, GitSettings, LocalError};
use atg_web::{SiteFile, WebData, WebInput, render_site};
use chrono::{DateTime, Utc};

use crate::Schedule;

/// `(key, name)` of every configured brewery, in order.
pub fn brewery_list(config: &BreweryConfig) -> Vec<(String, String)> {
    config
        .breweries
        .iter()
        .map(|b| (b.key.clone(), b.name.clone()))
        .collect()
}

/// The site's `data.json` for a schedule: made once per run and used by every publish target.
pub fn web_data(schedule: &Schedule, config: &BreweryConfig, haiku: Option<&str>) -> WebData {
    let breweries = brewery_list(config);
    WebData::new(WebInput {
        events: &schedule.events,
        errors: &schedule.errors,
        extra_errors: &[],
        haiku,
        updated: schedule.clock.now_utc(),
        window: schedule.clock.window(),
        breweries: &breweries,
    })
}

/// Every file of the site.
pub fn site_files(data: &WebData) -> Vec<SiteFile> {
    render_site(data)
}

/// What a publish did. A site without events is never published: an outage must not replace
/// the last good site by an empty one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published<T> {
    Done(T),
    /// No events: the target was left as it was.
    Skipped,
}

/// Writes the site into `dir`, replacing the previous one as a whole.
pub fn preview(data: &WebData, dir: &Path) -> Result<Published<usize>, LocalError> {
    if data.events.is_empty() {
        return Ok(Published::Skipped);
    }
    atg_deploy::publish_dir(dir, &site_files(data))?;
    Ok(Published::Done(data.events.len()))
}

/// Commits the site under `public/` of the target repository and pushes it.
pub async fn publish_to_git(
    data: &WebData,
    settings: &GitSettings,
    now: DateTime<Utc>,
) -> Result<Published<Deployed>, DeployError> {
    if data.events.is_empty() {
        return Ok(Published::Skipped);
    }
    atg_deploy::deploy(settings, site_files(data), now)
        .await
        .map(Published::Done)
}
