//! The page of a site in New York time, driven in headless Chromium: its zone and title, "open
//! now" on a pinned clock, the brewery filter, long descriptions, the per-truck feeds, the
//! flagged breweries, dark mode, the keyboard, and axe-core's audit.

use std::path::Path;

use atg_pipeline::Schedule;
use atg_pipeline::core::{BreweryRef, FoodTruckEvent, SiteRef};
use atg_pipeline::web::SourceHealth;
use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::Value;

use crate::browser::{
    Chromium, Reader, click, eval, press, serious_violations, shown_texts, tab_to, wait_until,
};
use crate::test_site::serve;

/// The site's day, and the moment the page's clock is pinned to: 17:30 in New York.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 7, 15).unwrap()
}

const AT_EVENING: &str = "2026-07-15T21:30:00Z";
/// 00:30 the next morning in New York.
const AT_AFTER_MIDNIGHT: &str = "2026-07-16T04:30:00Z";

const LONG: &str = "Family recipes from Chiang Mai: khao soi with house-made curry paste, \
    grilled pork skewers, green papaya salad pounded to order, sticky rice with mango when \
    the mangoes are good, and a rotating noodle special that sells out early on Fridays, so \
    come before seven if you want one.";

fn truck(
    key: &str,
    brewery: &str,
    vendor: &str,
    day: NaiveDate,
    from: u32,
    to: u32,
) -> FoodTruckEvent {
    let mut e = FoodTruckEvent::new(key, brewery, vendor, day);
    e.start_time = day.and_hms_opt(from, 0, 0);
    e.end_time = if to > from {
        day.and_hms_opt(to, 0, 0)
    } else {
        day.succ_opt().and_then(|d| d.and_hms_opt(to, 0, 0))
    };
    e
}

/// Brooklyn's week, in New York time, with Quiet Brewing flagged.
fn brooklyn(dir: &Path) {
    let d0 = today();
    let d1 = d0.succ_opt().unwrap();
    let mut kaosamai = truck("obec", "Obec Brewing", "Kaosamai Thai", d0, 16, 20);
    kaosamai.description = Some(LONG.into());
    let mut burgers = truck("stoup", "Stoup Brewing", "Burger Planet", d0, 11, 14);
    burgers.description = Some("Smash burgers.".into());
    let events = vec![
        truck(
            "stoup",
            "Stoup Brewing",
            "Yesterday's Truck",
            d0.pred_opt().unwrap(),
            12,
            20,
        ),
        burgers,
        kaosamai,
        truck("chucks", "Chuck's Hop Shop", "Night Owl Tacos", d0, 22, 1),
        truck("obec", "Obec Brewing", "Kaosamai Thai", d1, 16, 20),
    ];
    let site = SiteRef {
        key: "brooklyn".into(),
        title: "Brooklyn".into(),
        timezone: "America/New_York".parse().unwrap(),
    };
    let breweries = [
        ("obec", "Obec Brewing"),
        ("stoup", "Stoup Brewing"),
        ("chucks", "Chuck's Hop Shop"),
        ("quiet", "Quiet Brewing"),
    ];
    let schedule = Schedule {
        site,
        as_of: d0,
        breweries: breweries
            .iter()
            .map(|(key, name)| BreweryRef {
                key: (*key).into(),
                name: (*name).into(),
            })
            .collect(),
        events,
        errors: vec![],
        partial: Vec::new(),
    };
    let now = Utc.with_ymd_and_hms(2026, 7, 15, 21, 0, 0).unwrap();
    let mut health = atg_web::health::HealthRecord::next(None, &schedule, 3, now);
    let quiet = health
        .breweries
        .iter_mut()
        .find(|b| b.key == "quiet")
        .unwrap();
    *quiet = SourceHealth {
        last_answered: Some(d0),
        last_events: NaiveDate::from_ymd_opt(2026, 7, 13),
        runs_without_events: 3,
        stale: true,
        ..quiet.clone()
    };
    let site = atg_pipeline::render(&schedule, None, &health, now).unwrap();
    atg_pipeline::deploy::publish_dir(dir, &site.files).unwrap();
}

async fn brooklyn_url() -> (tempfile::TempDir, tokio::process::Child, String) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("site");
    brooklyn(&dir);
    let (server, url) = serve(&dir).await;
    (tmp, server, url)
}

const TOKYO_LIGHT: Reader<'static> = Reader {
    zone: "Asia/Tokyo",
    dark: false,
};

#[tokio::test(flavor = "multi_thread")]
async fn a_new_york_site_in_a_tokyo_browser_with_a_pinned_clock() {
    let (_tmp, _server, url) = brooklyn_url().await;
    let chromium = Chromium::launch().await;
    let page = chromium
        .open(&format!("{url}#at={AT_EVENING}"), TOKYO_LIGHT)
        .await;
    wait_until(&page, "document.body.dataset.state === 'ready'").await;

    // The site's title and zone, whatever the reader's.
    assert_eq!(
        eval(&page, "document.title").await,
        "Food Trucks in Brooklyn"
    );
    assert_eq!(shown_texts(&page, "h1").await, ["Brooklyn Food Trucks"]);
    assert_eq!(
        shown_texts(&page, "#tagline").await,
        ["Who is parked at Brooklyn's breweries, today and this week. Times are ET."]
    );
    let days = eval(
        &page,
        "[...document.querySelectorAll('.day-section')].map((s) => s.dataset.day)",
    )
    .await;
    assert_eq!(days, serde_json::json!(["2026-07-15", "2026-07-16"]));
    assert_eq!(
        shown_texts(&page, ".day-header").await,
        ["Today · Wednesday, July 15", "Tomorrow · Thursday, July 16"]
    );
    assert_eq!(
        shown_texts(&page, ".truck-item .time").await[1],
        "4:00 PM ET – 8:00 PM ET"
    );

    // Open now: 17:30 in New York.
    assert_eq!(
        shown_texts(&page, ".truck-item.open-now .truck-name").await,
        ["Kaosamai Thai"]
    );
    assert_eq!(shown_texts(&page, ".open-badge").await, ["Open now"]);

    // The flagged brewery, quietly.
    assert_eq!(
        shown_texts(&page, "#stale-note .stale-item").await,
        ["No trucks listed by Quiet Brewing since Monday — its website may have changed"]
    );

    // A brewery's name shows only that brewery; again shows all.
    click(&page, ".truck-item .brewery-link[data-brewery=obec]").await;
    assert_eq!(
        shown_texts(&page, ".truck-item .truck-name").await,
        ["Kaosamai Thai", "Kaosamai Thai"]
    );
    assert!(
        eval(&page, "location.hash")
            .await
            .as_str()
            .unwrap()
            .contains("brewery=obec")
    );
    assert_eq!(
        shown_texts(&page, "button.chip[aria-pressed=true]").await,
        ["Obec Brewing"]
    );
    click(&page, ".truck-item .brewery-link[data-brewery=obec]").await;
    assert_eq!(shown_texts(&page, ".truck-item .truck-name").await.len(), 4);

    // A long description is cut to two lines and opens on a click; a short one has no button.
    assert_eq!(shown_texts(&page, "button.more").await, ["More"]);
    let height = "document.getElementById('desc-2').getBoundingClientRect().height";
    let closed = eval(&page, height).await.as_f64().unwrap();
    page.find_element("button.more")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(
        eval(
            &page,
            "document.querySelector('button.more').getAttribute('aria-expanded')"
        )
        .await,
        "true"
    );
    let open = eval(&page, height).await.as_f64().unwrap();
    assert!(open > closed + 15.0, "{closed} → {open}");
    assert_eq!(
        eval(
            &page,
            "document.querySelector('button.more').getAttribute('aria-controls')"
        )
        .await,
        "desc-2"
    );

    // A truck links to a search for it, and to its own calendar.
    let search = eval(&page, "document.querySelector('a.truck-name').href").await;
    assert_eq!(
        search,
        "https://www.google.com/search?q=%22Burger%20Planet%22%20food%20truck%20Brooklyn"
    );
    let feed = eval(
        &page,
        "[...document.querySelectorAll('a.truck-feed')].map((a) => a.href)",
    )
    .await;
    let feeds: Vec<String> = serde_json::from_value(feed).unwrap();
    assert_eq!(feeds.len(), 4);
    assert!(
        feeds[1].ends_with(&format!(
            "/{}",
            atg_web::ics::truck_feed_name("Kaosamai Thai")
        )),
        "{feeds:?}"
    );
    let ics = reqwest::get(&feeds[1]).await.unwrap().text().await.unwrap();
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2, "{ics}");
    assert!(ics.contains("Kaosamai Thai") && !ics.contains("Burger Planet"));
    assert!(
        ics.contains("DTSTART;TZID=America/New_York:20260715T160000"),
        "{ics}"
    );

    // Nothing serious or critical for axe-core, expanded or not.
    let violations = serious_violations(&page).await;
    assert!(violations.is_empty(), "{violations:#?}");

    // After midnight the late truck of the evening before is still open, and still shown.
    let page = chromium
        .open(&format!("{url}#at={AT_AFTER_MIDNIGHT}"), TOKYO_LIGHT)
        .await;
    wait_until(&page, "document.body.dataset.state === 'ready'").await;
    assert_eq!(
        shown_texts(&page, ".truck-item.open-now .truck-name").await,
        ["Night Owl Tacos"]
    );
    assert_eq!(
        shown_texts(&page, ".day-header").await,
        ["Wednesday, July 15", "Today · Thursday, July 16"]
    );
    assert_eq!(
        shown_texts(&page, ".truck-item .truck-name").await,
        ["Night Owl Tacos", "Kaosamai Thai"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dark_mode_follows_the_readers_system_and_passes_the_audit() {
    let (_tmp, _server, url) = brooklyn_url().await;
    let chromium = Chromium::launch().await;
    let background = "getComputedStyle(document.body).backgroundColor";
    let mut seen = Vec::new();
    for dark in [false, true] {
        let page = chromium
            .open(
                &format!("{url}#at={AT_EVENING}"),
                Reader { zone: "UTC", dark },
            )
            .await;
        wait_until(&page, "document.body.dataset.state === 'ready'").await;
        seen.push(eval(&page, background).await);
        let ink = eval(
            &page,
            "getComputedStyle(document.querySelector('h1')).color",
        )
        .await;
        if dark {
            assert_eq!(ink, "rgb(232, 234, 237)");
        }
        page.find_element("button.more")
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let violations = serious_violations(&page).await;
        assert!(violations.is_empty(), "dark: {dark}: {violations:#?}");
    }
    assert_eq!(
        seen,
        [
            Value::from("rgb(243, 244, 246)"),
            Value::from("rgb(17, 20, 24)")
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_control_works_from_the_keyboard() {
    let (_tmp, _server, url) = brooklyn_url().await;
    let chromium = Chromium::launch().await;
    let page = chromium
        .open(&format!("{url}#at={AT_EVENING}"), TOKYO_LIGHT)
        .await;
    wait_until(&page, "document.body.dataset.state === 'ready'").await;

    // Tab goes through the search box, the chips, and each truck's links and brewery.
    let passed = tab_to(&page, ".truck-item .brewery-link").await;
    let first = |prefix: &str| passed.iter().position(|p| p.starts_with(prefix));
    let (search, chip, truck) = (first("input."), first("button.chip"), first("a.truck-name"));
    assert!(
        search < chip && chip < truck && truck.is_some(),
        "{passed:?}"
    );
    // Enter on a brewery's name: only that brewery; again: everything.
    let brewery = eval(&page, "document.activeElement.dataset.brewery").await;
    assert_eq!(brewery, "stoup");
    press(&page, "Enter").await;
    assert_eq!(
        shown_texts(&page, ".truck-item .truck-name").await,
        ["Burger Planet"]
    );
    press(&page, "Enter").await;
    assert_eq!(shown_texts(&page, ".truck-item .truck-name").await.len(), 4);

    // Space on "More" opens the description, Enter closes it.
    tab_to(&page, "button.more").await;
    press(&page, " ").await;
    let expanded = "document.querySelector('button.more').getAttribute('aria-expanded')";
    assert_eq!(eval(&page, expanded).await, "true");
    press(&page, "Enter").await;
    assert_eq!(eval(&page, expanded).await, "false");

    // On to the truck's calendar link, then the footer's feeds.
    tab_to(&page, "a.truck-feed").await;
    tab_to(&page, "a.feed-link").await;

    // Typing in the search box filters.
    page.find_element("#search")
        .await
        .unwrap()
        .click()
        .await
        .unwrap()
        .type_str("tacos")
        .await
        .unwrap();
    assert_eq!(
        shown_texts(&page, ".truck-item .truck-name").await,
        ["Night Owl Tacos"]
    );
}
