//! Configuration text read and checked: every message names the file and the field.

use std::collections::{HashMap, HashSet};

use chrono_tz::Tz;
use serde::Deserialize;

use super::ConfigError;
use super::model::{
    Brewery, DEFAULT_SITE_KEY, DEFAULT_SITE_TITLE, DEFAULT_STALE_AFTER, PublishSettings,
    SiteConfig, SiteInfo, SiteList, key_slug,
};

/// field is refused (a misspelt `timezone` must not quietly mean Pacific).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteDocument {
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
    sites: Option<Vec<SiteDocument>>,
}

impl SiteDocument {
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

impl SiteList {
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
        let mut file: SiteDocument =
            serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(text))
                .map_err(located)?;
        let (files, prefix): (Vec<SiteDocument>, bool) = match file.sites.take() {
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
        let mut sites: Vec<SiteConfig> = Vec::with_capacity(files.len());
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
}

/// One site of a file, checked; `at` prefixes its fields in errors.
fn site(
    file: SiteDocument,
    at: &str,
    in_list: bool,
    origin: &str,
) -> Result<SiteConfig, ConfigError> {
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
    Ok(SiteConfig {
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
