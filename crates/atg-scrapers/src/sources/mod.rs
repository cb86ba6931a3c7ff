//! One module per source, and the registry that picks a brewery's. Each module reads top to
//! bottom: its settings (from the brewery's `parser_config`), the requests it makes, and a pure
//! synchronous `parse` tested on fixtures.

use std::sync::Arc;

use atg_core::{Brewery, BreweryConfig, ConfigError, FoodTruckEvent};

use crate::fetch::Fetcher;
use crate::source::read_one;
pub use crate::source::{EventRules, OnePage, ParseContext, ParseError, Settings, SourceError};

pub mod hivey;
pub mod html_selectors;
pub mod ical;
pub mod json_ld;
pub mod my_calendar;
pub mod obec;
pub mod seattle_food_truck;
pub mod sheets_csv;
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
    GoogleSheetsCsv,
    SeattleFoodTruck,
    SquarespaceList,
    Ical,
    JsonLd,
    TribeEvents,
    HtmlSelectors,
}

impl SourceKind {
    pub const ALL: [Self; 12] = [
        Self::Stoup,
        Self::SquarespaceCalendar,
        Self::TextPattern,
        Self::SugarCalendar,
        Self::MyCalendar,
        Self::GoogleSheetsCsv,
        Self::SeattleFoodTruck,
        Self::SquarespaceList,
        Self::Ical,
        Self::JsonLd,
        Self::TribeEvents,
        Self::HtmlSelectors,
    ];

    /// The sources any venue can be read with, by configuration alone (`probe` tries them).
    pub const GENERIC: [Self; 4] = [
        Self::Ical,
        Self::JsonLd,
        Self::TribeEvents,
        Self::HtmlSelectors,
    ];

    /// The name a config gives in `"parser"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Stoup => "stoup",
            Self::SquarespaceCalendar => "squarespace-calendar",
            Self::TextPattern => "text-pattern",
            Self::SugarCalendar => "sugar-calendar",
            Self::MyCalendar => "my-calendar",
            Self::GoogleSheetsCsv => "google-sheets-csv",
            Self::SeattleFoodTruck => "seattle-food-truck",
            Self::SquarespaceList => "squarespace-list",
            Self::Ical => "ical",
            Self::JsonLd => "json-ld",
            Self::TribeEvents => "tribe-events",
            Self::HtmlSelectors => "html-selectors",
        }
    }

    /// The original's brewery key that this source reads: a brewery with that key needs no
    /// `"parser"`, and the original's configs keep working.
    pub fn original_key(self) -> Option<&'static str> {
        Some(match self {
            Self::Ical | Self::JsonLd | Self::TribeEvents | Self::HtmlSelectors => return None,
            Self::SquarespaceList => "lucky-envelope",
            Self::Stoup => "stoup-ballard",
            Self::SquarespaceCalendar => "yonder-balebreaker",
            Self::TextPattern => "obec-brewing",
            Self::SugarCalendar => "urban-family",
            Self::MyCalendar => "wheelie-pop",
            Self::GoogleSheetsCsv => "chucks-greenwood",
            Self::SeattleFoodTruck => "salehs-corner",
        })
    }

    /// The kind `name` stands for: a source's name or an original brewery key.
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.name() == name || k.original_key() == Some(name))
    }

    /// The kind that reads `brewery` (its `"parser"`, else its key), or why there is none.
    pub fn of(brewery: &Brewery) -> Result<Self, String> {
        let name = brewery.parser_key();
        Self::named(name).ok_or_else(|| {
            let known: Vec<&str> = Self::ALL.iter().map(|k| k.name()).collect();
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

/// A brewery's source, built from its settings: the reader of its platform, and the rules that
/// say which entries are food trucks.
#[derive(Debug, Clone)]
pub struct Source {
    reader: Reader,
    rules: Arc<EventRules>,
}

/// The reader of one platform.
#[derive(Debug, Clone)]
enum Reader {
    Stoup(stoup::Stoup),
    Squarespace(squarespace::Squarespace),
    Obec(obec::Obec),
    SugarCalendar(sugar_calendar::SugarCalendar),
    MyCalendar(my_calendar::MyCalendar),
    SheetsCsv(sheets_csv::SheetsCsv),
    SeattleFoodTruck(seattle_food_truck::SeattleFoodTruck),
    SquarespaceList(squarespace_list::SquarespaceList),
    Ical(ical::Ical),
    JsonLd(json_ld::JsonLd),
    TribeEvents(tribe_events::TribeEvents),
    HtmlSelectors(html_selectors::HtmlSelectors),
}

impl Source {
    /// Builds the source of `brewery`, checking its settings.
    pub fn for_brewery(brewery: &Brewery) -> Result<Self, SourceError> {
        let kind = SourceKind::of(brewery).map_err(SourceError::Config)?;
        let s = Settings::new(brewery);
        let setting = |e: String| SourceError::Config(format!("parser_config.{e}"));
        let rules = Arc::new(EventRules::from_settings(&s).map_err(setting)?);
        let reader = Reader::new(kind, &s).map_err(setting)?;
        Ok(Self { reader, rules })
    }

    /// Fetches and parses this source's events; the brewery's rules keep the food trucks.
    pub async fn scrape(
        &self,
        http: &Fetcher,
        ctx: &ParseContext,
    ) -> Result<Vec<FoodTruckEvent>, SourceError> {
        let ctx = ctx.clone().with_rules(self.rules.clone());
        let mut events = self.reader.scrape(http, &ctx).await?;
        if !self.reader.reads_rules() {
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
    fn new(kind: SourceKind, s: &Settings<'_>) -> Result<Self, String> {
        match kind {
            SourceKind::Stoup => stoup::Stoup::new(s).map(Self::Stoup),
            SourceKind::SquarespaceCalendar => {
                squarespace::Squarespace::new(s).map(Self::Squarespace)
            }
            SourceKind::TextPattern => obec::Obec::new(s).map(Self::Obec),
            SourceKind::SugarCalendar => {
                sugar_calendar::SugarCalendar::new(s).map(Self::SugarCalendar)
            }
            SourceKind::MyCalendar => my_calendar::MyCalendar::new(s).map(Self::MyCalendar),
            SourceKind::GoogleSheetsCsv => sheets_csv::SheetsCsv::new(s).map(Self::SheetsCsv),
            SourceKind::SeattleFoodTruck => {
                seattle_food_truck::SeattleFoodTruck::new(s).map(Self::SeattleFoodTruck)
            }
            SourceKind::SquarespaceList => {
                squarespace_list::SquarespaceList::new(s).map(Self::SquarespaceList)
            }
            SourceKind::Ical => ical::Ical::new(s).map(Self::Ical),
            SourceKind::JsonLd => json_ld::JsonLd::new(s).map(Self::JsonLd),
            SourceKind::TribeEvents => tribe_events::TribeEvents::new(s).map(Self::TribeEvents),
            SourceKind::HtmlSelectors => {
                html_selectors::HtmlSelectors::new(s).map(Self::HtmlSelectors)
            }
        }
    }

    /// The reader applies the brewery's rules to each entry itself (it sees titles and
    /// categories); the others' events are filtered by their vendor afterwards.
    fn reads_rules(&self) -> bool {
        !matches!(
            self,
            Self::Stoup(_)
                | Self::Squarespace(_)
                | Self::Obec(_)
                | Self::SugarCalendar(_)
                | Self::MyCalendar(_)
                | Self::SheetsCsv(_)
                | Self::SeattleFoodTruck(_)
        )
    }

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
            Self::SheetsCsv(s) => read_one(http, s, ctx).await?,
            Self::SeattleFoodTruck(s) => read_one(http, s, ctx).await?,
            Self::SquarespaceList(s) => read_one(http, s, ctx).await?,
            Self::Ical(s) => read_one(http, s, ctx).await?,
            Self::JsonLd(s) => read_one(http, s, ctx).await?,
            Self::TribeEvents(s) => s.scrape(http, ctx).await?,
            Self::HtmlSelectors(s) => read_one(http, s, ctx).await?,
        })
    }
}

/// Every brewery of `config` has a source that can be built: an unknown parser or a bad
/// setting is refused when the configuration is loaded, naming the brewery and the field.
pub fn check_config(config: &BreweryConfig) -> Result<(), ConfigError> {
    for (i, b) in config.breweries.iter().enumerate() {
        if let Err(e) = Source::for_brewery(b) {
            return Err(ConfigError::Invalid {
                origin: config.origin.clone(),
                field: format!("breweries[{i}] ({})", b.key),
                message: e.to_string(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_found_by_its_name_and_by_its_original_key() {
        for k in SourceKind::ALL {
            assert_eq!(SourceKind::named(k.name()), Some(k));
            if let Some(key) = k.original_key() {
                assert_eq!(SourceKind::named(key), Some(k));
            }
        }
        assert_eq!(SourceKind::named("nope"), None);
    }

    #[test]
    fn an_unknown_parser_is_refused_at_load_with_the_known_ones() {
        let config = BreweryConfig::parse(
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
        let config = BreweryConfig::parse(
            r#"{"breweries": [{"key": "x", "name": "X", "url": "https://x.test/", "parser": "seattle-food-truck"}]}"#,
            "t.json",
        )
        .unwrap();
        let e = check_config(&config).unwrap_err().to_string();
        assert!(
            e.contains("breweries[0] (x): parser_config.events_url: required"),
            "{e}"
        );
        assert!(check_config(&BreweryConfig::embedded().unwrap()).is_ok());
    }
}
