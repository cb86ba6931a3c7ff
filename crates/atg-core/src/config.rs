//! `config/breweries.json`: which breweries to scrape and every URL their sources fetch.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;

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
}

#[derive(Debug, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    breweries: Vec<Brewery>,
}

/// A loaded, validated brewery list and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct BreweryConfig {
    pub breweries: Vec<Brewery>,
    pub origin: String,
}

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
}

impl BreweryConfig {
    /// The configuration compiled into the binary.
    pub fn embedded() -> Result<Self, ConfigError> {
        Self::parse(EMBEDDED_CONFIG, EMBEDDED_CONFIG_NAME)
    }

    /// `path` if given, else the embedded configuration.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        match path {
            None => Self::embedded(),
            Some(p) => {
                let text = read_bounded(p)?;
                Self::parse(&text, &p.display().to_string())
            }
        }
    }

    /// A configuration someone else named (a workflow's `config_path`): read only from inside
    /// `dir`, the directory the worker's operator allowed (`ATG_CONFIG_DIR`), after symlinks
    /// are resolved; without a `dir`, only the embedded configuration. A relative `requested`
    /// is taken inside `dir`.
    pub fn load_within(requested: Option<&str>, dir: Option<&Path>) -> Result<Self, ConfigError> {
        let Some(req) = requested.map(str::trim).filter(|r| !r.is_empty()) else {
            return Self::embedded();
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
        Self::load(Some(&real))
    }

    /// Parses and validates configuration text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let invalid = |field: String, message: String| ConfigError::Invalid {
            origin: origin.to_string(),
            field,
            message,
        };
        let de = &mut serde_json::Deserializer::from_str(text);
        let mut file: ConfigFile = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." {
                "(top level)".to_string()
            } else {
                path
            };
            invalid(field, e.into_inner().to_string())
        })?;
        for b in &mut file.breweries {
            b.url = webcal_as_https(&b.url);
        }
        let mut seen = HashSet::new();
        let mut slugs: HashMap<String, &str> = HashMap::new();
        for (i, b) in file.breweries.iter().enumerate() {
            let at = |f: &str| format!("breweries[{i}].{f}");
            if b.key.trim().is_empty() {
                return Err(invalid(at("key"), "must not be empty".into()));
            }
            if !seen.insert(b.key.as_str()) {
                return Err(invalid(
                    at("key"),
                    format!("duplicate brewery key {:?}", b.key),
                ));
            }
            // Duplicate keys were refused above, so a second key here is a different one.
            if let Some(other) = slugs.insert(key_slug(&b.key), b.key.as_str()) {
                return Err(invalid(
                    at("key"),
                    format!(
                        "{:?} and {other:?} both become the feed events-{}.ics: rename one",
                        b.key,
                        key_slug(&b.key)
                    ),
                ));
            }
            if b.name.trim().is_empty() {
                return Err(invalid(at("name"), "must not be empty".into()));
            }
            check_absolute_url(&b.url).map_err(|m| invalid(at("url"), m))?;
        }
        Ok(Self {
            breweries: file.breweries,
            origin: origin.to_string(),
        })
    }
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
    let file = std::fs::File::open(p).map_err(read_err)?;
    let meta = file.metadata().map_err(read_err)?;
    if !meta.is_file() {
        return Err(unusable("is not a regular file".into()));
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
}
