//! Runs the sources: all breweries at once (up to a limit), each under a deadline; a failure is
//! an error entry for that brewery and never stops the others.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use atg_core::{
    Brewery, BreweryRef, Clock, FoodTruckEvent, Limit, PartialRead, Schedule, ScrapeError, SiteRef,
    sort_and_dedup,
};
use std::panic::AssertUnwindSafe;

use futures::{FutureExt, StreamExt};

use crate::budget::{Budget, Limits, StopOnDrop};
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
    /// The most one brewery may take, retries included (its parse too: it stops at the
    /// deadline).
    pub source_deadline: Duration,
    pub fetch: FetchOptions,
    /// What one brewery's source may make the worker do, and yield ([`Limits`]).
    pub limits: Limits,
}

impl Default for ScrapeOptions {
    fn default() -> Self {
        Self {
            concurrency: 10,
            source_deadline: Duration::from_secs(20),
            fetch: FetchOptions::default(),
            limits: Limits::default(),
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

    /// One brewery's events inside the clock's window, or its error (its source compiled
    /// here: [`Coordinator::scrape_source`] takes one compiled once).
    pub async fn scrape_one(
        &self,
        brewery: &Brewery,
        clock: Clock,
    ) -> Result<Vec<FoodTruckEvent>, ScrapeError> {
        match Source::for_brewery(brewery) {
            Ok(source) => self.scrape_source(brewery, &source, clock).await,
            Err(e) => Err(self.failed(brewery, e)),
        }
    }

    fn failed(&self, brewery: &Brewery, e: SourceError) -> ScrapeError {
        let err = e.for_brewery(brewery);
        tracing::warn!(brewery = %brewery.key, kind = %err.kind, "{}", err.message);
        err
    }

    /// One brewery's events inside the clock's window, read by its compiled `source`, or its
    /// error ([`Coordinator::read_source`] without what could not be read).
    pub async fn scrape_source(
        &self,
        brewery: &Brewery,
        source: &Source,
        clock: Clock,
    ) -> Result<Vec<FoodTruckEvent>, ScrapeError> {
        self.read_source(brewery, source, clock).await.outcome
    }

    /// One brewery read by its compiled `source`: its events inside the clock's window or its
    /// error, and the entries of its source that could not be read while the rest was.
    pub async fn read_source(&self, brewery: &Brewery, source: &Source, clock: Clock) -> Read {
        // The brewery's entry is the operator's: the hosts it names may be on their network
        // (a local mirror), however the scrape was asked for.
        self.options.fetch.internal.add_urls(brewery.urls());
        let deadline = self.options.source_deadline;
        let budget = Arc::new(Budget::new(
            self.options.limits,
            Instant::now().checked_add(deadline),
        ));
        // However the scrape ends (done, its deadline, the run cancelled), a parse still
        // running on its blocking thread stops at its next check.
        let _stop = StopOnDrop(budget.clone());
        let ctx = ParseContext::new(brewery, clock.today())
            .in_zone(clock.zone())
            .with_budget(budget.clone());
        // A parser that panics on a page is that brewery's parse error, never the end of the
        // run (release builds unwind; see docs/ARCHITECTURE.md).
        let guarded = AssertUnwindSafe(source.scrape(&self.http, &ctx)).catch_unwind();
        let result = match tokio::time::timeout(deadline, guarded).await {
            Ok(Ok(r)) => r,
            Ok(Err(panic)) => Err(SourceError::Parse(ParseError::new(format!(
                "the parser failed on this page ({})",
                panic_message(panic.as_ref())
            )))),
            Err(_) => Err(SourceError::Deadline {
                seconds: deadline.as_secs_f64(),
            }),
        };
        let result = result.and_then(|events| {
            within_week_limits(sort_and_dedup(events, clock.window()), &self.options.limits)
                .map_err(SourceError::from)
        });
        match result {
            Ok(events) => {
                tracing::debug!(brewery = %brewery.key, count = events.len(), "scraped");
                let partial = budget.unreadable().map(|(unreadable, first)| PartialRead {
                    brewery_key: brewery.key.clone(),
                    brewery_name: brewery.name.clone(),
                    unreadable,
                    first,
                });
                if let Some(p) = &partial {
                    tracing::warn!(brewery = %brewery.key, unreadable = p.unreadable, "{}", p.message());
                }
                Read {
                    outcome: Ok(events),
                    partial,
                }
            }
            Err(e) => Read {
                outcome: Err(self.failed(brewery, e)),
                partial: None,
            },
        }
    }

    /// Every brewery, its source compiled here, concurrently, merged into the clock's week
    /// ([`Coordinator::scrape_sources`]; a brewery whose entry does not compile is its
    /// Configuration Error).
    pub async fn scrape_all(
        &self,
        site: &SiteRef,
        breweries: &[Brewery],
        clock: Clock,
    ) -> Schedule {
        let sources: Vec<Result<Source, SourceError>> =
            breweries.iter().map(Source::for_brewery).collect();
        self.scrape_each(site, breweries, &sources, clock).await
    }

    /// Every brewery of `site` with its source compiled once (`sources[i]` reads
    /// `breweries[i]`), concurrently, merged into the clock's week ([`Schedule::merge`]); the
    /// clock is the site's (its day is read in the site's zone).
    pub async fn scrape_sources(
        &self,
        site: &SiteRef,
        breweries: &[Brewery],
        sources: &[Source],
        clock: Clock,
    ) -> Schedule {
        let sources: Vec<Result<&Source, SourceError>> = sources.iter().map(Ok).collect();
        self.scrape_each(site, breweries, &sources, clock).await
    }

    async fn scrape_each<S: std::borrow::Borrow<Source>>(
        &self,
        site: &SiteRef,
        breweries: &[Brewery],
        sources: &[Result<S, SourceError>],
        clock: Clock,
    ) -> Schedule {
        // Unordered, so a slow brewery holds one slot and not the whole queue; the results are
        // put back in config order. The futures are made first so the stream's type holds no
        // closure (which keeps the whole future `Send` for callers such as Temporal activities).
        let scrapes: Vec<_> = breweries
            .iter()
            .enumerate()
            .zip(sources)
            .map(|((i, b), source)| async move {
                let read = match source {
                    Ok(s) => self.read_source(b, s.borrow(), clock).await,
                    Err(e) => Read {
                        outcome: Err(self.failed(b, e.clone())),
                        partial: None,
                    },
                };
                (i, read)
            })
            .collect();
        let mut results: Vec<_> = futures::stream::iter(scrapes)
            .buffer_unordered(self.options.concurrency.max(1))
            .collect()
            .await;
        results.sort_by_key(|(i, _)| *i);
        let partial: Vec<PartialRead> = results
            .iter_mut()
            .filter_map(|(_, r)| r.partial.take())
            .collect();
        let mut schedule = Schedule::merge(
            site.clone(),
            clock.today(),
            breweries
                .iter()
                .map(BreweryRef::from)
                .zip(results.into_iter().map(|(_, r)| r.outcome)),
        );
        schedule.partial = partial;
        schedule
    }
}

/// One brewery read: its events or its error, and what of its source could not be read.
#[derive(Debug, Clone)]
pub struct Read {
    pub outcome: Result<Vec<FoodTruckEvent>, ScrapeError>,
    pub partial: Option<PartialRead>,
}

/// A brewery's week, refused when it lists more events or different vendors than any venue
/// does ([`Limits::events_per_week`], [`Limits::vendors_per_week`]): a feed that floods the
/// schedule fails alone, before its events reach a payload, a page or a file name.
pub fn within_week_limits(
    events: Vec<FoodTruckEvent>,
    limits: &Limits,
) -> Result<Vec<FoodTruckEvent>, ParseError> {
    if events.len() as u64 > limits.events_per_week {
        return Err(Budget::over(Limit::Events, limits.events_per_week));
    }
    let vendors: HashSet<String> = events.iter().map(|e| e.vendor.to_lowercase()).collect();
    if vendors.len() as u64 > limits.vendors_per_week {
        return Err(Budget::over(Limit::Vendors, limits.vendors_per_week));
    }
    Ok(events)
}
