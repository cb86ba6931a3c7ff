//! The sources any venue can be read with by configuration alone — iCalendar feeds, schema.org
//! JSON-LD, The Events Calendar's REST API, CSS selectors — and Squarespace's list section,
//! each from a fixture written from its specification, through the whole path a brewery's
//! entry takes: settings, requests (a local server), parse, rules, the window.

use atg_core::{Brewery, Clock};
use atg_scrapers::{Coordinator, ScrapeOptions};
use serde_json::{Value, json};
use wiremock::matchers::{path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const TAPROOM_ICS: &str = "sources/ical_taproom_week_of_dst_change.ics";

#[tokio::test]
async fn ical_expands_recurrences_in_their_zone_across_the_dst_change() {
    let server = serve(&[("/taproom.ics", fixture(TAPROOM_ICS))]).await;
    let events = scrape(taproom(
        "ical",
        format!("{}/taproom.ics", server.uri()),
        json!({}),
    ))
    .await
    .unwrap();
    assert_eq!(
        lines(&events),
        [
            // The weekly Thursday truck at 5 pm on both sides of the change (PDT, then PST).
            "2026-10-29 17:00-20:00 Food Truck: Marination Mobile",
            "2026-10-29 19:00 Trivia Night",
            // UTC in the feed (00:30Z), Pacific on the page.
            "2026-10-30 17:30-20:30 Food Truck: Tacos, Tortas ; More",
            // The Halloween override of a weekly pizza truck (its 12:00 occurrence replaced).
            "2026-10-31 14:00-18:00 Food Truck: Slice Box (Halloween hours)",
            // All day: a date, no times.
            "2026-11-01 Food Truck: Sunday Brunch Cart",
            // Floating (no zone): the site's; a summary folded over two lines.
            "2026-11-02 11:30-14:00 Food Truck: A Very Long Name For A Food Truck That Goes On And On Past The Fold Of Seventy Five Octets",
            "2026-11-05 17:00-20:00 Food Truck: Marination Mobile",
            "2026-11-05 19:00 Trivia Night",
        ]
    );
    // The Tuesday truck's only occurrence this week is an EXDATE; the cancelled event is gone.
    assert!(!events.iter().any(|e| e.vendor.contains("Taco Time")));
    assert!(!events.iter().any(|e| e.vendor.contains("Called Off")));
    let tacos = events.iter().find(|e| e.vendor.contains("Tortas")).unwrap();
    assert_eq!(
        tacos.description.as_deref(),
        Some("Cash and cards. Around the back, by the patio.")
    );
}

#[tokio::test]
async fn every_source_keeps_only_what_the_rules_keep_and_reads_the_vendor_from_the_title() {
    let rules = json!({
        "include": "food truck",
        "vendor_from": "^Food Truck:\\s*(?P<vendor>.+)$"
    });
    let server = serve(&[("/taproom.ics", fixture(TAPROOM_ICS))]).await;
    let events = scrape(taproom(
        "ical",
        format!("{}/taproom.ics", server.uri()),
        rules.clone(),
    ))
    .await
    .unwrap();
    let vendors: Vec<&str> = events.iter().map(|e| e.vendor.as_str()).collect();
    assert_eq!(
        vendors,
        [
            "Marination Mobile",
            "Tacos, Tortas ; More",
            "Slice Box (Halloween hours)",
            "Sunday Brunch Cart",
            "A Very Long Name For A Food Truck That Goes On And On Past The Fold Of Seventy Five Octets",
            "Marination Mobile",
        ]
    );
    // `exclude` by a category, on a source the original had (Stoup): rules hold everywhere.
    let stoup = serve(&[("/stoup/", fixture("sources/stoup_entries.html"))]).await;
    let b = |settings: Value| {
        let mut b = taproom("stoup", format!("{}/stoup/", stoup.uri()), settings);
        b.parser = Some("stoup".into());
        b
    };
    let all = Coordinator::new(ScrapeOptions::default())
        .unwrap()
        .scrape_one(&b(json!({})), Clock::as_of(day(2025, 8, 2)))
        .await
        .unwrap();
    assert!(all.len() > 1);
    let first = all[0].vendor.clone();
    let kept = Coordinator::new(ScrapeOptions::default())
        .unwrap()
        .scrape_one(
            &b(json!({ "exclude": regex::escape(&first) })),
            Clock::as_of(day(2025, 8, 2)),
        )
        .await
        .unwrap();
    assert!(!kept.iter().any(|e| e.vendor == first));
    assert_eq!(kept.len(), all.iter().filter(|e| e.vendor != first).count());
}

#[tokio::test]
async fn ical_reads_outlook_and_feed_zones_and_bounds_endless_rules() {
    let server = serve(&[(
        "/outlook.ics",
        fixture("sources/ical_outlook_zones_and_endless_rules.ics"),
    )])
    .await;
    let events = scrape(taproom(
        "ical",
        format!("{}/outlook.ics", server.uri()),
        json!({}),
    ))
    .await
    .unwrap();
    let l = lines(&events);
    // Noon Eastern (Outlook's zone name) is 9 am Pacific.
    assert!(
        l.contains(&"2026-10-30 09:00-12:00 Lunch truck: Big Dog Brats".to_string()),
        "{l:?}"
    );
    // A zone known only by the feed's VTIMEZONE: noon there on 4 November (standard time,
    // UTC-7) is 11 am Pacific.
    assert!(
        l.contains(&"2026-11-04 11:00-13:00 Lunch truck: Mountain Pie".to_string()),
        "{l:?}"
    );
    // A daily rule since 1970 with no end: the window's eight days, no more.
    let coffee: Vec<_> = l.iter().filter(|x| x.ends_with("Coffee Cart")).collect();
    assert_eq!(coffee.len(), 8, "{l:?}");
    assert!(coffee.iter().all(|x| x.contains(" 08:00 ")), "{coffee:?}");
    // Every second, and an interval of 0: those events are unreadable, the rest stand.
    assert!(
        !l.iter()
            .any(|x| x.contains("Every second") || x.contains("Never"))
    );
}

#[tokio::test]
async fn a_feed_with_nothing_readable_is_a_parser_error() {
    let server = serve(&[("/x.ics", fixture("sources/ical_only_unreadable_rules.ics"))]).await;
    let e = scrape(taproom(
        "ical",
        format!("{}/x.ics", server.uri()),
        json!({}),
    ))
    .await
    .unwrap_err();
    assert!(
        e.starts_with("none of the feed's 3 events can be read"),
        "{e}"
    );
    let server = serve(&[("/page", "<html>not a feed</html>".into())]).await;
    let e = scrape(taproom("ical", format!("{}/page", server.uri()), json!({})))
        .await
        .unwrap_err();
    assert_eq!(e, "not an iCalendar feed (no BEGIN:VCALENDAR)");
    let server = serve(&[("/broken.ics", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n".into())]).await;
    let e = scrape(taproom(
        "ical",
        format!("{}/broken.ics", server.uri()),
        json!({}),
    ))
    .await
    .unwrap_err();
    assert!(e.starts_with("the calendar feed cannot be read"), "{e}");
}

#[tokio::test]
async fn json_ld_events_in_graphs_and_lists_cancelled_ones_dropped() {
    let server = serve(&[("/events", fixture("sources/json_ld_taproom_events.html"))]).await;
    let url = format!("{}/events", server.uri());
    let events = scrape(taproom("json-ld", url.clone(), json!({})))
        .await
        .unwrap();
    assert_eq!(
        lines(&events),
        [
            "2026-10-29 17:00-20:00 Marination Mobile",
            "2026-10-29 19:00 Trivia Night",
            "2026-10-30 10:30 Food Truck Friday",
            "2026-11-01 Sunday Brunch Cart",
            "2026-11-05 16:00-19:00 Winter Truck",
        ]
    );
    assert_eq!(
        events[0].description.as_deref(),
        Some("Hawaiian-Korean favourites.")
    );
    // The vendor named as the performer; trivia left out by a rule on its keywords.
    let events = scrape(taproom(
        "json-ld",
        url,
        json!({"vendor_field": "performer", "exclude": "trivia"}),
    ))
    .await
    .unwrap();
    assert_eq!(lines(&events), ["2026-10-30 10:30 Tacos El Cunado"]);
}

#[tokio::test]
async fn tribe_events_asks_for_the_window_and_follows_the_next_page() {
    let server = MockServer::start().await;
    let base = server.uri();
    let page =
        |n: u32| fixture(&format!("sources/tribe_events_page_{n}.json")).replace("{BASE}", &base);
    let route = "/wp-json/tribe/events/v1/events";
    Mock::given(path(route))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_string(page(2)))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path(route))
        .and(query_param("start_date", "2026-10-29 00:00:00"))
        .and(query_param("end_date", "2026-11-05 23:59:59"))
        .respond_with(ResponseTemplate::new(200).set_body_string(page(1)))
        .mount(&server)
        .await;
    let events = scrape(taproom(
        "tribe-events",
        format!("{base}{route}"),
        json!({"include": "food truck", "vendor_from": "^Food Truck:\\s*(?P<vendor>.+)$"}),
    ))
    .await
    .unwrap();
    assert_eq!(
        lines(&events),
        [
            "2026-10-29 17:00-20:00 Marination Mobile",
            "2026-11-01 Sunday Brunch Cart",
            "2026-11-02 12:00-15:00 Tacos & Beer",
            "2026-11-05 16:00-19:00 Winter Truck",
        ]
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn tribe_events_never_follows_a_page_on_another_host() {
    let server = MockServer::start().await;
    let body =
        fixture("sources/tribe_events_page_1.json").replace("{BASE}", "http://elsewhere.invalid");
    let route = "/wp-json/tribe/events/v1/events";
    Mock::given(path(route))
        .respond_with(ResponseTemplate::new(200).set_body_string(body))
        .mount(&server)
        .await;
    let events = scrape(taproom(
        "tribe-events",
        format!("{}{route}", server.uri()),
        json!({}),
    ))
    .await
    .unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn html_selectors_read_a_page_by_its_selectors_and_date_formats() {
    let server = serve(&[("/trucks", fixture("sources/html_selectors_schedule.html"))]).await;
    let settings = json!({
        "event": "li.truck",
        "vendor": ".name",
        "date": ".when",
        "time": ".hours",
        "date_formats": ["%A, %B %d"]
    });
    let events = scrape(taproom(
        "html-selectors",
        format!("{}/trucks", server.uri()),
        settings,
    ))
    .await
    .unwrap();
    assert_eq!(
        lines(&events),
        [
            "2026-10-29 17:00-20:00 Marination Mobile",
            "2026-10-30 16:30-19:30 Tacos El Cunado",
            "2026-11-01 Sunday Brunch Cart",
        ]
    );
}

#[tokio::test]
async fn bad_settings_of_generic_sources_are_configuration_errors() {
    let url = "https://taproom.test/".to_string();
    for (parser, settings, expected) in [
        ("html-selectors", json!({}), "parser_config.event: required"),
        (
            "html-selectors",
            json!({"event": "li[", "vendor": "b", "date": "i"}),
            "parser_config.event: not a CSS selector",
        ),
        (
            "html-selectors",
            json!({"event": "li", "vendor": "b", "date": "i", "date_formats": ["%Q"]}),
            "parser_config.date_formats",
        ),
        (
            "json-ld",
            json!({"vendor_field": "chef"}),
            "parser_config.vendor_field",
        ),
        (
            "ical",
            json!({"include": "("}),
            "parser_config.include: not a usable pattern",
        ),
        (
            "ical",
            json!({"vendor_from": "Food Truck: (.+)"}),
            "parser_config.vendor_from: needs a group named vendor",
        ),
    ] {
        let e = atg_scrapers::Source::for_brewery(&taproom(parser, url.clone(), settings))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with(expected), "{parser}: {e}");
    }
}

#[tokio::test]
async fn lucky_envelope_a_squarespace_list_section() {
    let server = serve(&[("/", fixture("sources/lucky_envelope_list.html"))]).await;
    let b = Brewery {
        key: "lucky-envelope".into(),
        name: "Lucky Envelope Brewing".into(),
        url: format!("{}/", server.uri()),
        parser: None,
        parser_config: Default::default(),
    };
    let events = Coordinator::new(ScrapeOptions::default())
        .unwrap()
        .scrape_one(&b, Clock::as_of(day(2026, 3, 12)))
        .await
        .unwrap();
    assert_eq!(
        lines(&events),
        [
            "2026-03-13 17:00-20:00 Kimchi Cart",
            "2026-03-14 16:30-19:30 Arepa Republic",
            "2026-03-15 16:30-20:00 Pho Real",
            "2026-03-16 12:00-15:00 Pierogi Wagon",
        ]
    );
    // The upstream fixture (UPSTREAM-LATER.md), where this checkout has it.
    if let Some(page) = original(
        "upstream/lucky_envelope_sample.html",
        "lucky envelope: the upstream sample",
    ) {
        let events =
            atg_scrapers::sources::squarespace_list::parse(&page, &ctx(day(2026, 3, 12))).unwrap();
        assert_eq!(
            lines(&events),
            [
                "2026-03-13 17:00-20:00 El Koreano",
                "2026-03-14 16:30-19:30 Tacos El Cunado",
                "2026-03-15 16:30-20:00 Noodle Haus",
                "2026-03-16 12:00-15:00 Burger Beast",
            ]
        );
    }
    let e = atg_scrapers::sources::squarespace_list::parse(
        "<html><body>nothing here</body></html>",
        &ctx(day(2026, 3, 12)),
    )
    .unwrap_err();
    assert!(
        e.to_string().starts_with("no Squarespace list section"),
        "{e}"
    );
}
