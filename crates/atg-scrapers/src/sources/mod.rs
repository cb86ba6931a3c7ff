//! One module per source, and the registry that picks a brewery's. Each module reads top to
//! bottom: its settings (from the brewery's `parser_config`), the requests it makes, and a pure
//! synchronous `parse` tested on fixtures.

use std::sync::Arc;

use atg_core::{Brewery, ConfigError, FoodTruckEvent, ORIGINAL_ONLY_SETTINGS, SiteConfig};
use serde_json::{Map, Value};

use crate::fetch::Fetcher;
use crate::source::read_one;
pub use crate::source::{
    EventRules, NoSettings, OnePage, ParseContext, ParseError, RuleSettings, SourceError,
};

pub mod hivey;
pub mod html_selectors;
pub mod ical;
pub mod json_api;
pub mod json_ld;
pub mod my_calendar;
pub mod obec;
pub mod seattle_food_truck;
pub mod sheet_columns;
pub mod squarespace;
pub mod squarespace_list;
pub mod stoup;
pub mod sugar_calendar;
pub mod tribe_events;

/// The kinds of source a brewery's `"parser"` may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKind {
    Stoup,
    SquarespaceCalendar,
    TextPattern,
    SugarCalendar,
    MyCalendar,
    SheetColumns,
    SeattleFoodTruck,
    SquarespaceList,
    Ical,
    JsonLd,
    TribeEvents,
    HtmlSelectors,
    JsonApi,
}

/// One row of [`KINDS`]: a kind's name in a config, the original's brewery key that it reads
/// (a brewery with that key needs no `"parser"`, and the original's configs keep working),
/// whether any venue can be read with it by configuration alone (`probe` tries those),
/// whether it applies the brewery's rules to each entry itself (it sees titles and
/// categories; the others' events are filtered by their vendor afterwards), and how a
/// brewery's entry compiles into its reader.
struct Kind {
    kind: SourceKind,
    name: &'static str,
    original_key: Option<&'static str>,
    generic: bool,
    reads_rules: bool,
    compile: fn(&Brewery, Map<String, Value>) -> Result<Reader, String>,
}

/// The settings of `kind` in `map` (the brewery's `parser_config` without the rules), typed;
/// a setting the kind does not have is refused, naming the ones it has.
fn typed<T: serde::de::DeserializeOwned>(kind: &str, map: Map<String, Value>) -> Result<T, String> {
    serde_path_to_error::deserialize(Value::Object(map)).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.into_inner().to_string();
        // The field named in the message, inside the struct at `path` (`field_map.start`).
        let quoted = |m: &str| {
            let name = m.split('`').nth(1).unwrap_or_default();
            match path.as_str() {
                "." | "?" => name.to_string(),
                p if p == name || p.ends_with(&format!(".{name}")) => p.to_string(),
                p => format!("{p}.{name}"),
            }
        };
        if msg.starts_with("missing field") {
            format!("{}: required for the {kind:?} source", quoted(&msg))
        } else if msg.starts_with("unknown field") {
            let has = msg
                .split_once("expected ")
                .map(|(_, rest)| rest.replace("one of ", "").replace('`', ""))
                .map_or("none".to_string(), |r| r.trim().to_string());
            format!(
                "{}: not a setting of the {kind:?} source (its settings: {has})",
                quoted(&msg)
            )
        } else if path == "." {
            msg
        } else {
            format!("{path}: {msg}")
        }
    })
}

/// Every kind, once: the registry.
static KINDS: [Kind; 13] = [
    Kind {
        kind: SourceKind::Stoup,
        name: "stoup",
        original_key: Some("stoup-ballard"),
        generic: false,
        reads_rules: false,
        compile: |b, s| Ok(Reader::Stoup(stoup::Stoup::new(b, typed("stoup", s)?)?)),
    },
    Kind {
        kind: SourceKind::SquarespaceCalendar,
        name: "squarespace-calendar",
        original_key: Some("yonder-balebreaker"),
        generic: false,
        reads_rules: false,
        compile: |b, s| {
            Ok(Reader::Squarespace(squarespace::Squarespace::new(
                b,
                typed("squarespace-calendar", s)?,
            )?))
        },
    },
    Kind {
        kind: SourceKind::TextPattern,
        name: "text-pattern",
        original_key: Some("obec-brewing"),
        generic: false,
        reads_rules: false,
        compile: |b, s| Ok(Reader::Obec(obec::Obec::new(b, typed("text-pattern", s)?)?)),
    },
    Kind {
        kind: SourceKind::SugarCalendar,
        name: "sugar-calendar",
        original_key: Some("urban-family"),
        generic: false,
        reads_rules: false,
        compile: |b, s| {
            Ok(Reader::SugarCalendar(sugar_calendar::SugarCalendar::new(
                b,
                typed("sugar-calendar", s)?,
            )?))
        },
    },
    Kind {
        kind: SourceKind::MyCalendar,
        name: "my-calendar",
        original_key: Some("wheelie-pop"),
        generic: false,
        reads_rules: false,
        compile: |b, s| {
            Ok(Reader::MyCalendar(my_calendar::MyCalendar::new(
                b,
                typed("my-calendar", s)?,
            )?))
        },
    },
    Kind {
        kind: SourceKind::SheetColumns,
        name: "sheet-columns",
        original_key: Some("chucks-greenwood"),
        generic: true,
        reads_rules: false,
        compile: |b, s| {
            Ok(Reader::SheetColumns(sheet_columns::SheetColumns::new(
                b,
                typed("sheet-columns", s)?,
            )?))
        },
    },
    Kind {
        kind: SourceKind::SeattleFoodTruck,
        name: "seattle-food-truck",
        original_key: Some("salehs-corner"),
        generic: false,
        reads_rules: false,
        compile: |b, s| {
            Ok(Reader::SeattleFoodTruck(
                seattle_food_truck::SeattleFoodTruck::new(b, typed("seattle-food-truck", s)?)?,
            ))
        },
    },
    Kind {
        kind: SourceKind::SquarespaceList,
        name: "squarespace-list",
        original_key: Some("lucky-envelope"),
        generic: false,
        reads_rules: true,
        compile: |b, s| {
            Ok(Reader::SquarespaceList(
                squarespace_list::SquarespaceList::new(b, typed("squarespace-list", s)?)?,
            ))
        },
    },
    Kind {
        kind: SourceKind::Ical,
        name: "ical",
        original_key: None,
        generic: true,
        reads_rules: true,
        compile: |b, s| Ok(Reader::Ical(ical::Ical::new(b, typed("ical", s)?)?)),
    },
    Kind {
        kind: SourceKind::JsonLd,
        name: "json-ld",
        original_key: None,
        generic: true,
        reads_rules: true,
        compile: |b, s| {
            Ok(Reader::JsonLd(json_ld::JsonLd::new(
                b,
                typed("json-ld", s)?,
            )?))
        },
    },
    Kind {
        kind: SourceKind::TribeEvents,
        name: "tribe-events",
        original_key: None,
        generic: true,
        reads_rules: true,
        compile: |b, s| {
            Ok(Reader::TribeEvents(tribe_events::TribeEvents::new(
                b,
                typed("tribe-events", s)?,
            )?))
        },
    },
    Kind {
        kind: SourceKind::HtmlSelectors,
        name: "html-selectors",
        original_key: None,
        generic: true,
        reads_rules: true,
        compile: |b, s| {
            Ok(Reader::HtmlSelectors(html_selectors::HtmlSelectors::new(
                b,
                typed("html-selectors", s)?,
            )?))
        },
    },
    Kind {
        kind: SourceKind::JsonApi,
        name: "json-api",
        original_key: None,
        generic: true,
        reads_rules: true,
        compile: |b, s| {
            Ok(Reader::JsonApi(json_api::JsonApi::new(
                b,
                typed("json-api", s)?,
            )?))
        },
    },
];

impl SourceKind {
    fn row(self) -> &'static Kind {
        KINDS.iter().find(|k| k.kind == self).unwrap_or(&KINDS[0])
    }

    /// Every kind, in the registry's order.
    pub fn all() -> impl Iterator<Item = Self> {
        KINDS.iter().map(|k| k.kind)
    }

    /// The sources any venue can be read with, by configuration alone (`probe` tries them).
    pub fn generic() -> impl Iterator<Item = Self> {
        KINDS.iter().filter(|k| k.generic).map(|k| k.kind)
    }

    /// The name a config gives in `"parser"`.
    pub fn name(self) -> &'static str {
        self.row().name
    }

    /// The original's brewery key that this source reads.
    pub fn original_key(self) -> Option<&'static str> {
        self.row().original_key
    }

    /// The kind `name` stands for: a source's name or an original brewery key.
    pub fn named(name: &str) -> Option<Self> {
        KINDS
            .iter()
            .find(|k| k.name == name || k.original_key == Some(name))
            .map(|k| k.kind)
    }

    /// The kind that reads `brewery` (its `"parser"`, else its key), or why there is none.
    pub fn of(brewery: &Brewery) -> Result<Self, String> {
        let name = brewery.parser_key();
        Self::named(name).ok_or_else(|| {
            let known: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
            match &brewery.parser {
                Some(_) => format!("parser {name:?} is unknown (known: {})", known.join(", ")),
                None => format!(
                    "no parser for key {name:?}: name one with \"parser\" (known: {})",
                    known.join(", ")
                ),
            }
        })
    }
}

/// Settings a `parser_config` may carry whatever its kind: a note for people, and the
/// informational settings the original's configs carry ([`ORIGINAL_ONLY_SETTINGS`]).
const ANY_KIND: &[&str] = &["note"];

/// A brewery's source, compiled once from its entry: the reader of its platform, and the
/// rules that say which entries are food trucks.
#[derive(Debug, Clone)]
pub struct Source {
    reader: Reader,
    rules: Arc<EventRules>,
    reads_rules: bool,
}

/// The reader of one platform.
#[derive(Debug, Clone)]
enum Reader {
    Stoup(stoup::Stoup),
    Squarespace(squarespace::Squarespace),
    Obec(obec::Obec),
    SugarCalendar(sugar_calendar::SugarCalendar),
    MyCalendar(my_calendar::MyCalendar),
    SheetColumns(sheet_columns::SheetColumns),
    SeattleFoodTruck(seattle_food_truck::SeattleFoodTruck),
    SquarespaceList(squarespace_list::SquarespaceList),
    Ical(ical::Ical),
    JsonLd(json_ld::JsonLd),
    TribeEvents(tribe_events::TribeEvents),
    HtmlSelectors(html_selectors::HtmlSelectors),
    JsonApi(json_api::JsonApi),
}

impl Source {
    /// Compiles the source of `brewery`: its kind, its kind's settings (typed; one it does not
    /// have is refused), and the rules every source has.
    pub fn for_brewery(brewery: &Brewery) -> Result<Self, SourceError> {
        let kind = SourceKind::of(brewery).map_err(SourceError::Config)?;
        let setting = |e: String| SourceError::Config(format!("parser_config.{e}"));
        let mut settings = brewery.parser_config.clone();
        for k in ANY_KIND.iter().chain(ORIGINAL_ONLY_SETTINGS) {
            settings.remove(*k);
        }
        let mut rules = Map::new();
        for k in ["include", "exclude", "vendor_from"] {
            if let Some(v) = settings.remove(k) {
                rules.insert(k.to_string(), v);
            }
        }
        let rules: RuleSettings = typed(kind.name(), rules).map_err(setting)?;
        let rules = Arc::new(EventRules::from_settings(&rules).map_err(setting)?);
        let row = kind.row();
        let reader = (row.compile)(brewery, settings).map_err(setting)?;
        Ok(Self {
            reader,
            rules,
            reads_rules: row.reads_rules,
        })
    }

    /// Fetches and parses this source's events; the brewery's rules keep the food trucks.
    pub async fn scrape(
        &self,
        http: &Fetcher,
        ctx: &ParseContext,
    ) -> Result<Vec<FoodTruckEvent>, SourceError> {
        let ctx = ctx.clone().with_rules(self.rules.clone());
        let events = self.reader.scrape(http, &ctx).await?;
        self.kept(events, &ctx)
    }

    /// The events of an answer already fetched, for a source that reads one page (`probe`
    /// reads a page once as every source it may be).
    pub fn parse_body(
        &self,
        body: &str,
        ctx: &ParseContext,
    ) -> Result<Vec<FoodTruckEvent>, SourceError> {
        let ctx = ctx.clone().with_rules(self.rules.clone());
        let events = match &self.reader {
            Reader::SheetColumns(s) => s.parse(body, &ctx)?,
            Reader::HtmlSelectors(s) => s.parse(body, &ctx)?,
            Reader::JsonApi(s) => s.page(body, &ctx)?.events,
            _ => {
                return Err(ParseError::new("this source reads more than the one answer").into());
            }
        };
        self.kept(events, &ctx)
    }

    /// The brewery's rules applied (for sources that do not apply them to each entry
    /// themselves), and the checks every source's events pass.
    fn kept(
        &self,
        mut events: Vec<FoodTruckEvent>,
        ctx: &ParseContext,
    ) -> Result<Vec<FoodTruckEvent>, SourceError> {
        if !self.reads_rules {
            events.retain_mut(|e| match self.rules.vendor(&e.vendor, &[]) {
                Some(v) => {
                    e.vendor = v;
                    true
                }
                None => false,
            });
        }
        crate::source::checked_events(events, ctx.budget.limits())
    }
}

impl Reader {
    async fn scrape(
        &self,
        http: &Fetcher,
        ctx: &ParseContext,
    ) -> Result<Vec<FoodTruckEvent>, SourceError> {
        Ok(match self {
            Self::Stoup(s) => read_one(http, s, ctx).await?,
            Self::Squarespace(s) => s.scrape(http, ctx).await?,
            Self::Obec(s) => read_one(http, s, ctx).await?,
            Self::SugarCalendar(s) => s.scrape(http, ctx).await?,
            Self::MyCalendar(s) => s.scrape(http, ctx).await?,
            Self::SheetColumns(s) => read_one(http, s, ctx).await?,
            Self::SeattleFoodTruck(s) => read_one(http, s, ctx).await?,
            Self::SquarespaceList(s) => read_one(http, s, ctx).await?,
            Self::Ical(s) => read_one(http, s, ctx).await?,
            Self::JsonLd(s) => read_one(http, s, ctx).await?,
            Self::TribeEvents(s) => s.scrape(http, ctx).await?,
            Self::HtmlSelectors(s) => read_one(http, s, ctx).await?,
            Self::JsonApi(s) => s.scrape(http, ctx).await?,
        })
    }
}

/// Every brewery of `config` compiled into its source, in order: an unknown parser or a bad
/// setting is refused when the configuration is loaded, naming the brewery and the field.
pub fn compile(config: &SiteConfig) -> Result<Vec<Source>, ConfigError> {
    config
        .breweries
        .iter()
        .enumerate()
        .map(|(i, b)| {
            Source::for_brewery(b).map_err(|e| ConfigError::Invalid {
                origin: config.origin.clone(),
                field: format!("breweries[{i}] ({})", b.key),
                message: e.to_string(),
            })
        })
        .collect()
}

/// Every brewery of `config` has a source that can be compiled ([`compile`]).
pub fn check_config(config: &SiteConfig) -> Result<(), ConfigError> {
    compile(config).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_found_by_its_name_and_by_its_original_key() {
        for k in SourceKind::all() {
            assert_eq!(SourceKind::named(k.name()), Some(k));
            if let Some(key) = k.original_key() {
                assert_eq!(SourceKind::named(key), Some(k));
            }
        }
        assert_eq!(SourceKind::named("nope"), None);
    }

    #[test]
    fn an_unknown_parser_is_refused_at_load_with_the_known_ones() {
        let config = SiteConfig::parse(
            r#"{"breweries": [
                {"key": "stoup-ballard", "name": "S", "url": "https://s.test/"},
                {"key": "x", "name": "X", "url": "https://x.test/", "parser": "nope"}
            ]}"#,
            "t.json",
        )
        .unwrap();
        let e = check_config(&config).unwrap_err().to_string();
        assert!(
            e.starts_with("config file t.json: breweries[1] (x): parser \"nope\" is unknown (known: stoup, squarespace-calendar,"),
            "{e}"
        );
        let config = SiteConfig::parse(
            r#"{"breweries": [{"key": "x", "name": "X", "url": "https://x.test/", "parser": "seattle-food-truck"}]}"#,
            "t.json",
        )
        .unwrap();
        let e = check_config(&config).unwrap_err().to_string();
        assert!(
            e.contains("breweries[0] (x): parser_config.events_url: required"),
            "{e}"
        );
        assert!(check_config(&SiteConfig::embedded().unwrap()).is_ok());
    }

    #[test]
    fn each_kind_refuses_a_setting_it_does_not_have_and_names_its_own() {
        let config = |entry: &str| {
            SiteConfig::parse(&format!(r#"{{"breweries": [{entry}]}}"#), "t.json").unwrap()
        };
        // A misspelt setting is not silently ignored.
        let e = check_config(&config(
            r#"{"key": "x", "name": "X", "url": "https://x.test/", "parser": "my-calendar",
                "parser_config": {"list_url": "https://x.test/?y={year}", "calendar_id": "c", "categroy_class": "t"}}"#,
        ))
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("parser_config.categroy_class: not a setting of the \"my-calendar\" source (its settings: list_url, calendar_id, category_class)"),
            "{e}"
        );
        let e = check_config(&config(
            r#"{"key": "x", "name": "X", "url": "https://x.test/", "parser": "ical", "parser_config": {"selector": "a"}}"#,
        ))
        .unwrap_err()
        .to_string();
        assert!(
            e.contains(
                "parser_config.selector: not a setting of the \"ical\" source (its settings: none)"
            ),
            "{e}"
        );
        // A note, the rules and the original's informational settings are every kind's.
        assert!(check_config(&config(
            r#"{"key": "x", "name": "X", "url": "https://x.test/", "parser": "ical",
                "parser_config": {"note": "n", "include": "truck", "api_type": "x", "selectors": {}}}"#,
        ))
        .is_ok());
        let e = check_config(&config(
            r#"{"key": "x", "name": "X", "url": "https://x.test/", "parser": "text-pattern", "parser_config": {"pattern": 5}}"#,
        ))
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("parser_config.pattern: invalid type: integer `5`, expected a string"),
            "{e}"
        );
    }
}
