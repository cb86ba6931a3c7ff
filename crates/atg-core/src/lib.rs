//! The domain of Around the Grounds: breweries and their configuration, food-truck events,
//! per-brewery scrape errors, and the clock of a site's zone with its 7-day schedule window.
//!
//! This crate does no I/O beyond reading a config file and knows nothing of HTTP, HTML or
//! Temporal; every other crate builds on it.

mod chain;
mod channel;
mod clock;
mod config;
mod error;
mod event;
mod schedule;
mod secret;
mod site;

pub use chain::error_chain;
pub use channel::{is_loopback_host, secret_may_travel_to};
pub use clock::{
    AsOfError, Clock, PACIFIC, SANE_YEARS, ScheduleWindow, WINDOW_DAYS, infer_year, is_sane_date,
    localize_in, parse_as_of, sane_date, sane_datetime,
};
pub use config::{
    Brewery, ConfigError, DEFAULT_SITE_DIR, DEFAULT_SITE_KEY, DEFAULT_SITE_TITLE, EMBEDDED_CONFIG,
    EMBEDDED_CONFIG_NAME, FileStamp, MAX_CONFIG_BYTES, ORIGINAL_ONLY_SETTINGS, PublishSettings,
    SiteConfig, SiteInfo, SiteList, SiteRef, check_absolute_url, key_slug, tz_name,
    webcal_as_https,
};
pub use error::{ErrorKind, Limit, ScrapeError, thousands, user_message_for};
pub use event::{FoodTruckEvent, UNNAMED_VENDOR, sort_and_dedup};
pub use schedule::{BreweryOutcome, BreweryRef, PartialRead, RunStatus, Schedule};
pub use secret::{RepositoryUrl, Secret, split_credentials};
pub use site::{Site, SiteDir, SiteFile, is_site_directory};
