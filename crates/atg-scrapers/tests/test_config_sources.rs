//! Venues added by configuration alone (issue P): a JSON API mapped field by field, a page
//! with a truck per line of text, CSS selectors with a description and lone start times,
//! schema.org events kept by type, The Events Calendar's rendered titles and ISO dates. Each
//! from a fixture written here, through the whole path an entry takes (a local server), and
//! from the original's own fixtures where the checkout has them.

use serde_json::json;
use wiremock::matchers::{path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

#[tokio::test]
async fn a_json_api_mapped_in_config_with_its_pages() {
    let server = MockServer::start().await;
    Mock::given(path("/api/widget/events"))
        .and(query_param("page", "2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(fixture("sources/events_widget_page_2.json")),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/widget/events"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(fixture("sources/events_widget_page_1.json")),
        )
        .mount(&server)
        .await;
    let settings = json!({
        "response_path": "data.events",
        "field_map": {
            "vendor": "name.text",
            "start": "when.0.start",
            "end": "when.0.end",
            "description": "summary"
        },
        "date_formats": ["%m/%d/%Y %H:%M"],
        "next_path": "pagination.next_url",
        "exclude": "trivia"
    });
    let events = scrape_on(
        taproom(
            "json-api",
            format!("{}/api/widget/events", server.uri()),
            settings,
        ),
        FIXTURE_WEEK,
    )
    .await
    .unwrap();
    assert_eq!(
        lines(&events),
        [
            "2026-10-29 17:00-20:00 Gyro Heroes",
            "2026-10-31 12:00 Salmon Run Fish & Chips",
            // Epoch milliseconds, after the change to standard time.
            "2026-11-05 11:00-14:00 Bao Down",
        ]
    );
    assert_eq!(events[0].description.as_deref(), Some("Gyros and fries"));
    // Page 2's next page is on another host: not asked.
    let asked = server.received_requests().await.unwrap();
    assert_eq!(asked.len(), 2, "{asked:?}");
}

#[tokio::test]
async fn wordpress_posts_are_one_entry_of_the_json_api_source() {
    let server = serve(&[("/wp-json/wp/v2/posts", fixture("sources/wp_posts.json"))]).await;
    let settings = json!({
        "field_map": {"vendor": "title.rendered", "start": "date", "description": "excerpt.rendered"},
        "vendor_from": "^(?:Sunday brunch: )?(?P<vendor>.+?)(?: – \\w+day)?$"
    });
    let events = scrape_on(
        taproom(
            "json-api",
            format!("{}/wp-json/wp/v2/posts", server.uri()),
            settings,
        ),
        FIXTURE_WEEK,
    )
    .await
    .unwrap();
    assert_eq!(
        lines(&events),
        [
            "2026-10-30 17:00 Curry On Wheels",
            "2026-11-01 11:00 Sunrise Burrito Co.",
        ]
    );
    assert_eq!(
        events[0].description.as_deref(),
        Some("Curry on the patio from five.")
    );
}

#[tokio::test]
async fn a_json_api_entry_names_what_it_lacks() {
    for (settings, expected) in [
        (json!({}), "parser_config.field_map: required"),
        (
            json!({"field_map": {"vendor": "title"}}),
            "parser_config.field_map.start",
        ),
        (
            json!({"field_map": {"vendor": "a", "start": "b"}, "date_formats": ["%Q"]}),
            "parser_config.date_formats",
        ),
        (
            json!({"field_map": {"vendor": "a", "start": "b", "color": "c"}}),
            "parser_config.field_map.color: not a setting",
        ),
    ] {
        let e = atg_scrapers::Source::for_brewery(&taproom(
            "json-api",
            "https://api.test/events".into(),
            settings.clone(),
        ))
        .unwrap_err()
        .to_string();
        assert!(e.starts_with(expected), "{settings}: {e}");
    }
    // A reply without the list where the entry says: that brewery's parse error.
    let server = serve(&[("/events", r#"{"items": []}"#.to_string())]).await;
    let e = scrape_on(
        taproom(
            "json-api",
            format!("{}/events", server.uri()),
            json!({"response_path": "data.events", "field_map": {"vendor": "a", "start": "b"}}),
        ),
        FIXTURE_WEEK,
    )
    .await
    .unwrap_err();
    assert!(e.contains("no list at \"data.events\""), "{e}");
}

#[tokio::test]
async fn a_page_with_a_truck_per_line_of_text() {
    let server = serve(&[("/", fixture("sources/lines_per_truck.html"))]).await;
    let settings =
        json!({"line": ".trucks p", "after": "upcoming food trucks", "exclude": "closed"});
    let events = scrape_on(
        taproom("html-selectors", format!("{}/", server.uri()), settings),
        FIXTURE_WEEK,
    )
    .await
    .unwrap();
    assert_eq!(
        lines(&events),
        [
            "2026-10-29 17:00-21:00 Arepa Republic",
            "2026-10-30 16:30-20:30 Cedar Smoke BBQ",
            "2026-10-31 Pho Real",
            "2026-11-01 11:30 Sunrise Burrito Co.",
        ]
    );
}

/// UPSTREAM-LATER.md: the older Wheelie Pop page, a truck per line under a heading.
#[tokio::test]
async fn the_originals_wheelie_pop_page_a_truck_per_line() {
    let Some(page) = original(
        "upstream-later/html/wheelie_pop_sample.html",
        "html-selectors: the original's Wheelie Pop page",
    ) else {
        return;
    };
    let server = serve(&[("/", page)]).await;
    let settings = json!({"line": ".food-truck-schedule p", "after": "UPCOMING FOOD TRUCKS"});
    let events = scrape_on(
        taproom("html-selectors", format!("{}/", server.uri()), settings),
        (2025, 7, 3),
    )
    .await
    .unwrap();
    assert_eq!(
        lines(&events),
        [
            "2025-07-03 Tisket Tasket",
            "2025-07-05 Vandalz Taqueria",
            "2025-07-10 Kaosamai Thai",
        ]
    );
}

#[tokio::test]
async fn css_selectors_read_a_description_and_lone_start_times_and_guess_nothing() {
    let page = r#"<html><body><ul>
        <li class="e"><b>Fri Oct 30</b> <i>Kimchi Cart</i> <span class="t">7:00 PM</span> <p class="d">Korean street food</p></li>
        <li class="e"><b>Sat Oct 31</b> <i>Pho Real</i> <span class="t">11:30am</span></li>
        <li class="e"><b>Sun Nov 1</b> <i>Brunch Cart</i> <span class="t">noon</span> doors 5-9pm</li>
        <li class="e"><b>Mon Nov 2</b> <i>Late Bites</i> <span class="t">midnight</span></li>
        <li class="e"><b>Tue Nov 3</b> <i>Taco Time</i> (trivia 7-9pm)</li>
    </ul></body></html>"#;
    let server = serve(&[("/", page.to_string())]).await;
    let url = format!("{}/", server.uri());
    let settings =
        json!({"event": "li.e", "vendor": "i", "date": "b", "time": ".t", "description": ".d"});
    let events = scrape_on(
        taproom("html-selectors", url.clone(), settings),
        FIXTURE_WEEK,
    )
    .await
    .unwrap();
    assert_eq!(
        lines(&events),
        [
            "2026-10-30 19:00 Kimchi Cart",
            "2026-10-31 11:30 Pho Real",
            "2026-11-01 12:00 Brunch Cart",
            "2026-11-02 00:00 Late Bites",
            // No time element: no time, though the text has a range.
            "2026-11-03 Taco Time",
        ]
    );
    assert_eq!(events[0].description.as_deref(), Some("Korean street food"));
    // Without a time selector, nothing is guessed unless the entry asks for it.
    let guessed = scrape_on(
        taproom(
            "html-selectors",
            url,
            json!({"event": "li.e", "vendor": "i", "date": "b", "time_from_text": true}),
        ),
        FIXTURE_WEEK,
    )
    .await
    .unwrap();
    assert_eq!(
        lines(&guessed)[4],
        "2026-11-03 19:00-21:00 Taco Time",
        "{guessed:#?}"
    );
}

#[tokio::test]
async fn schema_org_events_kept_by_type() {
    let server = serve(&[("/", fixture("sources/json_ld_mixed_types.html"))]).await;
    let url = format!("{}/", server.uri());
    let trucks = scrape_on(
        taproom("json-ld", url.clone(), json!({"types": ["FoodEvent"]})),
        FIXTURE_WEEK,
    )
    .await
    .unwrap();
    assert_eq!(
        lines(&trucks),
        [
            "2026-10-30 17:00-20:00 Pierogi Wagon",
            "2026-11-02 11:30-14:00 Kimchi Cart",
        ]
    );
    let all = scrape_on(taproom("json-ld", url.clone(), json!({})), FIXTURE_WEEK)
        .await
        .unwrap();
    assert_eq!(all.len(), 4);
    let e = atg_scrapers::Source::for_brewery(&taproom(
        "json-ld",
        url,
        json!({"types": ["FoodTruck"]}),
    ))
    .unwrap_err()
    .to_string();
    assert!(e.contains("not a schema.org event type"), "{e}");
}

/// UPSTREAM-LATER.md: Eastville's comedy, kept, and its organisation, not an event.
#[tokio::test]
async fn the_originals_eastville_page_by_type() {
    let Some(page) = original(
        "upstream-later/html/eastville_comedy_sample.html",
        "json-ld: the original's Eastville page",
    ) else {
        return;
    };
    let server = serve(&[("/", page)]).await;
    let url = format!("{}/", server.uri());
    let comedy = scrape_on(
        taproom("json-ld", url.clone(), json!({"types": ["ComedyEvent"]})),
        (2025, 7, 4),
    )
    .await
    .unwrap();
    // 8 PM Eastern is 5 PM on the Pacific site's clock.
    assert_eq!(
        lines(&comedy),
        [
            "2025-07-04 17:00-19:00 Friday Night Standup",
            "2025-07-05 19:00 Saturday Late Show",
        ]
    );
    let music = scrape_on(
        taproom("json-ld", url, json!({"types": ["MusicEvent"]})),
        (2025, 7, 4),
    )
    .await
    .unwrap();
    assert!(music.is_empty());
}

#[tokio::test]
async fn the_events_calendar_with_rendered_titles_and_iso_dates() {
    let server = serve(&[(
        "/wp-json/tribe/events/v1/events",
        fixture("sources/tribe_events_rendered_iso.json"),
    )])
    .await;
    let events = scrape_on(
        taproom(
            "tribe-events",
            format!("{}/wp-json/tribe/events/v1/events", server.uri()),
            json!({}),
        ),
        FIXTURE_WEEK,
    )
    .await
    .unwrap();
    assert_eq!(
        lines(&events),
        [
            // 6 PM Eastern (an offset in the date) is 3 PM Pacific.
            "2026-10-30 15:00-18:00 Taco Time & Co",
            "2026-10-31 12:00-16:00 Dumpling Cart",
            "2026-11-01 Harvest Market",
        ]
    );
    assert_eq!(
        events[0].description.as_deref(),
        Some("Tacos on the patio.")
    );
}

/// UPSTREAM-LATER.md: The Events Calendar's reply as the original's tests store it.
#[test]
fn the_originals_tribe_sample() {
    let Some(body) = original(
        "upstream-later/json/industry_city_tribe_sample.json",
        "tribe-events: the original's Industry City sample",
    ) else {
        return;
    };
    let page = atg_scrapers::sources::tribe_events::parse(&body, &ctx(day(2025, 7, 4))).unwrap();
    assert_eq!(
        lines(&page.events),
        [
            "2025-07-04 18:00-22:00 Summer Jazz Festival",
            "2025-07-05 10:00-17:00 Makers Market",
        ]
    );
}
