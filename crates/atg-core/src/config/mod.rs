//! A site's configuration (`config/breweries.json`, a file of `sites`, or a directory of them):
//! which breweries to scrape, every URL their sources fetch, and where the site is published.
//!
//! [`model`] is what a loaded configuration is, [`parse`] reads and checks its text, [`load`]
//! finds and reads its files (and refuses what a workflow may not name).

mod load;
mod model;
mod parse;
#[cfg(test)]
mod tests;

pub use load::FileStamp;
pub use model::{
    Brewery, DEFAULT_SITE_DIR, DEFAULT_SITE_KEY, DEFAULT_SITE_TITLE, PublishSettings, SiteConfig,
    SiteInfo, SiteList, SiteRef, key_slug, tz_name,
};
pub use parse::{check_absolute_url, webcal_as_https};

/// The shipped configuration, compiled into every binary so that an installed tool works from
/// any directory without `--config`.
pub const EMBEDDED_CONFIG: &str = include_str!("../../../../config/breweries.json");

/// How the embedded configuration is named in messages.
pub const EMBEDDED_CONFIG_NAME: &str = "<embedded config/breweries.json>";

/// The largest configuration file read: a city's list is a few kilobytes and a region's of
/// tens of thousands of sources a few megabytes, so anything past this is a mistake (or
/// `/dev/zero`), refused before it fills memory.
pub const MAX_CONFIG_BYTES: u64 = 16 * 1024 * 1024;

/// hard-coded what they describe): accepted, with a notice.
pub const ORIGINAL_ONLY_SETTINGS: &[&str] = &[
    "api_type",
    "selectors",
    "csv_direct",
    "location_id",
    "date_format",
];

/// The most files a directory of sites may hold.
pub const MAX_SITE_FILES: usize = 1000;

/// Why a configuration file could not be used. Every message names the file, and the field
/// where there is one.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path}: cannot read it: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {path}: {problem}")]
    Unusable { path: String, problem: String },
    #[error("config_path {requested:?}: {reason}")]
    NotPermitted { requested: String, reason: String },
    #[error("config file {origin}: {field}: {message}")]
    Invalid {
        origin: String,
        field: String,
        message: String,
    },
    #[error("{origin}: no site {key:?} (sites: {known})")]
    NoSuchSite {
        origin: String,
        key: String,
        known: String,
    },
}
