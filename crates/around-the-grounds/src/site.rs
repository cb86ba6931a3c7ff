use std::path::Path;

use atg_core::BreweryConfig;
use atg_deploy::LocalError;
use atg_web::{SiteFile, WebData, WebInput, render_site};

use crate::Schedule;

/// `(key, name)` of every configured brewery, in order.
pub fn brewery_list(config: &BreweryConfig) -> Vec<(String, String)> {
    config
        .breweries
        .iter()
        .map(|b| (b.key.clone(), b.name.clone()))
        .collect()
}

/// The site's `data.json` for a schedule.
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

/// Every file of the site for a schedule.
pub fn site_files(
    schedule: &Schedule,
    config: &BreweryConfig,
    haiku: Option<&str>,
) -> Vec<SiteFile> {
    render_site(&web_data(schedule, config, haiku), &schedule.events)
}

/// What a preview did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Preview {
    /// The site was replaced; this many events are in it.
    Written { events: usize },
    /// No events: the directory was left as it was.
    Skipped,
}

/// Writes the site into `dir` when there is something to publish, replacing the previous site
/// as a whole; a failure leaves the previous site in place.
pub fn preview(
    schedule: &Schedule,
    config: &BreweryConfig,
    dir: &Path,
    haiku: Option<&str>,
) -> Result<Preview, LocalError> {
    if !schedule.publishable() {
        return Ok(Preview::Skipped);
    }
    atg_deploy::publish_dir(dir, &site_files(schedule, config, haiku))?;
    Ok(Preview::Written {
        events: schedule.events.len(),
    })
}
