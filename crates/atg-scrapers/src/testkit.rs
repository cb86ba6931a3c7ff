//! A local mirror of the eight sources for tests and benchmarks: a wiremock server that
//! serves the fixture pages under a path per real host (`/www.stoupbrewing.com/ballard/`), and
//! the `breweries.json` that points at it. The fixtures describe the week of
//! [`Mirror::AS_OF`].

use std::time::Duration;

use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

macro_rules! fixture {
    ($rel:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/",
            $rel
        ))
    };
}

/// The shipped configuration with every real host replaced by `{base}/{host}`.
pub fn mirror_config(base: &str) -> String {
    atg_core::EMBEDDED_CONFIG.replace("https://", &format!("{base}/"))
}

/// A calendar feed (RFC 5545) of `events`, each `(summary, start, end)` in UTC, as a venue's
/// calendar serves it: what the `ical` source reads.
pub fn ics_feed(
    events: &[(
        &str,
        chrono::DateTime<chrono::Utc>,
        chrono::DateTime<chrono::Utc>,
    )],
) -> String {
    let mut out = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//around-the-grounds//tests//EN\r\n",
    );
    for (i, (summary, start, end)) in events.iter().enumerate() {
        out.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:test-{i}@example.test\r\nDTSTAMP:20250701T000000Z\r\nDTSTART:{}\r\nDTEND:{}\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\n",
            start.format("%Y%m%dT%H%M%SZ"),
            end.format("%Y%m%dT%H%M%SZ"),
        ));
    }
    out.push_str("END:VCALENDAR\r\n");
    out
}

/// One calendar feed read by two sites of one config: Seattle (Pacific time, published to
/// `public/` of its repository) and New York (Eastern time, published to the root of its
/// own). The feed's instants fall on each site's own clock: `Dumpling Cart` 20:00–23:00 UTC on
/// [`Mirror::AS_OF`] is 1–4 PM PT and 4–7 PM ET; `Night Market` 05:00 UTC that morning is 1 AM
/// ET that day but 10 PM PT the day before, outside Seattle's window.
pub struct TwoSites {
    pub server: MockServer,
}

impl TwoSites {
    pub async fn start() -> Self {
        use chrono::TimeZone;
        let at = |d: u32, h: u32| chrono::Utc.with_ymd_and_hms(2025, 7, d, h, 0, 0).unwrap();
        let server = MockServer::start().await;
        let feed = ics_feed(&[
            ("Dumpling Cart", at(30, 20), at(30, 23)),
            ("Night Market", at(30, 5), at(30, 6)),
        ]);
        Mock::given(path("/calendar.ics"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(feed, "text/calendar"))
            .mount(&server)
            .await;
        Self { server }
    }

    /// The config of both sites, each published to its repository.
    pub fn config(&self, seattle_repo: &str, new_york_repo: &str) -> String {
        let brewery = serde_json::json!([{
            "key": "market-hall", "name": "Market Hall", "parser": "ical",
            "url": format!("{}/calendar.ics", self.server.uri()),
        }]);
        serde_json::json!({"sites": [
            {"key": "seattle", "title": "Seattle", "timezone": "America/Los_Angeles",
             "publish": {"repository": seattle_repo}, "breweries": brewery},
            {"key": "new-york", "title": "New York", "timezone": "America/New_York",
             "publish": {"repository": new_york_repo, "path": "."}, "breweries": brewery},
        ]})
        .to_string()
    }
}

/// Two breweries' calendars for the source-health tests: Always Open lists a truck every day
/// from 2025-07-20 for three weeks; Fading Brewing lists one on Monday 2025-07-28 only while
/// `fading` is true; both answer 503 while `up` is false.
pub struct HealthCalendars {
    pub server: MockServer,
}

impl HealthCalendars {
    pub async fn start() -> Self {
        let c = Self {
            server: MockServer::start().await,
        };
        c.serve(true, true).await;
        c
    }

    /// What the calendars answer from now on.
    pub async fn serve(&self, fading: bool, up: bool) {
        use chrono::{Duration, TimeZone, Utc};
        self.server.reset().await;
        let first = Utc.with_ymd_and_hms(2025, 7, 20, 20, 0, 0).unwrap();
        let always: Vec<_> = (0..21)
            .map(|n| {
                let start = first + Duration::days(n);
                ("Taco Time", start, start + Duration::hours(3))
            })
            .collect();
        let pie = Utc.with_ymd_and_hms(2025, 7, 28, 20, 0, 0).unwrap();
        let fading_events = if fading {
            vec![("Pie Bus", pie, pie + Duration::hours(3))]
        } else {
            Vec::new()
        };
        for (p, events) in [("/always.ics", always), ("/fading.ics", fading_events)] {
            let reply = if up {
                ResponseTemplate::new(200).set_body_raw(ics_feed(&events), "text/calendar")
            } else {
                ResponseTemplate::new(503)
            };
            Mock::given(path(p))
                .respond_with(reply)
                .mount(&self.server)
                .await;
        }
    }

    /// The Ballard site of the two breweries.
    pub fn config(&self) -> String {
        let url = |p: &str| format!("{}/{p}", self.server.uri());
        serde_json::json!({"key": "ballard", "breweries": [
            {"key": "always-open", "name": "Always Open", "parser": "ical", "url": url("always.ics")},
            {"key": "fading", "name": "Fading Brewing", "parser": "ical", "url": url("fading.ics")},
        ]})
        .to_string()
    }
}

/// A fixture as a hostile or broken site could serve it: every ISO date moved to the year
/// +262142 (past what chrono can add a day to), every epoch to `i64::MAX` milliseconds or
/// `1e300`, every `<h4>Sat 07.05</h4>`-style day to day 99, and `&#27;[2J` (clear screen) in
/// a vendor's name.
pub fn hostile(body: &str) -> String {
    use std::sync::LazyLock;
    static ISO: LazyLock<regex::Regex> =
        LazyLock::new(|| crate::patterns::regex(r"(^|[^0-9+])20[0-9]{2}-([0-9]{2})-([0-9]{2})"));
    static EPOCH: LazyLock<regex::Regex> =
        LazyLock::new(|| crate::patterns::regex(r#""(startDate|endDate)":\s*[0-9]+"#));
    let body = ISO.replace_all(body, "${1}+262142-${2}-${3}");
    let body = EPOCH.replace_all(&body, |c: &regex::Captures<'_>| {
        if &c[1] == "startDate" {
            format!("\"{}\": {}", &c[1], i64::MAX)
        } else {
            format!("\"{}\": 1e300", &c[1])
        }
    });
    body.replace("Woodshop BBQ", "Woodshop&#27;[2J BBQ\u{7}")
}

pub struct Mirror {
    pub server: MockServer,
}

impl Mirror {
    /// The Pacific date the fixtures are written around.
    pub const AS_OF: &'static str = "2025-07-30";

    /// Starts the mirror; every response is delayed by `latency`.
    pub async fn start(latency: Duration) -> Self {
        Self::start_with(latency, str::to_string).await
    }

    /// The mirror with every fixture turned hostile by [`hostile`]: dates in the year 262142,
    /// epochs at `i64::MAX`, an escape sequence in a vendor's name.
    pub async fn start_hostile() -> Self {
        Self::start_with(Duration::ZERO, hostile).await
    }

    /// The mirror with every body passed through `transform` first.
    pub async fn start_with(latency: Duration, transform: fn(&str) -> String) -> Self {
        let server = MockServer::start().await;
        let ok = |body: &str, ctype: &str| {
            ResponseTemplate::new(200)
                .set_body_raw(transform(body).into_bytes(), ctype)
                .set_delay(latency)
        };
        let html = "text/html; charset=utf-8";
        let json = "application/json";
        let mount = |m: Mock| m.mount(&server);

        mount(
            Mock::given(method("GET"))
                .and(path("/www.stoupbrewing.com/ballard/"))
                .respond_with(ok(
                    fixture!("original/html/stoup_ballard_sample.html"),
                    html,
                )),
        )
        .await;
        mount(
            Mock::given(method("GET"))
                .and(path("/www.bbycballard.com/food-trucks-1-1"))
                .respond_with(ok(fixture!("original/html/bale_breaker_sample.html"), html)),
        )
        .await;
        for (month, body) in [
            ("July-2025", fixture!("sources/squarespace_july_2025.json")),
            (
                "August-2025",
                fixture!("sources/squarespace_august_2025.json"),
            ),
        ] {
            mount(
                Mock::given(method("GET"))
                    .and(path("/www.bbycballard.com/api/open/GetItemsByMonth"))
                    .and(query_param("month", month))
                    .and(query_param("collectionId", "61328af17400707612fccbc6"))
                    .respond_with(ok(body, json)),
            )
            .await;
        }
        mount(
            Mock::given(method("GET"))
                .and(path("/www.luckyenvelopebrewing.com/"))
                .respond_with(ok(fixture!("upstream/lucky_envelope_sample.html"), html)),
        )
        .await;
        mount(
            Mock::given(method("GET"))
                .and(path("/obecbrewing.com/"))
                .respond_with(ok(fixture!("sources/obec_home.html"), html)),
        )
        .await;
        mount(
            Mock::given(method("GET"))
                .and(path("/urbanfamilybrewing.com/home/calendar/"))
                .respond_with(ok(fixture!("sources/sugar_calendar_july_2025.html"), html)),
        )
        .await;
        mount(
            Mock::given(method("POST"))
                .and(path("/urbanfamilybrewing.com/wp-admin/admin-ajax.php"))
                .respond_with(ok(
                    fixture!("sources/sugar_calendar_august_2025_ajax.json"),
                    json,
                )),
        )
        .await;
        mount(
            Mock::given(method("GET"))
                .and(path(
                    "/hivey-api-prod-pineapple.onrender.com/urbanfamily/public-calendar",
                ))
                .respond_with(ok(fixture!("sources/hivey_public_calendar.json"), json)),
        )
        .await;
        for (month, body) in [
            ("07", fixture!("sources/my_calendar_july_2025.html")),
            ("08", fixture!("sources/my_calendar_august_2025.html")),
        ] {
            mount(
                Mock::given(method("GET"))
                    .and(path(
                        "/wheeliepopbrewing.com/ballard-brewery-district-draft/",
                    ))
                    .and(query_param("month", month))
                    .and(query_param("yr", "2025"))
                    .respond_with(ok(body, html)),
            )
            .await;
        }
        let cdn = format!("{}/doc-cdn.googleusercontent.test/sheet.csv", server.uri());
        mount(
            Mock::given(method("GET"))
                .and(path("/docs.google.com/spreadsheets/d/e/2PACX-1vS8BmXLSrsUVJ1x_x8FslWooOXRLeEJV-Jq5NzhfUCI9TtO-qXr0ey2BzY8KI-GflT7ekl5015XX3uj/pub"))
                .respond_with(ResponseTemplate::new(307).insert_header("location", cdn.as_str()).set_delay(latency)),
        )
        .await;
        mount(
            Mock::given(method("GET"))
                .and(path("/doc-cdn.googleusercontent.test/sheet.csv"))
                .respond_with(ok(
                    fixture!("original/csv/chucks_greenwood_sample.csv"),
                    "text/csv",
                )),
        )
        .await;
        mount(
            Mock::given(method("GET"))
                .and(path("/www.seattlefoodtruck.com/api/events"))
                .and(query_param("start_date", "7-30-25"))
                .and(query_param("end_date", "8-6-25"))
                .and(query_param("for_locations", "164"))
                .respond_with(ok(fixture!("sources/seattle_food_truck_events.json"), json)),
        )
        .await;
        Self { server }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// `breweries.json` pointing at this mirror.
    pub fn config(&self) -> String {
        mirror_config(&self.uri())
    }
}
