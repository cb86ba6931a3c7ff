//! The static site: the page and its assets (compiled in from `public/`, so an installed binary
//! works anywhere), `data.json`, and the calendar feeds, all rendered from one [`Schedule`].

use std::collections::HashMap;

use atg_core::{FoodTruckEvent, Schedule, Site, SiteFile};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::data_json::WebData;
use crate::ics::{ALL_FEED, brewery_feed_name, render_calendar};

/// The page's files, as in `public/`.
pub const ASSETS: &[(&str, &str)] = &[
    ("index.html", include_str!("../../../public/index.html")),
    ("app.js", include_str!("../../../public/app.js")),
    ("style.css", include_str!("../../../public/style.css")),
];

/// The calendar title of the site's main feed.
pub const CALENDAR_NAME: &str = "Ballard Food Trucks";

#[derive(Debug, thiserror::Error)]
#[error("the site could not be rendered: {0}")]
pub struct RenderError(#[from] serde_json::Error);

/// Every file of the site: the page and assets, `data.json`, `events.ics`, and one
/// `events-<key>.ics` per configured brewery (empty feeds included, so links never break).
pub fn render_site(
    schedule: &Schedule,
    haiku: Option<&str>,
    updated: DateTime<Utc>,
) -> Result<Site, RenderError> {
    assemble(WebData::new(schedule, haiku, updated), schedule)
}

/// The site of a `data.json` made elsewhere (the original's `deploy_to_git` activity is given
/// one): published as it is, with the feeds of the events it describes.
pub fn render_data(data: WebData) -> Result<Site, RenderError> {
    let schedule = data.to_schedule();
    assemble(data, &schedule)
}

fn assemble(mut data: WebData, schedule: &Schedule) -> Result<Site, RenderError> {
    let json = data.to_json()?;
    data.updated.clear();
    let timeless_json = data.to_json()?;

    let mut files: Vec<SiteFile> = ASSETS
        .iter()
        .map(|(p, body)| SiteFile::new(*p, *body))
        .collect();
    files.push(SiteFile::new("data.json", json));
    files.push(SiteFile::new(
        ALL_FEED,
        render_calendar(CALENDAR_NAME, &schedule.events),
    ));
    let mut by_brewery: HashMap<&str, Vec<FoodTruckEvent>> = HashMap::new();
    for e in &schedule.events {
        by_brewery
            .entry(e.brewery_key.as_str())
            .or_default()
            .push(e.clone());
    }
    for b in &schedule.breweries {
        let own = by_brewery.remove(b.key.as_str()).unwrap_or_default();
        files.push(SiteFile::new(
            brewery_feed_name(&b.key),
            render_calendar(&format!("Food trucks at {}", b.name), &own),
        ));
    }

    let mut h = Sha256::new();
    for f in &files {
        h.update(f.path.as_bytes());
        h.update([0]);
        if f.path == "data.json" {
            h.update(timeless_json.as_bytes());
        } else {
            h.update(&f.bytes);
        }
        h.update([0]);
    }
    let digest = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(Site {
        files,
        digest,
        events: schedule.events.len(),
    })
}
