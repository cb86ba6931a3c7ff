use atg_core::{BreweryConfig, Clock, FoodTruckEvent, ScrapeError};
use atg_scrapers::{Coordinator, FetchError, ScrapeOptions};

/// One run's result: the week's events (sorted) and the breweries that failed.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub clock: Clock,
    pub events: Vec<FoodTruckEvent>,
    pub errors: Vec<ScrapeError>,
}

/// How a run went, as the exit code tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Every brewery answered (with or without trucks).
    Complete,
    /// Some breweries failed; the others' events are there.
    Partial,
    /// Breweries failed and no event was found.
    Failed,
}

impl RunStatus {
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Complete => 0,
            Self::Partial => 2,
            Self::Failed => 1,
        }
    }
}

impl Schedule {
    pub fn status(&self) -> RunStatus {
        match (self.errors.is_empty(), self.events.is_empty()) {
            (true, _) => RunStatus::Complete,
            (false, false) => RunStatus::Partial,
            (false, true) => RunStatus::Failed,
        }
    }

    /// Whether there is anything worth publishing: the original's rule, so an outage never
    /// replaces a good site by an empty one.
    pub fn publishable(&self) -> bool {
        !self.events.is_empty()
    }
}

/// Scrapes every brewery of `config` and keeps the events of the clock's week.
pub async fn collect_schedule(
    config: &BreweryConfig,
    clock: Clock,
    options: ScrapeOptions,
) -> Result<Schedule, FetchError> {
    let coordinator = Coordinator::new(options)?;
    let outcome = coordinator.scrape_all(&config.breweries, clock).await;
    Ok(Schedule {
        clock,
        events: outcome.events,
        errors: outcome.errors,
    })
}
