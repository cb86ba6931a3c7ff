//! Pacific time across DST changes and the new year, end to end through the coordinator.

use atg_core::{Brewery, Clock, ScheduleWindow};
use atg_scrapers::sources::sheet_columns::parse as parse_csv;
use atg_scrapers::sources::stoup::parse as parse_stoup;
use atg_scrapers::{Coordinator, ScrapeOptions};
use chrono::{TimeZone, Utc};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

fn ms(y: i32, m: u32, d: u32, h: u32) -> i64 {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
        .unwrap()
        .timestamp_millis()
}

fn brewery(key: &str, url: String, cfg: serde_json::Value) -> Brewery {
    Brewery {
        key: key.into(),
        name: key.into(),
        url,
        parser: None,
        parser_config: cfg.as_object().unwrap().clone(),
    }
}

async fn squarespace_week(server: &MockServer, months: &[(&str, serde_json::Value)]) {
    Mock::given(path("/page"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"<script>{"collectionId":"c1"}</script>"#),
        )
        .mount(server)
        .await;
    for (m, body) in months {
        Mock::given(path("/api"))
            .and(query_param("month", *m))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(server)
            .await;
    }
}

fn squarespace(server: &MockServer) -> Brewery {
    brewery(
        "yonder-balebreaker",
        format!("{}/page", server.uri()),
        json!({"month_api_url": format!("{}/api?month={{month_name}}-{{year}}&id={{collection_id}}", server.uri())}),
    )
}

#[tokio::test]
async fn a_week_across_the_fall_back() {
    // 2026-11-01 02:00 PDT becomes 01:00 PST. 17:00 local is 00:00Z before, 01:00Z after.
    let server = MockServer::start().await;
    let item = |t: &str, y, m, d, h| json!({"title": t, "startDate": ms(y, m, d, h), "endDate": ms(y, m, d, h) + 3 * 3_600_000});
    squarespace_week(
        &server,
        &[
            (
                "October-2026",
                json!([
                    item("Before", 2026, 10, 31, 0),
                    item("Yesterday", 2026, 10, 29, 0)
                ]),
            ),
            (
                "November-2026",
                json!([
                    item("After", 2026, 11, 3, 1),
                    item("Night of", 2026, 11, 1, 9),
                    item("Last day", 2026, 11, 7, 1),
                    item("Too far", 2026, 11, 8, 1)
                ]),
            ),
        ],
    )
    .await;
    let clock = Clock::fixed(Utc.with_ymd_and_hms(2026, 10, 30, 19, 0, 0).unwrap()); // 12:00 PDT
    assert_eq!(clock.window(), ScheduleWindow::starting(day(2026, 10, 30)));
    let events = Coordinator::new(ScrapeOptions::default())
        .unwrap()
        .scrape_one(&squarespace(&server), clock)
        .await
        .unwrap();
    assert_eq!(
        lines(&events),
        [
            "2026-10-30 17:00-20:00 Before",
            "2026-11-01 01:00-04:00 Night of",
            "2026-11-02 17:00-20:00 After",
            "2026-11-06 17:00-20:00 Last day",
        ]
    );
}

#[tokio::test]
async fn a_week_across_the_spring_forward() {
    let server = MockServer::start().await;
    let item = |t: &str, y, m, d, h| json!({"title": t, "startDate": ms(y, m, d, h), "endDate": ms(y, m, d, h) + 3 * 3_600_000});
    squarespace_week(
        &server,
        &[
            // 17:00 PST = 01:00Z next day; 17:00 PDT = 00:00Z next day. 2026-03-08 10:00Z = 03:00 PDT.
            (
                "March-2026",
                json!([
                    item("Before", 2026, 3, 7, 1),
                    item("Morning of", 2026, 3, 8, 10),
                    item("After", 2026, 3, 10, 0)
                ]),
            ),
            ("April-2026", json!([])),
        ],
    )
    .await;
    let events = Coordinator::new(ScrapeOptions::default())
        .unwrap()
        .scrape_one(&squarespace(&server), Clock::as_of(day(2026, 3, 5)))
        .await
        .unwrap();
    assert_eq!(
        lines(&events),
        [
            "2026-03-06 17:00-20:00 Before",
            "2026-03-08 03:00-06:00 Morning of",
            "2026-03-09 17:00-20:00 After"
        ]
    );
}

#[tokio::test]
async fn late_december_asks_for_january_and_reads_january_dates() {
    let server = MockServer::start().await;
    for (month, yr) in [("12", "2026"), ("01", "2027")] {
        Mock::given(method("GET"))
            .and(path("/cal"))
            .and(query_param("month", month))
            .and(query_param("yr", yr))
            .respond_with(ResponseTemplate::new(200).set_body_string(format!(
                r#"<div id="mc-1"><ul class="mc-list"><li id="list-{yr}-{month}-02" class="mc-events"><article class="mc_food-truck"><h3 class="event-title">Food Truck: Truck {month}</h3></article></li></ul></div>"#
            )))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(path("/sft"))
        .and(query_param("start_date", "12-29-26"))
        .and(query_param("end_date", "1-5-27"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"events": [
            {"start_time": "2027-01-02T17:00:00-08:00", "end_time": "2027-01-02T20:00:00-08:00",
             "bookings": [{"status": "approved", "truck": {"name": "New Year Tacos"}}]}]})))
        .expect(1)
        .mount(&server)
        .await;
    let clock = Clock::as_of(day(2026, 12, 29));
    let c = Coordinator::new(ScrapeOptions::default()).unwrap();
    let wheelie = brewery(
        "wheelie-pop",
        server.uri(),
        json!({"list_url": format!("{}/cal?yr={{year}}&month={{month2}}", server.uri()), "calendar_id": "mc-1"}),
    );
    let w = c.scrape_one(&wheelie, clock).await.unwrap();
    assert_eq!(lines(&w), ["2027-01-02 Truck 01"]);
    let sft = brewery(
        "salehs-corner",
        server.uri(),
        json!({"events_url": format!("{}/sft?start_date={{start_date}}&end_date={{end_date}}", server.uri())}),
    );
    let s = c.scrape_one(&sft, clock).await.unwrap();
    assert_eq!(lines(&s), ["2027-01-02 17:00-20:00 New Year Tacos"]);

    // Month/day dates without a year: January is next year, late December this year.
    let today = day(2026, 12, 29);
    let page = "<html><body><div class='food-truck-entry'><h4>Tue 12.29</h4><p>4 — 8pm</p><p>Old Year</p></div><div class='food-truck-entry'><h4>Sat 01.02</h4><p>noon — 4pm</p><p>New Year</p></div></body></html>";
    assert_eq!(
        lines(&parse_stoup(page, &ctx(today)).unwrap()),
        [
            "2026-12-29 16:00-20:00 Old Year",
            "2027-01-02 12:00-16:00 New Year"
        ]
    );
    let csv = "h\nFri,Jan 1,12 AM,to,Fri,Food Truck,Dinner: Resolution BBQ\nWed,Dec 30,12 AM,to,Wed,Food Truck,Dinner: Last Call Tacos\n";
    assert_eq!(
        lines(&parse_csv(csv, &shipped_sheet("chucks-greenwood"), &ctx(today)).unwrap()),
        ["2027-01-01 Resolution BBQ", "2026-12-30 Last Call Tacos"]
    );
}
