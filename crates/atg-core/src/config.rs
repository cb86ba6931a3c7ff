//! `config/breweries.json`: which breweries to scrape and every URL their sources fetch.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// The shipped configuration, compiled into every binary so that an installed tool works from
/// any directory without `--config`.
pub const EMBEDDED_CONFIG: &str = include_str!("../../../config/breweries.json");

/// How the embedded configuration is named in messages.
pub const EMBEDDED_CONFIG_NAME: &str = "<embedded config/breweries.json>";

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
                let text = std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                    path: p.display().to_string(),
                    source,
                })?;
                Self::parse(&text, &p.display().to_string())
            }
        }
    }

    /// Parses and validates configuration text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let invalid = |field: String, message: String| ConfigError::Invalid {
            origin: origin.to_string(),
            field,
            message,
        };
        let de = &mut serde_json::Deserializer::from_str(text);
        let file: ConfigFile = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." {
                "(top level)".to_string()
            } else {
                path
            };
            invalid(field, e.into_inner().to_string())
        })?;
        let mut seen = HashSet::new();
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
    fn embedded_config_lists_the_seven_breweries_in_order() {
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
                "salehs-corner"
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
}
