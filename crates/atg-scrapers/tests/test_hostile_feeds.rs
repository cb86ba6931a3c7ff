//! Feeds written to crash, freeze or flood a worker (issue N): each fails alone with the limit
//! it went over, within its deadline, while every other brewery of the run arrives whole; a
//! parse that costs seconds of CPU never holds the async runtime.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use atg_core::{Clock, ErrorKind, Limit, SiteConfig};
use atg_scrapers::testkit::{HostileFeeds, Mirror, hostile_feeds};
use atg_scrapers::{Coordinator, Limits, ParseContext, ScrapeOptions};

use crate::support::day;

const DEADLINE: Duration = Duration::from_secs(5);

fn options() -> ScrapeOptions {
    ScrapeOptions {
        source_deadline: DEADLINE,
        ..ScrapeOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_hostile_feed_fails_alone_with_its_limit_and_the_rest_arrive() {
    let mirror = Mirror::start(Duration::ZERO).await;
    let hostile = HostileFeeds::start().await;
    let config = hostile.added_to(&mirror.config());
    let breweries = SiteConfig::parse(&config, "hostile.json")
        .unwrap()
        .breweries;
    let started = Instant::now();
    let out = Coordinator::new(options())
        .unwrap()
        .scrape_all(
            &atg_core::SiteRef::original(),
            &breweries,
            Clock::as_of(day(2025, 7, 30)),
        )
        .await;
    // Every brewery in parallel: the run takes at most one deadline and a second.
    assert!(
        started.elapsed() < DEADLINE + Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let error = |key: &str| out.errors.iter().find(|e| e.brewery_key == key);
    for (key, limit) in [
        ("hostile-deep-ics", Limit::Nesting),
        ("hostile-rrule-bomb-ics", Limit::Recurrence),
        ("hostile-rdate-exdate-ics", Limit::Events),
        ("hostile-flood-ics", Limit::Events),
        ("hostile-nested-html", Limit::Nesting),
        ("hostile-deep-json", Limit::Nesting),
        ("hostile-rows-csv", Limit::Entries),
        ("hostile-values-json", Limit::Size),
    ] {
        let e = error(key).unwrap_or_else(|| panic!("{key} did not fail: {:?}", out.errors));
        assert_eq!(e.kind, ErrorKind::ParserError, "{key}: {e}");
        assert_eq!(e.limit, Some(limit), "{key}: {e}");
        assert!(e.message.starts_with("over a limit: it"), "{key}: {e}");
    }
    // The one hostile feed that is not refused: its name, cut and without its override.
    let long: Vec<_> = out
        .events
        .iter()
        .filter(|e| e.brewery_key == "hostile-long-name-ics")
        .collect();
    assert_eq!(long.len(), 1);
    assert_eq!(
        long[0].vendor.chars().count(),
        Limits::default().vendor_chars
    );
    assert!(long[0].vendor.starts_with("Truckxxx") && long[0].vendor.ends_with('…'));
    // Every brewery of the mirror arrived whole (Lucky Envelope's trucks are in March 2026).
    assert_eq!(out.errors.len(), 8, "{:?}", out.errors);
    for key in [
        "stoup-ballard",
        "yonder-balebreaker",
        "obec-brewing",
        "urban-family",
        "wheelie-pop",
        "chucks-greenwood",
        "salehs-corner",
    ] {
        assert!(out.events.iter().any(|e| e.brewery_key == key), "{key}");
    }
    // The partly unreadable calendar: its truck read, the two series it could not read counted.
    assert!(out.events.iter().any(|e| e.vendor == "Partly Read Truck"));
    assert_eq!(out.partial.len(), 1, "{:?}", out.partial);
    let p = &out.partial[0];
    assert_eq!(
        (p.brewery_key.as_str(), p.unreadable),
        ("hostile-partly-unreadable-ics", 2)
    );
    assert!(
        p.message().starts_with(
            "Hostile partly-unreadable.ics: 2 of its entries could not be read (first: "
        ),
        "{}",
        p.message()
    );
}

#[test]
fn every_hostile_body_is_refused_by_its_parser_alone() {
    // Straight into the parsers, on this thread: nothing recurses past the format's depth (a
    // stack overflow would abort the test binary), each is refused by a named limit.
    let ctx = ParseContext::named("x", "X", day(2025, 7, 30));
    let e = atg_scrapers::sources::ical::parse(&hostile_feeds::deep_calendar(200_000), &ctx)
        .unwrap_err();
    assert_eq!(e.limit, Some(Limit::Nesting), "{e}");
    assert!(e.message.contains("BEGIN:VEVENT inside VEVENT"), "{e}");
    let e = atg_scrapers::sources::ical::parse(&hostile_feeds::rrule_bomb(), &ctx).unwrap_err();
    assert_eq!(
        e.message,
        "over a limit: its recurrence rules generate more than 100,000 dates"
    );
    let e = atg_scrapers::sources::ical::parse(&hostile_feeds::rdates_and_exdates(60_000), &ctx)
        .unwrap_err();
    assert_eq!(e.limit, Some(Limit::Recurrence), "{e}");
}

#[test]
fn a_calendar_with_a_few_more_levels_than_the_format_is_still_refused() {
    let ctx = ParseContext::named("x", "X", day(2025, 7, 30));
    let alarm_in_alarm = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nBEGIN:VALARM\r\nBEGIN:VALARM\r\nEND:VALARM\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let e = atg_scrapers::sources::ical::parse(alarm_in_alarm, &ctx).unwrap_err();
    assert_eq!(e.limit, Some(Limit::Nesting));
    let crossed = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\nEND:VEVENT\r\n";
    let e = atg_scrapers::sources::ical::parse(crossed, &ctx).unwrap_err();
    assert!(
        e.message.contains("END:VCALENDAR closes BEGIN:VEVENT"),
        "{e}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_parse_that_costs_seconds_of_cpu_stops_at_the_deadline_and_never_holds_the_runtime() {
    // A page just inside every limit (95,000 elements, 19,000 entries), whose parse takes
    // longer than the deadline: it runs on a blocking thread, so this one-thread runtime keeps
    // ticking, and the brewery is a timeout at its deadline.
    let mut page = String::from("<html><body>");
    for i in 0..19_000 {
        page.push_str(&format!(
            "<div class=\"e\"><b class=\"v\">Truck {i}</b><i class=\"d\">2025-07-31</i><u>5-8pm</u><s>x</s></div>"
        ));
    }
    page.push_str("</body></html>");
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::path("/slow.html"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_string(page))
        .mount(&server)
        .await;
    let config = serde_json::json!({"breweries": [{
        "key": "slow", "name": "Slow", "parser": "html-selectors",
        "url": format!("{}/slow.html", server.uri()),
        "parser_config": {"event": "div.e", "vendor": ".v", "date": ".d", "time": "u"}
    }]});
    let breweries = SiteConfig::parse(&config.to_string(), "slow.json")
        .unwrap()
        .breweries;
    let ticks = Arc::new(AtomicU64::new(0));
    let ticker = {
        let ticks = ticks.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(20)).await;
                ticks.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let deadline = Duration::from_millis(150);
    let started = Instant::now();
    let out = Coordinator::new(ScrapeOptions {
        source_deadline: deadline,
        ..ScrapeOptions::default()
    })
    .unwrap()
    .scrape_all(
        &atg_core::SiteRef::original(),
        &breweries,
        Clock::as_of(day(2025, 7, 30)),
    )
    .await;
    let took = started.elapsed();
    ticker.abort();
    assert_eq!(out.errors.len(), 1, "{:?}", out.events.len());
    assert_eq!(
        out.errors[0].kind,
        ErrorKind::NetworkTimeout,
        "{}",
        out.errors[0]
    );
    assert!(took < deadline + Duration::from_secs(1), "{took:?}");
    // The runtime's one thread was free the whole time (a tick every 20 ms).
    let expected = took.as_millis() as u64 / 20;
    assert!(
        ticks.load(Ordering::Relaxed) * 2 >= expected,
        "{} ticks in {took:?}",
        ticks.load(Ordering::Relaxed)
    );
}
