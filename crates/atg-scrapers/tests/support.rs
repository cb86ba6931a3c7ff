use std::time::Duration;

use atg_core::{Brewery, Clock, FoodTruckEvent};
use atg_scrapers::{Coordinator, ParseContext, ScrapeOptions};
use chrono::NaiveDate;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

pub fn fixture(rel: &str) -> String {
    let path = format!("{}/../../fixtures/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// One of the original's own captures (`../shared/fixtures/<rel>`), for the checks that compare
/// with them; `None` (with a `skipped:` line) where this checkout has none beside it.
pub fn original(rel: &str, check: &str) -> Option<String> {
    atg_testkit::shared::original_capture(rel, check)
}

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn ctx(today: NaiveDate) -> ParseContext {
    ParseContext::named("test-brewery", "Test Brewery", today)
}

/// `2025-07-05 13:00-20:00 Woodshop BBQ` (times only when known; `+1` when the end is the
/// next day).
pub fn line(e: &FoodTruckEvent) -> String {
    let mut s = e.date.format("%Y-%m-%d").to_string();
    if let Some(st) = e.start_time {
        assert_eq!(st.date(), e.date, "start on the event's day: {e:?}");
        s.push_str(&st.format(" %H:%M").to_string());
        if let Some(en) = e.end_time {
            s.push_str(&en.format("-%H:%M").to_string());
            if en.date() != e.date {
                s.push_str("+1");
            }
        }
    }
    s.push(' ');
    s.push_str(&e.vendor);
    s
}

pub fn lines(events: &[FoodTruckEvent]) -> Vec<String> {
    events.iter().map(line).collect()
}

/// A server of faults, one per path: `/500`, `/404`, `/hang` (answers after 30 s), `/huge`
/// (2 MB, over any cap the tests set), `/malformed` (truncated JSON), `/loop` (redirects to
/// itself).
pub async fn fault_server() -> MockServer {
    let faults = MockServer::start().await;
    let f = faults.uri();
    let routes = [
        ("/500", ResponseTemplate::new(500)),
        ("/404", ResponseTemplate::new(404)),
        (
            "/hang",
            ResponseTemplate::new(200)
                .set_body_string("late")
                .set_delay(Duration::from_secs(30)),
        ),
        (
            "/huge",
            ResponseTemplate::new(200).set_body_string("x".repeat(2 * 1024 * 1024)),
        ),
        (
            "/malformed",
            ResponseTemplate::new(200).set_body_string("{\"events\": [1, 2"),
        ),
        (
            "/loop",
            ResponseTemplate::new(302).insert_header("location", format!("{f}/loop").as_str()),
        ),
    ];
    for (route, response) in routes {
        Mock::given(path(route))
            .respond_with(response)
            .mount(&faults)
            .await;
    }
    faults
}

/// The sheet layout of the shipped entry `key` (`chucks-greenwood`, `channel-marker`).
pub fn shipped_sheet(key: &str) -> atg_scrapers::sources::sheet_columns::Layout {
    let config = atg_core::SiteConfig::embedded().unwrap();
    let b = config.breweries.iter().find(|b| b.key == key).unwrap();
    let mut settings = b.parser_config.clone();
    settings.remove("note");
    atg_scrapers::sources::sheet_columns::Layout::new(
        serde_json::from_value(serde_json::Value::Object(settings)).unwrap(),
    )
    .unwrap()
}

/// The week the source fixtures are written around: Thursday 2026-10-29 to Thursday
/// 2026-11-05, across the end of daylight saving time (Sunday 2026-11-01).
pub const FIXTURE_WEEK: (i32, u32, u32) = (2026, 10, 29);

/// The brewery "Taproom", read by `parser` at `url` with `settings`.
pub fn taproom(parser: &str, url: String, settings: serde_json::Value) -> Brewery {
    Brewery {
        key: "taproom".into(),
        name: "Taproom".into(),
        url,
        parser: Some(parser.into()),
        parser_config: settings.as_object().cloned().unwrap_or_default(),
    }
}

/// `b` scraped for the week of `(y, m, d)` (Pacific): its events, or its error's message.
pub async fn scrape_on(
    b: Brewery,
    (y, m, d): (i32, u32, u32),
) -> Result<Vec<FoodTruckEvent>, String> {
    Coordinator::new(ScrapeOptions::default())
        .unwrap()
        .scrape_one(&b, Clock::as_of(day(y, m, d)))
        .await
        .map_err(|e| e.message)
}

/// `b` scraped for [`FIXTURE_WEEK`].
pub async fn scrape(b: Brewery) -> Result<Vec<FoodTruckEvent>, String> {
    scrape_on(b, FIXTURE_WEEK).await
}

/// A server answering each route with its body.
pub async fn serve(routes: &[(&str, String)]) -> MockServer {
    let server = MockServer::start().await;
    for (route, body) in routes {
        Mock::given(path(*route))
            .respond_with(ResponseTemplate::new(200).set_body_string(body.clone()))
            .mount(&server)
            .await;
    }
    server
}
