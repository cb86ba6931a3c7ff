//! `config/breweries.json`: which breweries to scrape and every URL their sources fetch.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;

use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// The shipped configuration, compiled into every binary so that an installed tool works from
/// any directory without `--config`.
pub const EMBEDDED_CONFIG: &str = include_str!("../../../config/breweries.json");

/// How the embedded configuration is named in messages.
pub const EMBEDDED_CONFIG_NAME: &str = "<embedded config/breweries.json>";

/// The largest configuration file read: a city's list is a few kilobytes and a region's of
/// tens of thousands of sources a few megabytes, so anything past this is a mistake (or
/// `/dev/zero`), refused before it fills memory.
pub const MAX_CONFIG_BYTES: u64 = 16 * 1024 * 1024;

/// A brewery key as it appears in file names (`events-<slug>.ics`): ASCII letters and digits
/// lower-cased, everything else `-`.
pub fn key_slug(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// One brewery: which source module reads it (`parser`, else `key`) and that source's
/// settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Brewery {
    pub key: String,
    pub name: String,
    pub url: String,
    /// The source module, when it differs from `key` (a second Squarespace brewery, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parser: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub parser_config: Map<String, Value>,
}

fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Map<String, Value>, D::Error> {
    Ok(Option::<Map<String, Value>>::deserialize(d)?.unwrap_or_default())
}

impl Brewery {
    /// The name of the source module that reads this brewery.
    pub fn parser_key(&self) -> &str {
        self.parser.as_deref().unwrap_or(&self.key)
    }

    /// Every address this brewery's entry names: its `url` and each http(s) setting (the hosts
    /// its source may ask, as the operator wrote them).
    pub fn urls(&self) -> impl Iterator<Item = &str> {
        let settings = self
            .parser_config
            .values()
            .filter_map(|v| v.as_str())
            .filter(|v| {
                let v = v.trim_start();
                v.get(..7)
                    .is_some_and(|p| p.eq_ignore_ascii_case("http://"))
                    || v.get(..8)
                        .is_some_and(|p| p.eq_ignore_ascii_case("https://"))
            });
        std::iter::once(self.url.as_str()).chain(settings)
    }
}

/// Where a site is published: its repository, branch, and directory inside it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishSettings {
    /// The target repository (else the operator's `--git-repo` / `GIT_REPOSITORY_URL`), with
    /// any credential written into it taken out when the configuration is loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// The credential the configuration wrote into `repository` (for that host only). Never
    /// serialized: a payload, a log or a history never carries it.
    #[serde(skip)]
    pub credential: Option<crate::Secret>,
    /// The branch (else `--git-branch` / `GIT_BRANCH`, else `main`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// The directory inside the repository the site replaces ([`DEFAULT_SITE_DIR`]; `.` for the
    /// repository's root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Where in the target repository a site goes unless its `publish.path` says otherwise.
pub const DEFAULT_SITE_DIR: &str = "public";

impl PublishSettings {
    /// The directory inside the repository, `""` for the root.
    pub fn dir(&self) -> &str {
        match self.path.as_deref().map(|p| p.trim().trim_matches('/')) {
            None => DEFAULT_SITE_DIR,
            Some(".") => "",
            Some(p) => p,
        }
    }
}

/// A site: a list of breweries published together, in one time zone, to one place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteInfo {
    /// Names the site in `--site`, a workflow's `site` and directories (`a-z`, `0-9`, `-`).
    pub key: String,
    /// What readers see: "Food Trucks in {title}".
    pub title: String,
    /// The zone of the site's day, its window and every time it shows.
    #[serde(with = "tz_name")]
    pub timezone: Tz,
    /// Where the site is, for the haiku's weather (both or neither).
    pub coordinates: Option<(f64, f64)>,
    /// Open-Meteo's forecast API (the haiku's `{weather}`), like every URL from the config.
    pub weather_url: Option<String>,
    #[serde(default)]
    pub publish: PublishSettings,
    /// Runs in a row without trucks after which a brewery that had some is flagged.
    #[serde(default = "default_stale_after")]
    pub stale_after: u32,
}

/// A brewery that had trucks is flagged after this many runs in a row without any.
pub const DEFAULT_STALE_AFTER: u32 = 3;

fn default_stale_after() -> u32 {
    DEFAULT_STALE_AFTER
}

impl Default for SiteInfo {
    fn default() -> Self {
        Self {
            key: DEFAULT_SITE_KEY.into(),
            title: DEFAULT_SITE_TITLE.into(),
            timezone: crate::PACIFIC,
            coordinates: None,
            weather_url: None,
            publish: PublishSettings::default(),
            stale_after: DEFAULT_STALE_AFTER,
        }
    }
}

/// The site a brewery list without site settings is: the original's, Ballard, in Pacific time.
pub const DEFAULT_SITE_KEY: &str = "ballard";
/// Its title.
pub const DEFAULT_SITE_TITLE: &str = "Ballard";

impl SiteInfo {
    /// The site as a schedule names it.
    pub fn reference(&self) -> SiteRef {
        SiteRef {
            key: self.key.clone(),
            title: self.title.clone(),
            timezone: self.timezone,
        }
    }
}

/// A site as a schedule and its outputs name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteRef {
    pub key: String,
    pub title: String,
    #[serde(with = "tz_name")]
    pub timezone: Tz,
}

impl Default for SiteRef {
    fn default() -> Self {
        Self {
            key: DEFAULT_SITE_KEY.into(),
            title: DEFAULT_SITE_TITLE.into(),
            timezone: crate::PACIFIC,
        }
    }
}

/// A zone as its tz database name (`America/Los_Angeles`).
pub mod tz_name {
    use chrono_tz::Tz;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(tz.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
        let name = String::deserialize(d)?;
        name.parse()
            .map_err(|_| D::Error::custom(format!("{name:?} is not a tz database zone")))
    }
}

/// A site as written in a file: `breweries.json` is one with only `breweries`. An unknown
/// field is refused (a misspelt `timezone` must not quietly mean Pacific).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteFile {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    timezone: Option<String>,
    #[serde(default)]
    latitude: Option<f64>,
    #[serde(default)]
    longitude: Option<f64>,
    #[serde(default)]
    weather_url: Option<String>,
    #[serde(default)]
    publish: PublishSettings,
    #[serde(default)]
    stale_after: Option<u32>,
    #[serde(default)]
    breweries: Vec<Brewery>,
    /// A file of several sites has only this.
    #[serde(default)]
    sites: Option<Vec<SiteFile>>,
}

impl SiteFile {
    /// Whether the file sets nothing but (perhaps) `sites`.
    fn only_sites(&self) -> bool {
        self.key.is_none()
            && self.title.is_none()
            && self.timezone.is_none()
            && self.latitude.is_none()
            && self.longitude.is_none()
            && self.weather_url.is_none()
            && self.publish == PublishSettings::default()
            && self.stale_after.is_none()
            && self.breweries.is_empty()
    }
}

/// One site's validated brewery list, and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct BreweryConfig {
    pub site: SiteInfo,
    pub breweries: Vec<Brewery>,
    pub origin: String,
}

/// Every site of a configuration: a `breweries.json` (one site), a file with a `sites` list,
/// or a directory of such files (`config/sites/`).
#[derive(Debug, Clone, PartialEq)]
pub struct SiteList {
    pub sites: Vec<BreweryConfig>,
}

/// Settings the original's `breweries.json` carries that no source here reads (its parsers
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

impl BreweryConfig {
    /// The configuration compiled into the binary.
    pub fn embedded() -> Result<Self, ConfigError> {
        Self::parse(EMBEDDED_CONFIG, EMBEDDED_CONFIG_NAME)
    }

    /// The default site of `path` (a file or a directory of sites), else the embedded one.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        SiteList::load(path)?.site(None).cloned()
    }

    /// The default site of a configuration someone else named ([`SiteList::load_within`]).
    pub fn load_within(requested: Option<&str>, dir: Option<&Path>) -> Result<Self, ConfigError> {
        SiteList::load_within(requested, dir)?.site(None).cloned()
    }

    /// The default site of configuration text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConfigError> {
        SiteList::parse(text, origin)?.site(None).cloned()
    }
}

impl SiteList {
    /// The sites at `path`: a file, or a directory whose `*.json` files are read in name order;
    /// without a path, the embedded configuration.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_inside(path, None)
    }

    /// [`SiteList::load`], every file of a directory checked to be inside `base` once its
    /// symlinks are resolved (a link in the worker's config directory to a file outside it
    /// is refused, and named, never read).
    fn load_inside(path: Option<&Path>, base: Option<&Path>) -> Result<Self, ConfigError> {
        let Some(p) = path else {
            return Self::parse(EMBEDDED_CONFIG, EMBEDDED_CONFIG_NAME);
        };
        if !p.is_dir() {
            return Self::parse(&read_bounded(p)?, &p.display().to_string());
        }
        let read_err = |source| ConfigError::Read {
            path: p.display().to_string(),
            source,
        };
        let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(p)
            .map_err(read_err)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|f| f.extension().is_some_and(|x| x == "json"))
            .take(MAX_SITE_FILES + 1)
            .collect();
        if files.len() > MAX_SITE_FILES {
            return Err(ConfigError::Unusable {
                path: p.display().to_string(),
                problem: format!("holds more than {MAX_SITE_FILES} site files"),
            });
        }
        files.sort();
        if let Some(base) = base {
            for f in &files {
                let inside = f.canonicalize().is_ok_and(|real| real.starts_with(base));
                if !inside {
                    return Err(ConfigError::NotPermitted {
                        requested: f.display().to_string(),
                        reason: "a link to a file outside the worker's config directory".into(),
                    });
                }
            }
        }
        let mut all = Self { sites: Vec::new() };
        for f in files {
            let more = Self::parse(&read_bounded(&f)?, &f.display().to_string())?;
            for site in more.sites {
                if let Some(first) = all.sites.iter().find(|s| s.site.key == site.site.key) {
                    return Err(ConfigError::Invalid {
                        origin: site.origin.clone(),
                        field: "key".into(),
                        message: format!(
                            "the site key {:?} is also the key of a site in {}",
                            site.site.key, first.origin
                        ),
                    });
                }
                all.sites.push(site);
            }
        }
        if all.sites.is_empty() {
            return Err(ConfigError::Unusable {
                path: p.display().to_string(),
                problem: "holds no site (*.json)".into(),
            });
        }
        Ok(all)
    }

    /// A configuration someone else named (a workflow's `config_path`): read only from inside
    /// `dir`, the directory the worker's operator allowed (`ATG_CONFIG_DIR`), after symlinks
    /// are resolved (a directory's files too); without a `dir`, only the embedded
    /// configuration. A relative `requested` is taken inside `dir`.
    pub fn load_within(requested: Option<&str>, dir: Option<&Path>) -> Result<Self, ConfigError> {
        match resolve_within(requested, dir)? {
            None => Self::load(None),
            Some((real, base)) => Self::load_inside(Some(&real), Some(&base)),
        }
    }

    /// What the files of the configuration [`SiteList::load_within`] would read are now (each
    /// file's path, size and modification time): the same stamp means the same configuration,
    /// without reading it again.
    pub fn stamp_within(
        requested: Option<&str>,
        dir: Option<&Path>,
    ) -> Result<Vec<FileStamp>, ConfigError> {
        let Some((real, _)) = resolve_within(requested, dir)? else {
            return Ok(Vec::new());
        };
        let stamp = |p: &Path| {
            let m = std::fs::metadata(p).ok();
            (
                p.to_path_buf(),
                m.as_ref().map_or(0, std::fs::Metadata::len),
                m.and_then(|m| m.modified().ok()),
            )
        };
        if !real.is_dir() {
            return Ok(vec![stamp(&real)]);
        }
        let mut files: Vec<FileStamp> = std::fs::read_dir(&real)
            .map_err(|source| ConfigError::Read {
                path: real.display().to_string(),
                source,
            })?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|f| f.extension().is_some_and(|x| x == "json"))
            .take(MAX_SITE_FILES + 1)
            .map(|f| stamp(&f))
            .collect();
        files.sort();
        Ok(files)
    }

    /// Parses and validates configuration text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let invalid = |field: String, message: String| ConfigError::Invalid {
            origin: origin.to_string(),
            field,
            message,
        };
        let located = |e: serde_path_to_error::Error<serde_json::Error>| {
            let path = e.path().to_string();
            let field = if path == "." || path == "?" {
                "(top level)".to_string()
            } else {
                path
            };
            invalid(field, e.into_inner().to_string())
        };
        // One pass over the text, straight into the types (a region's list is megabytes).
        let mut file: SiteFile =
            serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(text))
                .map_err(located)?;
        let (files, prefix): (Vec<SiteFile>, bool) = match file.sites.take() {
            Some(_) if !file.only_sites() => {
                return Err(invalid(
                    "sites".into(),
                    "a file with a `sites` list holds nothing else (put the settings in its sites)"
                        .into(),
                ));
            }
            Some(sites) => (sites, true),
            None => (vec![file], false),
        };
        if files.is_empty() {
            return Err(invalid("sites".into(), "lists no site".into()));
        }
        let mut sites: Vec<BreweryConfig> = Vec::with_capacity(files.len());
        for (k, file) in files.into_iter().enumerate() {
            let at = if prefix {
                format!("sites[{k}].")
            } else {
                String::new()
            };
            if file.sites.is_some() {
                return Err(invalid(
                    format!("{at}sites"),
                    "a site cannot hold sites".into(),
                ));
            }
            let site = site(file, &at, prefix, origin)?;
            if sites.iter().any(|s| s.site.key == site.site.key) {
                return Err(invalid(
                    format!("{at}key"),
                    format!("duplicate site key {:?}", site.site.key),
                ));
            }
            sites.push(site);
        }
        Ok(Self { sites })
    }

    /// The site `key`, or the default one (the first) for `None`.
    pub fn site(&self, key: Option<&str>) -> Result<&BreweryConfig, ConfigError> {
        let found = match key.map(str::trim).filter(|k| !k.is_empty()) {
            None => self.sites.first(),
            Some(k) => self.sites.iter().find(|s| s.site.key == k),
        };
        found.ok_or_else(|| ConfigError::NoSuchSite {
            origin: self.origin(),
            key: key.unwrap_or_default().to_string(),
            known: self.keys().join(", "),
        })
    }

    /// The sites `wanted` names (`all` for every one); none named: the default site.
    pub fn select(&self, wanted: &[String]) -> Result<Vec<&BreweryConfig>, ConfigError> {
        if wanted.is_empty() {
            return Ok(vec![self.site(None)?]);
        }
        if wanted.iter().any(|w| w == "all") {
            return Ok(self.sites.iter().collect());
        }
        let mut out: Vec<&BreweryConfig> = Vec::new();
        for w in wanted {
            let s = self.site(Some(w))?;
            if !out.iter().any(|o| o.site.key == s.site.key) {
                out.push(s);
            }
        }
        Ok(out)
    }

    pub fn keys(&self) -> Vec<&str> {
        self.sites.iter().map(|s| s.site.key.as_str()).collect()
    }

    /// This configuration with what the original's `breweries.json` leaves out filled in: a
    /// brewery read by its key (no `parser`) takes every setting it does not give from the
    /// entry of the same key in `defaults` (the operator's own configuration, the built-in
    /// list unless they named another), where the original kept those addresses in its code.
    /// Settings only the original read are kept and named in the notices (one line each).
    pub fn with_defaults(mut self, defaults: &SiteList) -> (Self, Vec<String>) {
        let mut notices = Vec::new();
        for site in &mut self.sites {
            for b in site.breweries.iter_mut().filter(|b| b.parser.is_none()) {
                let Some(own) = defaults
                    .sites
                    .iter()
                    .flat_map(|s| &s.breweries)
                    .find(|d| d.key == b.key)
                else {
                    continue;
                };
                for field in ORIGINAL_ONLY_SETTINGS {
                    if b.parser_config.contains_key(*field)
                        && !own.parser_config.contains_key(*field)
                    {
                        notices.push(format!(
                            "{}: {} ({}): parser_config.{field} is the original's and is not read here",
                            site.origin, b.key, site.site.key
                        ));
                    }
                }
                for (k, v) in &own.parser_config {
                    b.parser_config
                        .entry(k.clone())
                        .or_insert_with(|| v.clone());
                }
            }
        }
        (self, notices)
    }

    fn origin(&self) -> String {
        self.sites
            .first()
            .map_or_else(|| "config".to_string(), |s| s.origin.clone())
    }
}

/// One site of a file, checked; `at` prefixes its fields in errors.
fn site(
    file: SiteFile,
    at: &str,
    in_list: bool,
    origin: &str,
) -> Result<BreweryConfig, ConfigError> {
    let invalid = |field: &str, message: String| ConfigError::Invalid {
        origin: origin.to_string(),
        field: format!("{at}{field}"),
        message,
    };
    let unnamed = file.key.is_none();
    let key = match file.key.map(|k| k.trim().to_string()) {
        Some(k) if !k.is_empty() => k,
        Some(_) => return Err(invalid("key", "must not be empty".into())),
        None if in_list => {
            return Err(invalid("key", "is required for each site of a list".into()));
        }
        None => DEFAULT_SITE_KEY.to_string(),
    };
    if !key
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(invalid(
            "key",
            format!(
                "{key:?}: use lower-case letters, digits and '-' (it names directories and feeds)"
            ),
        ));
    }
    let timezone = match file.timezone.as_deref().map(str::trim) {
        None | Some("") => crate::PACIFIC,
        Some(name) => name.parse::<Tz>().map_err(|_| {
            invalid(
                "timezone",
                format!("{name:?} is not a tz database zone (like America/New_York)"),
            )
        })?,
    };
    let coordinates = match (file.latitude, file.longitude) {
        (None, None) => None,
        (Some(lat), Some(lon))
            if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
        {
            Some((lat, lon))
        }
        (Some(_), Some(_)) => {
            return Err(invalid(
                "latitude",
                "latitude must be within ±90 and longitude within ±180".into(),
            ));
        }
        _ => {
            return Err(invalid(
                "latitude",
                "give both latitude and longitude, or neither".into(),
            ));
        }
    };
    let weather_url = match file
        .weather_url
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
    {
        Some(u) => {
            check_absolute_url(&u).map_err(|m| invalid("weather_url", m))?;
            Some(u)
        }
        None => None,
    };
    if let Some(p) = &file.publish.path {
        let t = p.trim().trim_end_matches('/');
        if t != "." && !crate::is_site_directory(t) {
            return Err(invalid(
                "publish.path",
                format!("{p:?} must be a directory inside the repository (or \".\" for its root)"),
            ));
        }
    }
    if let Some(r) = &file.publish.repository
        && r.trim().is_empty()
    {
        return Err(invalid("publish.repository", "must not be empty".into()));
    }
    let mut breweries = file.breweries;
    for b in &mut breweries {
        b.url = webcal_as_https(&b.url);
    }
    let mut seen = HashSet::new();
    let mut slugs: HashMap<String, &str> = HashMap::new();
    for (i, b) in breweries.iter().enumerate() {
        let here = |f: &str| format!("breweries[{i}].{f}");
        if b.key.trim().is_empty() {
            return Err(invalid(&here("key"), "must not be empty".into()));
        }
        if !seen.insert(b.key.as_str()) {
            return Err(invalid(
                &here("key"),
                format!("duplicate brewery key {:?}", b.key),
            ));
        }
        // Duplicate keys were refused above, so a second key here is a different one.
        if let Some(other) = slugs.insert(key_slug(&b.key), b.key.as_str()) {
            return Err(invalid(
                &here("key"),
                format!(
                    "{:?} and {other:?} both become the feed events-{}.ics: rename one",
                    b.key,
                    key_slug(&b.key)
                ),
            ));
        }
        if b.name.trim().is_empty() {
            return Err(invalid(&here("name"), "must not be empty".into()));
        }
        check_absolute_url(&b.url).map_err(|m| invalid(&here("url"), m))?;
    }
    Ok(BreweryConfig {
        site: SiteInfo {
            title: file
                .title
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| {
                    if unnamed {
                        DEFAULT_SITE_TITLE.to_string()
                    } else {
                        key.clone()
                    }
                }),
            key,
            timezone,
            coordinates,
            weather_url,
            publish: {
                let mut publish = file.publish;
                if let Some(raw) = publish.repository.take() {
                    let split = crate::split_credentials(&raw);
                    publish.repository = Some(split.url);
                    publish.credential = split.credential;
                }
                publish
            },
            stale_after: file.stale_after.unwrap_or(DEFAULT_STALE_AFTER).max(1),
        },
        breweries,
        origin: origin.to_string(),
    })
}

/// A configuration file's path, size and modification time.
pub type FileStamp = (std::path::PathBuf, u64, Option<std::time::SystemTime>);

/// Where a configuration someone else named is, inside `dir` (the directory the worker's
/// operator allowed) after symlinks are resolved, with that directory; `None` for the
/// embedded configuration. A relative `requested` is taken inside `dir`.
fn resolve_within(
    requested: Option<&str>,
    dir: Option<&Path>,
) -> Result<Option<(std::path::PathBuf, std::path::PathBuf)>, ConfigError> {
    let Some(req) = requested.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let refuse = |reason: &str| ConfigError::NotPermitted {
        requested: req.to_string(),
        reason: reason.to_string(),
    };
    let Some(dir) = dir else {
        return Err(refuse(
            "this worker reads only its built-in configuration (its operator can allow a directory of configs with ATG_CONFIG_DIR)",
        ));
    };
    let base = dir.canonicalize().map_err(|source| ConfigError::Read {
        path: dir.display().to_string(),
        source,
    })?;
    let real = base
        .join(req)
        .canonicalize()
        .map_err(|_| refuse("no such file in the worker's config directory"))?;
    if !real.starts_with(&base) {
        return Err(refuse("outside the worker's config directory"));
    }
    Ok(Some((real, base)))
}

/// A regular file of at most [`MAX_CONFIG_BYTES`], as UTF-8 text.
fn read_bounded(p: &Path) -> Result<String, ConfigError> {
    let path = p.display().to_string();
    let read_err = |source| ConfigError::Read {
        path: path.clone(),
        source,
    };
    let unusable = |problem: String| ConfigError::Unusable {
        path: path.clone(),
        problem,
    };
    // Only a regular file is opened: a FIFO or a device would block the open or never end
    // (checked before the open, and again on what was opened, which is opened without
    // blocking in case the path was swapped in between).
    let not_regular = || unusable("is not a regular file".into());
    if !std::fs::metadata(p).map_err(read_err)?.is_file() {
        return Err(not_regular());
    }
    let file = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits())
            .open(p)
            .map_err(read_err)?
    };
    if !file.metadata().map_err(read_err)?.is_file() {
        return Err(not_regular());
    }
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(unusable(format!(
            "is larger than the {} MiB a brewery list may have",
            MAX_CONFIG_BYTES / 1024 / 1024
        )));
    }
    String::from_utf8(bytes).map_err(|_| unusable("is not UTF-8 text".into()))
}

/// `webcal://` (and `webcals://`), the scheme calendar apps register for feeds, as the
/// `https://` it stands for; any other URL as it is.
///
/// ```
/// assert_eq!(atg_core::webcal_as_https("webcal://cal.test/a.ics"), "https://cal.test/a.ics");
/// assert_eq!(atg_core::webcal_as_https("http://cal.test/a.ics"), "http://cal.test/a.ics");
/// ```
pub fn webcal_as_https(url: &str) -> String {
    for scheme in ["webcals://", "webcal://"] {
        if url
            .get(..scheme.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
        {
            return format!("https://{}", &url[scheme.len()..]);
        }
    }
    url.to_string()
}

/// Every URL in the configuration must be absolute http(s): nothing is resolved against
/// anything else, so a relative one could only be a mistake.
pub fn check_absolute_url(raw: &str) -> Result<(), String> {
    match url::Url::parse(raw) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        Ok(u) => Err(format!(
            "{raw:?} is not an http:// or https:// URL (scheme {:?})",
            u.scheme()
        )),
        Err(e) => Err(format!("{raw:?} is not an absolute URL: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_config_lists_the_eight_breweries_in_order() {
        let c = BreweryConfig::embedded().unwrap();
        let keys: Vec<_> = c.breweries.iter().map(|b| b.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "stoup-ballard",
                "yonder-balebreaker",
                "obec-brewing",
                "urban-family",
                "wheelie-pop",
                "chucks-greenwood",
                "salehs-corner",
                "lucky-envelope"
            ]
        );
    }

    #[test]
    fn the_shipped_config_is_the_ballard_site_with_its_weather() {
        let c = BreweryConfig::embedded().unwrap();
        assert_eq!(c.site.key, "ballard");
        assert_eq!(c.site.title, "Ballard");
        assert_eq!(c.site.timezone, crate::PACIFIC);
        assert_eq!(c.site.coordinates, Some((47.6762, -122.3851)));
        assert_eq!(c.site.publish.dir(), "public");
        assert_eq!(c.site.stale_after, DEFAULT_STALE_AFTER);
    }

    const TWO_SITES: &str = r#"{"sites": [
        {"key": "ballard", "title": "Ballard", "breweries": [{"key":"a","name":"A","url":"https://a.test/"}]},
        {"key": "brooklyn", "title": "Brooklyn", "timezone": "America/New_York",
         "publish": {"repository": "https://github.com/o/brooklyn.git", "branch": "pages", "path": "."},
         "stale_after": 5,
         "breweries": [{"key":"a","name":"A","url":"webcal://b.test/cal.ics"}]}
    ]}"#;

    #[test]
    fn a_file_with_a_sites_list() {
        let list = SiteList::parse(TWO_SITES, "sites.json").unwrap();
        assert_eq!(list.keys(), ["ballard", "brooklyn"]);
        let b = list.site(Some("brooklyn")).unwrap();
        assert_eq!(b.site.timezone.name(), "America/New_York");
        assert_eq!(b.site.publish.dir(), "");
        assert_eq!(b.site.publish.branch.as_deref(), Some("pages"));
        assert_eq!(b.site.stale_after, 5);
        assert_eq!(b.breweries[0].url, "https://b.test/cal.ics");
        assert_eq!(list.site(None).unwrap().site.key, "ballard");
        let all = list.select(&["all".to_string()]).unwrap();
        assert_eq!(all.len(), 2);
        let one = list
            .select(&["brooklyn".to_string(), "brooklyn".to_string()])
            .unwrap();
        assert_eq!(one.len(), 1);
        let e = list
            .select(&["queens".to_string()])
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            r#"sites.json: no site "queens" (sites: ballard, brooklyn)"#
        );
    }

    #[test]
    fn a_directory_of_site_files_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        let site = |key: &str, zone: &str| {
            format!(
                r#"{{"key": "{key}", "timezone": "{zone}", "breweries": [{{"key":"a","name":"A","url":"https://a.test/"}}]}}"#
            )
        };
        std::fs::write(
            dir.path().join("2-nyc.json"),
            site("nyc", "America/New_York"),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("1-sea.json"),
            site("sea", "America/Los_Angeles"),
        )
        .unwrap();
        std::fs::write(dir.path().join("README.md"), "not a site").unwrap();
        let list = SiteList::load(Some(dir.path())).unwrap();
        assert_eq!(list.keys(), ["sea", "nyc"]);
        std::fs::write(dir.path().join("3-again.json"), site("nyc", "Europe/Paris")).unwrap();
        let e = SiteList::load(Some(dir.path())).unwrap_err().to_string();
        assert!(
            e.contains("3-again.json: key: the site key \"nyc\" is also the key of a site in"),
            "{e}"
        );
    }

    #[test]
    fn bad_site_settings_name_their_field() {
        let err = |text: &str| SiteList::parse(text, "s.json").unwrap_err().to_string();
        assert_eq!(
            err(r#"{"timezone": "Mars/Olympus", "breweries": []}"#),
            r#"config file s.json: timezone: "Mars/Olympus" is not a tz database zone (like America/New_York)"#
        );
        assert!(
            err(r#"{"timezon": "America/New_York", "breweries": []}"#)
                .contains("unknown field `timezon`")
        );
        assert_eq!(
            err(r#"{"sites": [{"title": "X", "breweries": []}]}"#),
            "config file s.json: sites[0].key: is required for each site of a list"
        );
        assert!(
            err(r#"{"key": "Big City", "breweries": []}"#)
                .contains("key: \"Big City\": use lower-case")
        );
        assert_eq!(
            err(r#"{"latitude": 47.6, "breweries": []}"#),
            "config file s.json: latitude: give both latitude and longitude, or neither"
        );
        assert!(
            err(r#"{"latitude": 147.6, "longitude": 0, "breweries": []}"#).contains("within ±90")
        );
        assert!(
            err(r#"{"publish": {"path": "../elsewhere"}, "breweries": []}"#).contains(
                "publish.path: \"../elsewhere\" must be a directory inside the repository"
            )
        );
        assert!(
            err(r#"{"weather_url": "file:///etc/passwd", "breweries": []}"#)
                .starts_with("config file s.json: weather_url:")
        );
        assert_eq!(
            err(r#"{"sites": []}"#),
            "config file s.json: sites: lists no site"
        );
        assert_eq!(
            err(r#"{"timezone": "America/New_York", "sites": [{"key": "a"}]}"#),
            "config file s.json: sites: a file with a `sites` list holds nothing else (put the settings in its sites)"
        );
        assert_eq!(
            err(r#"{"sites": [{"key": "a", "sites": []}]}"#),
            "config file s.json: sites[0].sites: a site cannot hold sites"
        );
        let e = err("{not json");
        assert!(
            e.starts_with("config file s.json: (top level): key must be a string"),
            "{e}"
        );
    }

    #[test]
    fn parser_config_defaults_to_empty_when_missing_or_null() {
        let c = BreweryConfig::parse(
            r#"{"breweries":[{"key":"a","name":"A","url":"https://a.test/"},
                {"key":"b","name":"B","url":"https://b.test/","parser_config":null}]}"#,
            "t.json",
        )
        .unwrap();
        assert!(c.breweries.iter().all(|b| b.parser_config.is_empty()));
    }

    #[test]
    fn a_webcal_feed_is_read_over_https() {
        let c = BreweryConfig::parse(
            r#"{"breweries":[{"key":"a","name":"A","url":"webcal://cal.test/a.ics","parser":"ical"}]}"#,
            "t.json",
        )
        .unwrap();
        assert_eq!(c.breweries[0].url, "https://cal.test/a.ics");
    }

    #[test]
    fn missing_breweries_key_is_an_empty_list() {
        assert!(
            BreweryConfig::parse("{}", "t.json")
                .unwrap()
                .breweries
                .is_empty()
        );
    }

    #[test]
    fn errors_name_the_file_and_the_field() {
        let e = BreweryConfig::parse(
            r#"{"breweries":[{"key":"a","name":"A","url":"https://a.test/"},{"key":"b","name":"B"}]}"#,
            "conf.json",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("config file conf.json: breweries[1]: missing field `url`"),
            "{e}"
        );

        let e = BreweryConfig::parse(
            r#"{"breweries":[{"key":"a","name":"A","url":"/relative"}]}"#,
            "conf.json",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("config file conf.json: breweries[0].url: "),
            "{e}"
        );

        let e = BreweryConfig::parse(r#"{"breweries":[{"key":1}]}"#, "c.json").unwrap_err();
        assert!(
            e.to_string().contains("breweries[0].key: invalid type"),
            "{e}"
        );

        let e = BreweryConfig::parse("{not json", "c.json").unwrap_err();
        assert!(e.to_string().starts_with("config file c.json: "), "{e}");

        let e = BreweryConfig::parse(
            r#"{"breweries":[{"key":"a","name":"A","url":"https://a.test/"},{"key":"a","name":"B","url":"https://b.test/"}]}"#,
            "c.json",
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("breweries[1].key: duplicate brewery key"),
            "{e}"
        );
    }

    #[test]
    fn a_missing_file_is_named() {
        let e = BreweryConfig::load(Some(Path::new("/nonexistent/b.json"))).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("config file /nonexistent/b.json: cannot read it")
        );
    }

    #[test]
    fn keys_that_share_a_feed_name_are_refused() {
        let e = BreweryConfig::parse(
            r#"{"breweries": [
                {"key": "stoup_ballard", "name": "A", "url": "https://a.test/"},
                {"key": "Stoup-Ballard", "name": "B", "url": "https://b.test/"}
            ]}"#,
            "t.json",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "config file t.json: breweries[1].key: \"Stoup-Ballard\" and \"stoup_ballard\" both become the feed events-stoup-ballard.ics: rename one"
        );
    }

    #[test]
    fn devices_and_huge_files_are_refused_without_reading_them_whole() {
        let e = BreweryConfig::load(Some(Path::new("/dev/zero")))
            .unwrap_err()
            .to_string();
        assert_eq!(e, "config file /dev/zero: is not a regular file");
        let dir = std::env::temp_dir().join(format!("atg-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big.json");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(MAX_CONFIG_BYTES + 1).unwrap();
        let e = BreweryConfig::load(Some(&big)).unwrap_err().to_string();
        assert!(
            e.ends_with("is larger than the 16 MiB a brewery list may have"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_named_config_is_read_only_inside_the_allowed_directory() {
        let root = std::env::temp_dir().join(format!("atg-within-{}", std::process::id()));
        let allowed = root.join("configs");
        std::fs::create_dir_all(&allowed).unwrap();
        let one = r#"{"breweries": [{"key": "a", "name": "A", "url": "https://a.test/"}]}"#;
        std::fs::write(allowed.join("seattle.json"), one).unwrap();
        std::fs::write(root.join("secret.json"), one).unwrap();
        std::os::unix::fs::symlink(root.join("secret.json"), allowed.join("link.json")).unwrap();
        let within = |r: &str| BreweryConfig::load_within(Some(r), Some(&allowed));

        assert_eq!(within("seattle.json").unwrap().breweries.len(), 1);
        let abs = allowed.join("seattle.json");
        assert_eq!(within(abs.to_str().unwrap()).unwrap().breweries.len(), 1);
        for outside in ["../secret.json", "link.json", "/etc/passwd", "/dev/zero"] {
            let e = within(outside).unwrap_err().to_string();
            assert!(e.starts_with(&format!("config_path {outside:?}: ")), "{e}");
        }
        assert!(
            within("missing.json")
                .unwrap_err()
                .to_string()
                .contains("no such file")
        );
        // No directory: only the built-in list, and null or "" still mean it.
        let e = BreweryConfig::load_within(Some("seattle.json"), None).unwrap_err();
        assert!(e.to_string().contains("ATG_CONFIG_DIR"), "{e}");
        assert_eq!(
            BreweryConfig::load_within(None, None).unwrap().origin,
            EMBEDDED_CONFIG_NAME
        );
        assert_eq!(
            BreweryConfig::load_within(Some(" "), None).unwrap().origin,
            EMBEDDED_CONFIG_NAME
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_config_directory_reads_only_its_own_regular_files() {
        let root = tempfile::tempdir().unwrap();
        let allowed = root.path().join("configs");
        std::fs::create_dir(&allowed).unwrap();
        let site = r#"{"key": "ballard", "breweries": []}"#;
        std::fs::write(allowed.join("a.json"), site).unwrap();
        let secret = root.path().join("secret.json");
        std::fs::write(&secret, r#"{"token": "s3cr3t-value"}"#).unwrap();
        // A directory with a link to a file outside: refused, the link named, nothing read.
        std::os::unix::fs::symlink(&secret, allowed.join("b.json")).unwrap();
        let e = SiteList::load_within(Some("."), Some(&allowed))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("b.json") && e.contains("outside the worker's config directory"),
            "{e}"
        );
        assert!(!e.contains("s3cr3t"), "{e}");
        std::fs::remove_file(allowed.join("b.json")).unwrap();
        // A FIFO is refused before it is opened (an open would block for ever).
        nix::unistd::mkfifo(&allowed.join("c.json"), nix::sys::stat::Mode::S_IRWXU).unwrap();
        let started = std::time::Instant::now();
        let e = SiteList::load_within(Some("."), Some(&allowed))
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.json: is not a regular file"), "{e}");
        let e = SiteList::load_within(Some("c.json"), Some(&allowed))
            .unwrap_err()
            .to_string();
        assert!(e.contains("is not a regular file"), "{e}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        std::fs::remove_file(allowed.join("c.json")).unwrap();
        assert_eq!(
            SiteList::load_within(Some("."), Some(&allowed))
                .unwrap()
                .keys(),
            ["ballard"]
        );
    }

    #[test]
    fn the_originals_breweries_take_what_they_leave_out_from_the_operators_own() {
        let original = SiteList::parse(
            r#"{"breweries": [
                {"key": "yonder-balebreaker", "name": "Y", "url": "https://mirror.test/y",
                 "parser_config": {"note": "n", "api_type": "squarespace_calendar"}},
                {"key": "custom", "name": "C", "url": "https://c.test/", "parser": "ical"}
            ]}"#,
            "original.json",
        )
        .unwrap();
        let own = SiteList::parse(EMBEDDED_CONFIG, EMBEDDED_CONFIG_NAME).unwrap();
        let (filled, notices) = original.with_defaults(&own);
        let y = &filled.sites[0].breweries[0];
        assert!(
            y.parser_config["month_api_url"]
                .as_str()
                .unwrap()
                .contains("GetItemsByMonth")
        );
        // What it gave wins; the original's own settings are kept and named once.
        assert_eq!(y.parser_config["note"], "n");
        assert_eq!(y.url, "https://mirror.test/y");
        assert_eq!(
            notices,
            [
                "original.json: yonder-balebreaker (ballard): parser_config.api_type is the original's and is not read here"
            ]
        );
        assert!(filled.sites[0].breweries[1].parser_config.is_empty());
    }
}
