//! The fault suite: every fault at every source. The brewery at fault shows its error (or, for
//! a page that is merely junk, no trucks); every other brewery still arrives whole; the run
//! takes no longer than the configured deadline.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use atg_core::{Brewery, Clock, ErrorKind, SiteConfig};
use atg_scrapers::testkit::Mirror;
use atg_scrapers::{Coordinator, FetchOptions, ScrapeOptions};

use crate::support::*;

const DEADLINE: Duration = Duration::from_millis(1500);

fn options() -> ScrapeOptions {
    ScrapeOptions {
        concurrency: 10,
        source_deadline: DEADLINE,
        fetch: FetchOptions {
            request_timeout: Duration::from_millis(600),
            connect_timeout: Duration::from_millis(300),
            max_body_bytes: 256 * 1024,
            max_redirects: 3,
            max_attempts: 2,
            backoff_base: Duration::from_millis(5),
            backoff_max: Duration::from_millis(10),
            ..FetchOptions::default()
        },
        ..ScrapeOptions::default()
    }
}

/// Points every URL `b` fetches at `fault`.
fn break_brewery(b: &mut Brewery, fault: &str) {
    let set = |b: &mut Brewery, k: &str, v: String| {
        b.parser_config.insert(k.into(), v.into());
    };
    match b.key.as_str() {
        "urban-family" => {
            set(b, "calendar_url", fault.to_string());
            set(b, "api_endpoint", fault.to_string());
        }
        "wheelie-pop" => set(b, "list_url", format!("{fault}?m={{month2}}")),
        "salehs-corner" => set(
            b,
            "events_url",
            format!("{fault}?s={{start_date}}&e={{end_date}}"),
        ),
        _ => b.url = fault.to_string(),
    }
}

fn counts(events: &[atg_core::FoodTruckEvent]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for e in events {
        *m.entry(e.brewery_key.clone()).or_default() += 1;
    }
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_at_every_source() {
    let mirror = Mirror::start(Duration::ZERO).await;
    let faults = fault_server().await;
    let f = faults.uri();
    let reset = crate::test_coordinator::reset_mid_body().await;
    let clock = Clock::as_of(day(2025, 7, 30));
    let all = SiteConfig::parse(&mirror.config(), "mirror.json")
        .unwrap()
        .breweries;
    let coordinator = Coordinator::new(options()).unwrap();
    let baseline = counts(
        &coordinator
            .scrape_all(&atg_core::SiteRef::original(), &all, clock)
            .await
            .events,
    );
    // Every brewery with trucks in the week (Lucky Envelope's are in March).
    assert_eq!(baseline.len(), 8);

    let fault_urls = [
        ("500", format!("{f}/500"), Some(ErrorKind::HttpStatus)),
        ("hang", format!("{f}/hang"), Some(ErrorKind::NetworkTimeout)),
        ("malformed", format!("{f}/malformed"), None),
        ("huge", format!("{f}/huge"), Some(ErrorKind::NetworkError)),
        (
            "redirect loop",
            format!("{f}/loop"),
            Some(ErrorKind::NetworkError),
        ),
        (
            "reset mid-body",
            reset.clone(),
            Some(ErrorKind::NetworkError),
        ),
    ];
    for (fault, url, kind) in &fault_urls {
        for victim in all.iter().map(|b| b.key.clone()) {
            let mut breweries = all.clone();
            let b = breweries.iter_mut().find(|b| b.key == victim).unwrap();
            break_brewery(b, url);
            let started = Instant::now();
            let out = coordinator
                .scrape_all(&atg_core::SiteRef::original(), &breweries, clock)
                .await;
            let elapsed = started.elapsed();
            let what = format!("{fault} at {victim}");

            // The others arrive whole.
            let got = counts(&out.events);
            for (key, n) in &baseline {
                if *key != victim {
                    assert_eq!(got.get(key), Some(n), "{what}: {key} lost events");
                }
            }
            // The victim: its error, or (junk that parses as an empty page) no error and nothing
            // more than it had.
            let err = out.errors.iter().find(|e| e.brewery_key == victim);
            assert!(
                out.errors.iter().all(|e| e.brewery_key == victim),
                "{what}: {:?}",
                out.errors
            );
            match (kind, err) {
                (Some(k), Some(e)) => assert_eq!(e.kind, *k, "{what}: {}", e.message),
                (Some(k), None) => {
                    // Squarespace keeps going with its configured collection id when the page fails.
                    assert_eq!(
                        victim,
                        "yonder-balebreaker",
                        "{what}: expected {k:?}, got events {:?}",
                        got.get(&victim)
                    );
                }
                (None, Some(e)) => {
                    assert_eq!(e.kind, ErrorKind::ParserError, "{what}: {}", e.message)
                }
                (None, None) => assert!(
                    got.get(&victim).unwrap_or(&0) <= baseline.get(&victim).unwrap_or(&0),
                    "{what}"
                ),
            }
            assert!(
                elapsed < DEADLINE + Duration::from_millis(1500),
                "{what}: took {elapsed:?}"
            );
        }
    }
}
