//! What a loaded configuration is: sites, their breweries and where they are published.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use chrono_tz::Tz;

use super::{ConfigError, ORIGINAL_ONLY_SETTINGS};

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

/// The site a brewery list without site settings is: the original's, Ballard, in Pacific time.
pub const DEFAULT_SITE_KEY: &str = "ballard";
/// Its title.
pub const DEFAULT_SITE_TITLE: &str = "Ballard";

impl SiteInfo {
    /// The original's one site, Ballard in Pacific time: what a brewery list without site
    /// settings is, and what the original's payloads (which name no site) mean.
    pub fn original() -> Self {
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

impl SiteRef {
    /// [`SiteInfo::original`], as a schedule names it.
    pub fn original() -> Self {
        SiteInfo::original().reference()
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

#[derive(Debug, Clone, PartialEq)]
pub struct SiteConfig {
    pub site: SiteInfo,
    pub breweries: Vec<Brewery>,
    pub origin: String,
}

/// Every site of a configuration: a `breweries.json` (one site), a file with a `sites` list,
/// or a directory of such files (`config/sites/`).
#[derive(Debug, Clone, PartialEq)]
pub struct SiteList {
    pub sites: Vec<SiteConfig>,
}

impl SiteList {
    /// The site `key`, or the default one (the first) for `None`.
    pub fn site(&self, key: Option<&str>) -> Result<&SiteConfig, ConfigError> {
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
    pub fn select(&self, wanted: &[String]) -> Result<Vec<&SiteConfig>, ConfigError> {
        if wanted.is_empty() {
            return Ok(vec![self.site(None)?]);
        }
        if wanted.iter().any(|w| w == "all") {
            return Ok(self.sites.iter().collect());
        }
        let mut out: Vec<&SiteConfig> = Vec::new();
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
