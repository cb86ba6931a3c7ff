//! One module per source, and the registry that picks a brewery's. Each module reads top to
//! bottom: its settings (from the brewery's `parser_config`), the requests it makes, and a pure
//! synchronous `parse` tested on fixtures.

use atg_core::{Brewery, BreweryConfig, ConfigError, FoodTruckEvent};

use crate::fetch::Fetcher;
use crate::source::read_one;
pub use crate::source::{OnePage, ParseContext, ParseError, Settings, SourceError};

pub mod hivey;
pub mod my_calendar;
pub mod obec;
pub mod seattle_food_truck;
pub mod sheets_csv;
pub mod squarespace;
pub mod stoup;
pub mod sugar_calendar;

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
}

impl SourceKind {
    pub const ALL: [Self; 7] = [
        Self::Stoup,
        Self::SquarespaceCalendar,
        Self::TextPattern,
        Self::SugarCalendar,
        Self::MyCalendar,
        Self::GoogleSheetsCsv,
        Self::SeattleFoodTruck,
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
        }
    }

    /// The original's brewery key that this source reads: a brewery with that key needs no
    /// `"parser"`, and the original's configs keep working.
    pub fn original_key(self) -> Option<&'static str> {
        Some(match self {
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

/// A brewery's source, built from its settings.
#[derive(Debug, Clone)]
pub enum Source {
    Stoup(stoup::Stoup),
    Squarespace(squarespace::Squarespace),
    Obec(obec::Obec),
    SugarCalendar(sugar_calendar::SugarCalendar),
    MyCalendar(my_calendar::MyCalendar),
    SheetsCsv(sheets_csv::SheetsCsv),
    SeattleFoodTruck(seattle_food_truck::SeattleFoodTruck),
}

impl Source {
    /// Builds the source of `brewery`, checking its settings.
    pub fn for_brewery(brewery: &Brewery) -> Result<Self, SourceError> {
        let kind = SourceKind::of(brewery).map_err(SourceError::Config)?;
        let s = Settings::new(brewery);
        let built = match kind {
            SourceKind::Stoup => stoup::Stoup::new(&s).map(Self::Stoup),
            SourceKind::SquarespaceCalendar => {
                squarespace::Squarespace::new(&s).map(Self::Squarespace)
            }
            SourceKind::TextPattern => obec::Obec::new(&s).map(Self::Obec),
            SourceKind::SugarCalendar => {
                sugar_calendar::SugarCalendar::new(&s).map(Self::SugarCalendar)
            }
            SourceKind::MyCalendar => my_calendar::MyCalendar::new(&s).map(Self::MyCalendar),
            SourceKind::GoogleSheetsCsv => sheets_csv::SheetsCsv::new(&s).map(Self::SheetsCsv),
            SourceKind::SeattleFoodTruck => {
                seattle_food_truck::SeattleFoodTruck::new(&s).map(Self::SeattleFoodTruck)
            }
        };
        built.map_err(|e| SourceError::Config(format!("parser_config.{e}")))
    }

    /// Fetches and parses this source's events.
    pub async fn scrape(
        &self,
        http: &Fetcher,
        ctx: &ParseContext,
    ) -> Result<Vec<FoodTruckEvent>, SourceError> {
        let events = match self {
            Self::Stoup(s) => read_one(http, s, ctx).await?,
            Self::Squarespace(s) => s.scrape(http, ctx).await?,
            Self::Obec(s) => read_one(http, s, ctx).await?,
            Self::SugarCalendar(s) => s.scrape(http, ctx).await?,
            Self::MyCalendar(s) => s.scrape(http, ctx).await?,
            Self::SheetsCsv(s) => read_one(http, s, ctx).await?,
            Self::SeattleFoodTruck(s) => read_one(http, s, ctx).await?,
        };
        crate::source::checked_events(events)
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
