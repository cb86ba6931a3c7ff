//! The static site: the page and its assets (compiled in from `public/`, so an installed binary
//! works anywhere), `data.json`, and the calendar feeds.

use atg_core::FoodTruckEvent;

use crate::data_json::WebData;
use crate::ics::{ALL_FEED, brewery_feed_name, render_calendar};

/// The page's files, as in `public/`.
pub const ASSETS: &[(&str, &str)] = &[
    ("index.html", include_str!("../../../public/index.html")),
    ("app.js", include_str!("../../../public/app.js")),
    ("style.css", include_str!("../../../public/style.css")),
];

/// One file of the site, at a path relative to the site's root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

impl SiteFile {
    fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            path: path.into(),
            bytes: bytes.into(),
        }
    }
}

/// The calendar title of the site's main feed.
pub const CALENDAR_NAME: &str = "Ballard Food Trucks";

/// Every file of the site: the page and assets, `data.json`, `events.ics`, and one
/// `events-<key>.ics` per configured brewery (empty feeds included, so links never break).
/// Everything comes from `data` alone, so a `data.json` handed over by a Temporal activity
/// (or written by the original) publishes the same site.
pub fn render_site(data: &WebData) -> Vec<SiteFile> {
    let events: Vec<FoodTruckEvent> = data.events.iter().filter_map(|e| e.to_event()).collect();
    let events = &events[..];
    let mut files: Vec<SiteFile> = ASSETS
        .iter()
        .map(|(p, body)| SiteFile::new(*p, *body))
        .collect();
    files.push(SiteFile::new("data.json", data.to_json()));
    files.push(SiteFile::new(
        ALL_FEED,
        render_calendar(CALENDAR_NAME, events),
    ));
    for b in &data.breweries {
        let own: Vec<FoodTruckEvent> = events
            .iter()
            .filter(|e| e.brewery_key == b.key)
            .cloned()
            .collect();
        files.push(SiteFile::new(
            brewery_feed_name(&b.key),
            render_calendar(&format!("Food trucks at {}", b.name), &own),
        ));
    }
    files
}
