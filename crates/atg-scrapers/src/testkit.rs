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
/// `1e300`, and `&#27;[2J` (clear screen) and a bell in a vendor's name (Cedar Smoke BBQ,
/// at Stoup on [`Mirror::AS_OF`]).
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
    body.replace("Cedar Smoke BBQ", "Cedar Smoke&#27;[2J BBQ\u{7}")
}

pub struct Mirror {
    pub server: MockServer,
}

impl Mirror {
    /// The Pacific date the fixtures are written around.
    pub const AS_OF: &'static str = "2025-07-30";

    /// The trucks of the week of [`Mirror::AS_OF`] at every brewery of the shipped list:
    /// Stoup 3, Bale Breaker 3, Obec 1, Urban Family 3, Wheelie Pop 3, Chuck's 5, Saleh's 3,
    /// Lucky Envelope 0 (its list is in March), Channel Marker 4.
    pub const WEEK_EVENTS: u32 = 25;

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
                .respond_with(ok(fixture!("sources/stoup_ballard_week.html"), html)),
        )
        .await;
        mount(
            Mock::given(method("GET"))
                .and(path("/www.bbycballard.com/food-trucks-1-1"))
                .respond_with(ok(fixture!("sources/bale_breaker_page.html"), html)),
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
                .respond_with(ok(fixture!("sources/lucky_envelope_list.html"), html)),
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
        // Published Google Sheets answer with a redirect to Google's CDN.
        for (sheet, body) in [
            (
                "2PACX-1vS8BmXLSrsUVJ1x_x8FslWooOXRLeEJV-Jq5NzhfUCI9TtO-qXr0ey2BzY8KI-GflT7ekl5015XX3uj",
                fixture!("sources/chucks_greenwood_tab.csv"),
            ),
            (
                "2PACX-1vRaaJmiJ4YrKmvwiFdsHYij1kLUVP6394gMrTPpgHwu1zTtM5aoIy9JfLyeK4WrLLDDiHcFRAtbZci_",
                fixture!("sources/channel_marker_sheet.csv"),
            ),
        ] {
            let cdn = format!(
                "{}/doc-cdn.googleusercontent.test/{sheet}.csv",
                server.uri()
            );
            mount(
                Mock::given(method("GET"))
                    .and(path(format!(
                        "/docs.google.com/spreadsheets/d/e/{sheet}/pub"
                    )))
                    .respond_with(
                        ResponseTemplate::new(307)
                            .insert_header("location", cdn.as_str())
                            .set_delay(latency),
                    ),
            )
            .await;
            mount(
                Mock::given(method("GET"))
                    .and(path(format!("/doc-cdn.googleusercontent.test/{sheet}.csv")))
                    .respond_with(ok(body, "text/csv")),
            )
            .await;
        }
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

/// Feeds written the way an attacker writes them, one of each kind the limits stop (issue N),
/// for the week of [`Mirror::AS_OF`]: each is served at `/{name}` and read by a brewery of
/// [`HostileFeeds::breweries`]. Each but `long-name` and `partly-unreadable` fails alone with
/// a named limit; the long name is published cut, its feed's file name bounded; the partly
/// unreadable calendar is read, and what it could not read counted.
pub mod hostile_feeds {
    /// `(name, parser, body, what it is)`.
    pub fn all() -> Vec<(&'static str, &'static str, String, &'static str)> {
        vec![
            (
                "deep.ics",
                "ical",
                deep_calendar(20_000),
                "components nested 20,000 deep",
            ),
            (
                "rrule-bomb.ics",
                "ical",
                rrule_bomb(),
                "a daily rule with every hour, minute and second since 1970",
            ),
            (
                "rdate-exdate.ics",
                "ical",
                rdates_and_exdates(40_000),
                "40,000 RDATEs against 40,000 EXDATEs",
            ),
            (
                "flood.ics",
                "ical",
                flood(15_000),
                "15,000 all-day events covering the whole week",
            ),
            (
                "long-name.ics",
                "ical",
                long_name(),
                "a 300-letter vendor with a right-to-left override",
            ),
            (
                "nested.html",
                "html-selectors",
                nested_elements(40_000),
                "40,000 nested elements every selector matches",
            ),
            (
                "deep.json",
                "tribe-events",
                deep_json(100_000),
                "JSON nested 100,000 deep",
            ),
            (
                "partly-unreadable.ics",
                "ical",
                partly_unreadable(),
                "a calendar of which two series cannot be read (read, and counted)",
            ),
            (
                "rows.csv",
                "sheet-columns",
                sheet_rows(30_000),
                "a sheet of 30,000 trucks in the week",
            ),
            (
                "values.json",
                "json-api",
                json_values(300_000),
                "an API reply of 300,000 values",
            ),
        ]
    }

    /// One truck on 31 July 2025 at 17:00 Pacific, a series that recurs hourly and one
    /// without a start: the truck is read, the two are counted.
    pub fn partly_unreadable() -> String {
        calendar(
            "BEGIN:VEVENT\r\nUID:good\r\nDTSTART;TZID=America/Los_Angeles:20250731T170000\r\nDTEND;TZID=America/Los_Angeles:20250731T200000\r\nSUMMARY:Partly Read Truck\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:hourly\r\nDTSTART;TZID=America/Los_Angeles:20250731T170000\r\nRRULE:FREQ=HOURLY\r\nSUMMARY:Every Hour\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:nostart\r\nDTSTART:soon\r\nSUMMARY:No Start\r\nEND:VEVENT\r\n",
        )
    }

    pub fn sheet_rows(n: usize) -> String {
        let mut s = String::from("DATE,TRUCK\n");
        for i in 0..n {
            s.push_str(&format!("7/31/2025,Truck {i}\n"));
        }
        s
    }

    pub fn json_values(n: usize) -> String {
        format!("{{\"events\": [{}0]}}", "0,".repeat(n))
    }

    /// The vendor `long-name.ics` lists (300 letters, a U+202E inside).
    pub fn long_vendor() -> String {
        format!("Truck\u{202E}{}", "x".repeat(295))
    }

    fn calendar(body: &str) -> String {
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hostile//EN\r\n{body}END:VCALENDAR\r\n"
        )
    }

    pub fn deep_calendar(levels: usize) -> String {
        let mut s = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
        for _ in 0..levels {
            s.push_str("BEGIN:VEVENT\r\n");
        }
        for _ in 0..levels {
            s.push_str("END:VEVENT\r\n");
        }
        s.push_str("END:VCALENDAR\r\n");
        s
    }

    pub fn rrule_bomb() -> String {
        let list = |n: u32| (0..n).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        calendar(&format!(
            "BEGIN:VEVENT\r\nUID:bomb\r\nDTSTART:19700101T000000Z\r\nSUMMARY:Bomb\r\nRRULE:FREQ=DAILY;BYHOUR={};BYMINUTE={};BYSECOND={}\r\nEND:VEVENT\r\n",
            list(24),
            list(60),
            list(60)
        ))
    }

    pub fn rdates_and_exdates(n: usize) -> String {
        let at = |i: usize| {
            let t = chrono::NaiveDate::from_ymd_opt(2025, 7, 30)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .unwrap_or_default()
                + chrono::Duration::seconds(i as i64 * 7);
            t.format("%Y%m%dT%H%M%SZ").to_string()
        };
        let rdates: Vec<String> = (0..n).map(at).collect();
        let exdates: Vec<String> = (0..n).map(|i| at(n + i)).collect();
        calendar(&format!(
            "BEGIN:VEVENT\r\nUID:many\r\nDTSTART:20250730T000000Z\r\nSUMMARY:Many\r\nRDATE:{}\r\nEXDATE:{}\r\nEND:VEVENT\r\n",
            rdates.join(","),
            exdates.join(",")
        ))
    }

    pub fn flood(n: usize) -> String {
        let mut body = String::new();
        for i in 0..n {
            body.push_str(&format!(
                "BEGIN:VEVENT\r\nUID:f{i}\r\nDTSTART;VALUE=DATE:20250729\r\nDTEND;VALUE=DATE:20250808\r\nSUMMARY:Truck {i}\r\nEND:VEVENT\r\n"
            ));
        }
        calendar(&body)
    }

    pub fn long_name() -> String {
        calendar(&format!(
            "BEGIN:VEVENT\r\nUID:long\r\nDTSTART:20250731T000000Z\r\nDTEND:20250731T030000Z\r\nSUMMARY:{}\r\nEND:VEVENT\r\n",
            long_vendor()
        ))
    }

    pub fn nested_elements(n: usize) -> String {
        let mut s = String::from("<html><body>");
        for _ in 0..n {
            s.push_str("<div class=\"e\"><span class=\"v\">Truck</span><span class=\"d\">2025-07-31</span>");
        }
        s.push_str(&"</div>".repeat(n));
        s.push_str("</body></html>");
        s
    }

    pub fn deep_json(n: usize) -> String {
        format!("{{\"events\": {}{}}}", "[".repeat(n), "]".repeat(n))
    }
}

/// A server of every [`hostile_feeds`] feed.
pub struct HostileFeeds {
    pub server: MockServer,
}

impl HostileFeeds {
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        for (name, _, body, _) in hostile_feeds::all() {
            let ctype = if name.ends_with(".ics") {
                "text/calendar"
            } else if name.ends_with(".csv") {
                "text/csv"
            } else if name.ends_with(".json") {
                "application/json"
            } else {
                "text/html"
            };
            Mock::given(path(format!("/{name}")))
                .respond_with(ResponseTemplate::new(200).set_body_raw(body.into_bytes(), ctype))
                .mount(&server)
                .await;
        }
        Self { server }
    }

    /// One brewery per feed (`hostile-deep-ics`, …), as config entries.
    pub fn breweries(&self) -> Vec<serde_json::Value> {
        hostile_feeds::all()
            .into_iter()
            .map(|(name, parser, _, _)| {
                let key = format!("hostile-{}", name.replace('.', "-"));
                let mut b = serde_json::json!({
                    "key": key, "name": format!("Hostile {name}"), "parser": parser,
                    "url": format!("{}/{name}", self.server.uri()),
                });
                let settings = match parser {
                    "html-selectors" => {
                        serde_json::json!({"event": "div.e", "vendor": ".v", "date": ".d"})
                    }
                    "sheet-columns" => {
                        serde_json::json!({"date_column": "DATE", "vendor_column": "TRUCK"})
                    }
                    "json-api" => serde_json::json!({
                        "response_path": "events",
                        "field_map": {"vendor": "name", "start": "start"}
                    }),
                    _ => serde_json::Value::Null,
                };
                if !settings.is_null() {
                    b["parser_config"] = settings;
                }
                b
            })
            .collect()
    }

    /// `config` (a one-site `breweries.json`) with these breweries added after its own.
    pub fn added_to(&self, config: &str) -> String {
        let mut v: serde_json::Value = serde_json::from_str(config).unwrap_or_default();
        if let Some(list) = v.get_mut("breweries").and_then(|b| b.as_array_mut()) {
            list.extend(self.breweries());
        }
        v.to_string()
    }
}
