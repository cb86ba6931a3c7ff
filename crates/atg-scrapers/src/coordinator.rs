//! Runs the sources: all breweries at once (up to a limit), each under a deadline; a failure is
//! an error entry for that brewery and never stops the others.

use std::time::Duration;

use atg_core::{
    Brewery, BreweryRef, Clock, FoodTruckEvent, Schedule, ScrapeError, SiteRef, sort_and_dedup,
};
use std::panic::AssertUnwindSafe;

use futures::{FutureExt, StreamExt};

use crate::fetch::{FetchError, FetchOptions, Fetcher};
use crate::source::{ParseContext, ParseError, SourceError};
use crate::sources::Source;

/// The text of a caught panic.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_string())
}

/// How a run scrapes.
#[derive(Debug, Clone)]
pub struct ScrapeOptions {
    /// Breweries scraped at the same time.
    pub concurrency: usize,
    /// The most one brewery may take, retries included.
    pub source_deadline: Duration,
    pub fetch: FetchOptions,
}

impl Default for ScrapeOptions {
    fn default() -> Self {
        Self {
            concurrency: 10,
            source_deadline: Duration::from_secs(20),
            fetch: FetchOptions::default(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Coordinator {
    http: Fetcher,
    options: ScrapeOptions,
}

impl Coordinator {
    pub fn new(options: ScrapeOptions) -> Result<Self, FetchError> {
        Ok(Self {
            http: Fetcher::new(options.fetch.clone())?,
            options,
        })
    }

    /// One brewery's events inside the clock's window, or its error.
    pub async fn scrape_one(
        &self,
        brewery: &Brewery,
        clock: Clock,
    ) -> Result<Vec<FoodTruckEvent>, ScrapeError> {
        let result = match Source::for_brewery(brewery) {
            Ok(source) => {
                let ctx = ParseContext::new(brewery, clock.today()).in_zone(clock.zone());
                let deadline = self.options.source_deadline;
                // A parser that panics on a page is that brewery's parse error, never the end
                // of the run (release builds unwind; see docs/ARCHITECTURE.md).
                let guarded = AssertUnwindSafe(source.scrape(&self.http, &ctx)).catch_unwind();
                match tokio::time::timeout(deadline, guarded).await {
                    Ok(Ok(r)) => r,
                    Ok(Err(panic)) => Err(SourceError::Parse(ParseError::new(format!(
                        "the parser failed on this page ({})",
                        panic_message(panic.as_ref())
                    )))),
                    Err(_) => Err(SourceError::Deadline {
                        seconds: deadline.as_secs_f64(),
                    }),
                }
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(events) => {
                tracing::debug!(brewery = %brewery.key, count = events.len(), "scraped");
                Ok(sort_and_dedup(events, clock.window()))
            }
            Err(e) => {
                let err = e.for_brewery(brewery);
                tracing::warn!(brewery = %brewery.key, kind = %err.kind, "{}", err.message);
                Err(err)
            }
        }
    }

    /// Every brewery, concurrently, merged into the clock's week ([`Schedule::merge`]).
    pub async fn scrape_all(&self, breweries: &[Brewery], clock: Clock) -> Schedule {
        // Unordered, so a slow brewery holds one slot and not the whole queue; the results are
        // put back in config order. The futures are made first so the stream's type holds no
        // closure (which keeps the whole future `Send` for callers such as Temporal activities).
        let scrapes: Vec<_> = breweries
            .iter()
            .enumerate()
            .map(|(i, b)| async move { (i, self.scrape_one(b, clock).await) })
            .collect();
        let mut results: Vec<_> = futures::stream::iter(scrapes)
            .buffer_unordered(self.options.concurrency.max(1))
            .collect()
            .await;
        results.sort_by_key(|(i, _)| *i);
        let site = SiteRef {
            timezone: clock.zone(),
            ..SiteRef::default()
        };
        Schedule::merge(
            site,
            clock.today(),
            breweries
                .iter()
                .map(BreweryRef::from)
                .zip(results.into_iter().map(|(_, r)| r)),
        )
    }
}
