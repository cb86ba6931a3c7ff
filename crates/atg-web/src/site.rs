//! The static site: the page and its assets (compiled in from `public/`, so an installed binary
//! works anywhere), `data.json`, and the calendar feeds, all rendered from one [`Schedule`].

use std::collections::{BTreeMap, HashMap};

use std::fs::File;
use std::io::{BufWriter, Write};

use atg_core::{FoodTruckEvent, Schedule, Site, SiteDir, SiteFile, UNNAMED_VENDOR};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::data_json::{WebData, zone_label};
use crate::health::{HEALTH_FILE, HealthRecord};
use crate::ics::{ALL_FEED, Zone, brewery_feed_name, truck_feed_name, write_calendar_with};

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
        IN_MEMORY,
    )
}

/// [`render_site`] with `health.json` beside `data.json` (and the page's notes of the
/// breweries it flags).
pub fn render_site_with_health(
    schedule: &Schedule,
    haiku: Option<&str>,
    health: &HealthRecord,
    updated: DateTime<Utc>,
) -> Result<Site, RenderError> {
    let label = zone_label(schedule.site.timezone, schedule.as_of);
    let data =
        WebData::streamed(schedule, haiku, updated, &label).with_health(health, schedule.as_of);
    assemble(data, schedule, Some(health), IN_MEMORY)
}

/// The site of a `data.json` made elsewhere (the original's `deploy_to_git` activity is given
/// one): published as it is, with the feeds of the events it describes.
pub fn render_data(data: WebData) -> Result<Site, RenderError> {
    let schedule = data.to_schedule();
    assemble(data, &schedule, None, IN_MEMORY)
}

fn assemble<E: serde::Serialize>(
    mut data: WebData<E>,
    schedule: &Schedule,
    health: Option<&HealthRecord>,
    budget: usize,
) -> Result<Site, RenderError> {
    let mut out = Output::new(budget);
    for (p, body) in ASSETS {
        out.put(p, body.as_bytes())?;
    }
    // data.json and health.json are hashed without the moment they were made: the same
    // schedule an hour later is the same site.
    out.put_json("data.json", |d| serde_json::to_writer_pretty(d, &data))?;
    data.updated.clear();
    serde_json::to_writer_pretty(out.hash_only(), &data)?;
    drop(data);
    if let Some(h) = health {
        out.put_json(HEALTH_FILE, |d| serde_json::to_writer_pretty(d, h))?;
        let timeless = HealthRecord {
            updated: DateTime::<Utc>::UNIX_EPOCH,
            ..h.clone()
        };
        serde_json::to_writer(out.hash_only(), &timeless)?;
    }

    let zone = &mut Zone::new(schedule.site.timezone);
    out.put_feed(ALL_FEED, &calendar_name(schedule), zone, &schedule.events)?;
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
        let title = format!("Food trucks at {}", b.name);
        out.put_feed(&brewery_feed_name(&b.key), &title, zone, own)?;
    }
    for (feed, (vendor, events)) in by_truck {
        let title = format!("{vendor}: where to find it");
        out.put_feed(&feed, &title, zone, events)?;
    }
    Ok(out
        .finish(schedule.events.len())
        .in_zone(schedule.site.timezone))
}

/// How much of a site stays in memory: a city's whole site (a few hundred KB, 1,000 events
/// about 2 MB) is rendered and published without touching the disk; past this, each file is
/// written to the site's temporary directory as it is rendered, so a region's site (tens of
/// MB) is never in memory at once.
const IN_MEMORY: usize = 4 << 20;

/// The site as it is written, file by file, and its digest.
struct Output {
    /// Created when the first file spills.
    dir: Option<SiteDir>,
    files: Vec<SiteFile>,
    digest: Sha256,
    /// Bytes of the files kept in memory, and how many may be.
    kept: usize,
    budget: usize,
}

impl Output {
    fn new(budget: usize) -> Self {
        Self {
            dir: None,
            files: Vec::new(),
            digest: Sha256::new(),
            kept: 0,
            budget,
        }
    }

    /// A writer for the next file: in memory while the site's budget lasts, then on disk (its
    /// number is its name in the directory, whatever its name in the site).
    fn writer(&mut self) -> Spill<'_> {
        self.writer_and_digest().0
    }

    /// [`Output::writer`], and the digest beside it.
    fn writer_and_digest(&mut self) -> (Spill<'_>, &mut Sha256) {
        let spill = Spill {
            name_in_dir: self.files.len().to_string(),
            limit: self.budget.saturating_sub(self.kept),
            dir: &mut self.dir,
            memory: Vec::new(),
            file: None,
        };
        (spill, &mut self.digest)
    }

    /// A writer into the digest alone.
    fn hash_only(&mut self) -> Tee<'_, std::io::Sink> {
        Tee {
            out: std::io::sink(),
            digest: &mut self.digest,
        }
    }

    fn push(&mut self, name: &str, written: Written) {
        let file = match written {
            Written::Memory(bytes) => {
                self.kept += bytes.len();
                SiteFile::new(name, bytes)
            }
            Written::Disk(dir, name_in_dir) => SiteFile::on_disk(name, &dir, &name_in_dir),
        };
        self.files.push(file);
    }

    /// A file, hashed with its name and bytes.
    fn put(&mut self, name: &str, bytes: &[u8]) -> Result<(), RenderError> {
        self.put_with(name, |w| w.write_all(bytes))
    }

    /// A calendar feed, streamed (hashed as [`Output::put`] hashes).
    fn put_feed<'e>(
        &mut self,
        name: &str,
        title: &str,
        zone: &mut Zone,
        events: impl IntoIterator<Item = &'e FoodTruckEvent>,
    ) -> Result<(), RenderError> {
        self.put_with(name, |w| write_calendar_with(w, title, zone, events))
    }

    /// A file streamed by `write`, and into the digest after its name.
    fn put_with(
        &mut self,
        name: &str,
        write: impl FnOnce(&mut Tee<'_, Spill<'_>>) -> std::io::Result<()>,
    ) -> Result<(), RenderError> {
        self.digest.update(name.as_bytes());
        self.digest.update([0]);
        let (out, digest) = self.writer_and_digest();
        let mut tee = Tee { out, digest };
        let written = write(&mut tee).and_then(|()| tee.out.finish());
        self.digest.update([0]);
        self.push(name, written?);
        Ok(())
    }

    /// A JSON file streamed by `write`; the caller hashes it (without its time).
    fn put_json(
        &mut self,
        name: &str,
        write: impl FnOnce(&mut Spill<'_>) -> serde_json::Result<()>,
    ) -> Result<(), RenderError> {
        let mut out = self.writer();
        write(&mut out)?;
        let written = out.finish()?;
        self.digest.update(name.as_bytes());
        self.digest.update([0, 0]);
        self.push(name, written);
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

/// Where a file went.
enum Written {
    Memory(Vec<u8>),
    Disk(SiteDir, String),
}

/// One file being written: into memory up to `limit` bytes, then (what it had so far too) to
/// its file in the site's directory.
struct Spill<'o> {
    name_in_dir: String,
    limit: usize,
    dir: &'o mut Option<SiteDir>,
    memory: Vec<u8>,
    file: Option<BufWriter<File>>,
}

impl Spill<'_> {
    fn finish(mut self) -> std::io::Result<Written> {
        match (self.file.take(), self.dir.as_ref()) {
            (Some(mut file), Some(dir)) => {
                file.flush()?;
                Ok(Written::Disk(dir.clone(), self.name_in_dir))
            }
            _ => Ok(Written::Memory(self.memory)),
        }
    }
}

impl Write for Spill<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.file.is_none() && self.memory.len() + buf.len() > self.limit {
            let dir = match self.dir {
                Some(dir) => dir,
                None => self.dir.insert(SiteDir::new()?),
            };
            let mut file = BufWriter::new(File::create(dir.path().join(&self.name_in_dir))?);
            file.write_all(&std::mem::take(&mut self.memory))?;
            self.file = Some(file);
        }
        match &mut self.file {
            Some(file) => file.write(buf),
            None => {
                self.memory.extend_from_slice(buf);
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

/// Writes to `out` and into a hash (`data.json` is hashed as it is serialised, not copied;
/// with [`std::io::sink`] only hashed).
struct Tee<'h, W> {
    out: W,
    digest: &'h mut Sha256,
}

impl<W: Write> Write for Tee<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.digest.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
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
