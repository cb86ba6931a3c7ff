//! The static site: the page and its assets (compiled in from `public/`, so an installed binary
//! works anywhere), `data.json`, and the calendar feeds, all rendered from one [`Schedule`].

use std::collections::{BTreeMap, HashMap};

use atg_core::{FoodTruckEvent, Schedule, Site, SiteFile, UNNAMED_VENDOR};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::data_json::WebData;
use crate::health::{HEALTH_FILE, Health};
use crate::ics::{ALL_FEED, brewery_feed_name, render_calendar_in, truck_feed_name};

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

/// Every file of the site: the page and assets, `data.json`, `events.ics`, one
/// `events-<key>.ics` per configured brewery (empty feeds included, so links never break), and
/// one `events-truck-<slug>.ics` per truck of the week.
pub fn render_site(
    schedule: &Schedule,
    haiku: Option<&str>,
    updated: DateTime<Utc>,
) -> Result<Site, RenderError> {
    assemble(WebData::new(schedule, haiku, updated), schedule, None)
}

/// [`render_site`] with `health.json` beside `data.json` (and the page's notes of the
/// breweries it flags).
pub fn render_site_with_health(
    schedule: &Schedule,
    haiku: Option<&str>,
    health: &Health,
    updated: DateTime<Utc>,
) -> Result<Site, RenderError> {
    let data = WebData::new(schedule, haiku, updated).with_health(health, schedule.as_of);
    assemble(data, schedule, Some(health))
}

/// The site of a `data.json` made elsewhere (the original's `deploy_to_git` activity is given
/// one): published as it is, with the feeds of the events it describes.
pub fn render_data(data: WebData) -> Result<Site, RenderError> {
    let schedule = data.to_schedule();
    assemble(data, &schedule, None)
}

fn assemble(
    mut data: WebData,
    schedule: &Schedule,
    health: Option<&Health>,
) -> Result<Site, RenderError> {
    let json = data.to_json()?;
    // The digest sees `data.json` without the moment it was made: the same schedule an hour
    // later is the same site.
    let mut digest = Sha256::new();
    data.updated.clear();
    serde_json::to_writer_pretty(HashWriter(&mut digest), &data)?;
    drop(data);

    let zone = schedule.site.timezone;
    let mut files: Vec<SiteFile> = ASSETS
        .iter()
        .map(|(p, body)| SiteFile::new(*p, *body))
        .collect();
    files.push(SiteFile::new("data.json", json));
    if let Some(h) = health {
        files.push(SiteFile::new(HEALTH_FILE, h.to_json()?));
    }
    files.push(SiteFile::new(
        ALL_FEED,
        render_calendar_in(&calendar_name(schedule), zone, &schedule.events),
    ));
    let mut by_brewery: HashMap<&str, Vec<&FoodTruckEvent>> = HashMap::new();
    let mut by_truck: BTreeMap<String, (&str, Vec<&FoodTruckEvent>)> = BTreeMap::new();
    for e in &schedule.events {
        by_brewery
            .entry(e.brewery_key.as_str())
            .or_default()
            .push(e);
        if e.vendor != UNNAMED_VENDOR {
            by_truck
                .entry(truck_feed_name(&e.vendor))
                .or_insert_with(|| (e.vendor.as_str(), Vec::new()))
                .1
                .push(e);
        }
    }
    for b in &schedule.breweries {
        let own = by_brewery.remove(b.key.as_str()).unwrap_or_default();
        files.push(SiteFile::new(
            brewery_feed_name(&b.key),
            render_calendar_in(&format!("Food trucks at {}", b.name), zone, own),
        ));
    }
    for (feed, (vendor, events)) in by_truck {
        files.push(SiteFile::new(
            feed,
            render_calendar_in(&format!("{vendor}: where to find it"), zone, events),
        ));
    }
    for f in &files {
        digest.update(f.path.as_bytes());
        digest.update([0]);
        // health.json's own `updated` is the run's time, as data.json's: left out too.
        if f.path != "data.json" && f.path != HEALTH_FILE {
            digest.update(&f.bytes);
        }
        digest.update([0]);
    }
    if let Some(h) = health {
        let timeless = Health {
            updated: DateTime::<Utc>::UNIX_EPOCH,
            ..h.clone()
        };
        serde_json::to_writer(HashWriter(&mut digest), &timeless)?;
    }
    let digest = digest
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Site {
        files,
        digest,
        events: schedule.events.len(),
    })
}

/// The main feed's name: the original's for Ballard, the site's title for the others.
fn calendar_name(schedule: &Schedule) -> String {
    if schedule.site.title == atg_core::DEFAULT_SITE_TITLE {
        CALENDAR_NAME.to_string()
    } else {
        format!("{} Food Trucks", schedule.site.title)
    }
}

/// Writes into a hash (`data.json` is hashed as it is serialised, not copied).
struct HashWriter<'h>(&'h mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
