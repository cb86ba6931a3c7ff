//! `around-the-grounds probe URL` against a local server serving a venue of each kind.

use serde_json::Value;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::test_cli::run;

fn fixture(rel: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../../fixtures/{rel}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

async fn venue() -> MockServer {
    let server = MockServer::start().await;
    let base = server.uri();
    let routes = [
        ("/feed.ics", fixture("sources/ical_taproom_week_of_dst_change.ics")),
        ("/events", fixture("sources/json_ld_taproom_events.html")),
        (
            "/home",
            "<html><head><title>Taproom Brewing</title><link rel=\"alternate\" type=\"text/calendar\" href=\"/feed.ics\"></head><body>Our calendar</body></html>".to_string(),
        ),
        (
            "/wp",
            "<html><head><title>A WordPress Taproom</title><link rel='stylesheet' href='/wp-content/x.css'></head><body></body></html>".to_string(),
        ),
        (
            "/wp-json/tribe/events/v1/events",
            fixture("sources/tribe_events_page_2.json").replace("{BASE}", &base),
        ),
        ("/nothing", "<html><head><title>Closed</title></head><body>See you soon</body></html>".to_string()),
    ];
    for (route, body) in routes {
        Mock::given(path(route))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .mount(&server)
            .await;
    }
    server
}

/// The config entries the probe printed.
fn entries(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn probe_names_the_source_of_each_kind_of_venue_and_the_entry_to_paste() {
    let server = venue().await;
    let base = server.uri();
    let probe = |route: &str| {
        let url = format!("{base}{route}");
        async move { run(&["probe", &url, "--as-of", "2026-10-29"]).await }
    };

    // A feed itself.
    let r = probe("/feed.ics").await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("✅ ical reads ")
            && r.stdout.contains(": 8 events in the week of 2026-10-29"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("2026-10-29 17:00-20:00: Food Truck: Marination Mobile @"),
        "{}",
        r.stdout
    );
    assert_eq!(entries(&r.stdout)[0]["parser"], "ical");

    // The same feed for a venue in New York: its Pacific times read on New York's clocks.
    let url = format!("{base}/feed.ics");
    let r = run(&[
        "probe",
        &url,
        "--as-of",
        "2026-10-29",
        "--timezone",
        "America/New_York",
    ])
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("2026-10-29 20:00-23:00: Food Truck: Marination Mobile @"),
        "{}",
        r.stdout
    );
    let r = run(&["probe", &url, "--timezone", "Mars/Olympus"]).await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("\"Mars/Olympus\" is not a tz database zone"),
        "{}",
        r.stderr
    );

    // A page with schema.org events.
    let r = probe("/events").await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let e = &entries(&r.stdout)[0];
    assert_eq!(
        (e["parser"].as_str(), e["url"].as_str()),
        (Some("json-ld"), Some(format!("{base}/events").as_str()))
    );
    assert!(r.stdout.contains(": 5 events"), "{}", r.stdout);

    // A page that links its feed: the feed is followed, and the entry names it.
    let r = probe("/home").await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let e = &entries(&r.stdout)[0];
    assert_eq!(e["parser"], "ical");
    assert_eq!(e["url"], format!("{base}/feed.ics"));
    assert_eq!(e["name"], "Taproom Brewing");

    // A WordPress site: The Events Calendar's API at its usual address.
    let r = probe("/wp").await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let e = &entries(&r.stdout)[0];
    assert_eq!(e["parser"], "tribe-events");
    assert_eq!(e["url"], format!("{base}/wp-json/tribe/events/v1/events"));

    // Every entry printed loads as a brewery list.
    let list = serde_json::json!({"breweries": [e]}).to_string();
    atg_scrapers::check_config(&atg_core::SiteConfig::parse(&list, "probe.json").unwrap()).unwrap();

    // Nothing readable: one line, exit 1.
    let r = probe("/nothing").await;
    assert_eq!(r.code, 1);
    assert!(r.stdout.is_empty());
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("html-selectors"), "{}", r.stderr);
}

/// Issue P: the answers whose settings probe reads off them — a sheet, a JSON API, a page of a
/// truck per line — come back as entries with their settings, which load and read the same.
#[tokio::test(flavor = "multi_thread")]
async fn probe_writes_the_settings_of_a_sheet_an_api_and_a_page_of_lines() {
    let server = MockServer::start().await;
    for (route, body) in [
        ("/sheet.csv", fixture("sources/channel_marker_sheet.csv")),
        (
            "/api/widget/events",
            fixture("sources/events_widget_page_1.json"),
        ),
        ("/trucks", fixture("sources/lines_per_truck.html")),
    ] {
        Mock::given(path(route))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .mount(&server)
            .await;
    }
    let base = server.uri();
    let probe = |route: &str, as_of: &str| {
        let url = format!("{base}{route}");
        let as_of = as_of.to_string();
        async move { run(&["probe", &url, "--as-of", &as_of]).await }
    };

    let r = probe("/sheet.csv", "2025-07-30").await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let e = &entries(&r.stdout)[0];
    assert_eq!(e["parser"], "sheet-columns", "{}", r.stdout);
    assert_eq!(
        e["parser_config"],
        serde_json::json!({
            "date_column": "DATE",
            "vendor_column": "FOOD TRUCK",
            "time_column": "TIME",
            "capitalize_words": true
        })
    );
    assert!(
        r.stdout
            .contains("2025-07-31 17:00-20:30: Finn's Fish Tacos @"),
        "{}",
        r.stdout
    );

    let r = probe("/api/widget/events", "2026-10-29").await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let e = &entries(&r.stdout)[0];
    assert_eq!(e["parser"], "json-api", "{}", r.stdout);
    assert_eq!(
        e["parser_config"],
        serde_json::json!({
            "response_path": "data.events",
            "field_map": {"vendor": "name.text", "start": "when.0.start", "end": "when.0.end"},
            "next_path": "pagination.next_url"
        })
    );

    let r = probe("/trucks", "2026-10-29").await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let e = entries(&r.stdout)
        .into_iter()
        .find(|e| e["parser"] == "html-selectors")
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert_eq!(
        e["parser_config"],
        serde_json::json!({"line": "p", "after": "UPCOMING FOOD TRUCKS"})
    );
    assert!(
        r.stdout
            .contains("2026-10-30 16:30-20:30: Cedar Smoke BBQ @"),
        "{}",
        r.stdout
    );
    let list = serde_json::json!({"breweries": [e]}).to_string();
    atg_scrapers::check_config(&atg_core::SiteConfig::parse(&list, "probe.json").unwrap()).unwrap();
}
