//! The static site: the page and its assets (compiled in from `public/`, so an installed binary
//! works anywhere), `data.json`, and the calendar feeds, all rendered from one [`Schedule`].

use std::collections::{BTreeMap, HashMap};

use std::fs::File;
use std::io::{BufWriter, Write};

use atg_core::{FoodTruckEvent, Schedule, Site, SiteDir, SiteFile, UNNAMED_VENDOR};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::data_json::{WebData, zone_label};
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
pub enum RenderError {
    #[error("the site could not be rendered: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the site could not be written to a temporary directory (TMPDIR): {0}")]
    Io(#[from] std::io::Error),
}

/// Every file of the site: the page and assets, `data.json`, `events.ics`, one
/// `events-<key>.ics` per configured brewery (empty feeds included, so links never break), and
/// one `events-truck-<slug>.ics` per truck of the week.
pub fn render_site(
    schedule: &Schedule,
    haiku: Option<&str>,
    updated: DateTime<Utc>,
) -> Result<Site, RenderError> {
    let label = zone_label(schedule.site.timezone, schedule.as_of);
    assemble(
        WebData::streamed(schedule, haiku, updated, &label),
        schedule,
        None,
    )
}

/// [`render_site`] with `health.json` beside `data.json` (and the page's notes of the
/// breweries it flags).
pub fn render_site_with_health(
    schedule: &Schedule,
    haiku: Option<&str>,
    health: &Health,
    updated: DateTime<Utc>,
) -> Result<Site, RenderError> {
    let label = zone_label(schedule.site.timezone, schedule.as_of);
    let data =
        WebData::streamed(schedule, haiku, updated, &label).with_health(health, schedule.as_of);
    assemble(data, schedule, Some(health))
}

/// The site of a `data.json` made elsewhere (the original's `deploy_to_git` activity is given
/// one): published as it is, with the feeds of the events it describes.
pub fn render_data(data: WebData) -> Result<Site, RenderError> {
    let schedule = data.to_schedule();
    assemble(data, &schedule, None)
}

fn assemble<E: serde::Serialize>(
    mut data: WebData<E>,
    schedule: &Schedule,
    health: Option<&Health>,
) -> Result<Site, RenderError> {
    let mut out = Output::new()?;
    for (p, body) in ASSETS {
        out.put(p, body.as_bytes())?;
    }
    // data.json and health.json are hashed without the moment they were made: the same
    // schedule an hour later is the same site.
    out.put_json("data.json", |d| serde_json::to_writer_pretty(d, &data))?;
    data.updated.clear();
    serde_json::to_writer_pretty(HashWriter(&mut out.digest), &data)?;
    drop(data);
    if let Some(h) = health {
        out.put_json(HEALTH_FILE, |d| serde_json::to_writer_pretty(d, h))?;
        let timeless = Health {
            updated: DateTime::<Utc>::UNIX_EPOCH,
            ..h.clone()
        };
        serde_json::to_writer(HashWriter(&mut out.digest), &timeless)?;
    }

    let zone = schedule.site.timezone;
    out.put(
        ALL_FEED,
        render_calendar_in(&calendar_name(schedule), zone, &schedule.events).as_bytes(),
    )?;
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
        let feed = render_calendar_in(&format!("Food trucks at {}", b.name), zone, own);
        out.put(&brewery_feed_name(&b.key), feed.as_bytes())?;
    }
    for (feed, (vendor, events)) in by_truck {
        let ics = render_calendar_in(&format!("{vendor}: where to find it"), zone, events);
        out.put(&feed, ics.as_bytes())?;
    }
    Ok(out.finish(schedule.events.len()))
}

/// The site as it is written: each file to the site's temporary directory as soon as it is
/// rendered (so the whole site is never in memory at once), and into the digest.
struct Output {
    dir: SiteDir,
    files: Vec<SiteFile>,
    digest: Sha256,
}

impl Output {
    fn new() -> Result<Self, RenderError> {
        Ok(Self {
            dir: SiteDir::new()?,
            files: Vec::new(),
            digest: Sha256::new(),
        })
    }

    /// The name in the directory of the next file: its number, whatever its name in the site.
    fn next(&self) -> String {
        self.files.len().to_string()
    }

    /// A file, hashed with its name and bytes.
    fn put(&mut self, name: &str, bytes: &[u8]) -> Result<(), RenderError> {
        let name_in_dir = self.next();
        std::fs::write(self.dir.path().join(&name_in_dir), bytes)?;
        self.digest.update(name.as_bytes());
        self.digest.update([0]);
        self.digest.update(bytes);
        self.digest.update([0]);
        self.files
            .push(SiteFile::on_disk(name, &self.dir, &name_in_dir));
        Ok(())
    }

    /// A JSON file streamed to disk by `write`; the caller hashes it (without its time).
    fn put_json(
        &mut self,
        name: &str,
        write: impl FnOnce(&mut BufWriter<File>) -> serde_json::Result<()>,
    ) -> Result<(), RenderError> {
        let name_in_dir = self.next();
        let mut file = BufWriter::new(File::create(self.dir.path().join(&name_in_dir))?);
        write(&mut file)?;
        file.flush()?;
        self.digest.update(name.as_bytes());
        self.digest.update([0, 0]);
        self.files
            .push(SiteFile::on_disk(name, &self.dir, &name_in_dir));
        Ok(())
    }

    fn finish(self, events: usize) -> Site {
        let digest = self
            .digest
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Site::new(self.files, digest, events)
    }
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
