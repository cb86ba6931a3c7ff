use std::time::{Duration, Instant};

use atg_core::{Brewery, Clock, ErrorKind, SiteConfig};
use atg_scrapers::testkit::Mirror;
use atg_scrapers::{Coordinator, FetchOptions, ScrapeOptions};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

fn options() -> ScrapeOptions {
    ScrapeOptions {
        concurrency: 10,
        source_deadline: Duration::from_secs(4),
        fetch: FetchOptions {
            request_timeout: Duration::from_millis(800),
            connect_timeout: Duration::from_millis(500),
            max_body_bytes: 1024 * 1024,
            max_redirects: 3,
            max_attempts: 3,
            backoff_base: Duration::from_millis(10),
            backoff_max: Duration::from_millis(50),
            ..FetchOptions::default()
        },
        ..ScrapeOptions::default()
    }
}

fn as_of() -> Clock {
    Clock::as_of(day(2025, 7, 30))
}

async fn mirror_breweries(m: &Mirror) -> Vec<Brewery> {
    SiteConfig::parse(&m.config(), "mirror.json")
        .unwrap()
        .breweries
}

#[tokio::test]
async fn every_source_from_the_mirror() {
    let mirror = Mirror::start(Duration::ZERO).await;
    let breweries = mirror_breweries(&mirror).await;
    let out = Coordinator::new(options())
        .unwrap()
        .scrape_all(&atg_core::SiteRef::original(), &breweries, as_of())
        .await;
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let l = lines(&out.events);
    // Every source contributes, inside 2025-07-30..=2025-08-06, sorted by day then time.
    for key in [
        "stoup-ballard",
        "yonder-balebreaker",
        "obec-brewing",
        "urban-family",
        "wheelie-pop",
        "chucks-greenwood",
        "salehs-corner",
    ] {
        assert!(
            out.events.iter().any(|e| e.brewery_key == key),
            "no events from {key}: {l:#?}"
        );
    }
    assert!(
        l.contains(&"2025-07-30 16:00-20:00 Kaosamai Thai".to_string()),
        "{l:#?}"
    );
    assert!(l.contains(&"2025-07-31 13:00-21:00 Tacos & Beer".to_string()));
    assert!(
        l.contains(&"2025-08-02 13:00-19:00 Kaosamai".to_string()),
        "next month via AJAX"
    );
    assert!(
        l.contains(&"2025-08-01 16:00-20:00 Vandalz".to_string()),
        "next month of My Calendar"
    );
    assert!(l.contains(&"2025-08-02 17:00-20:00 Pumpkin Thai".to_string()));
    assert!(
        l.contains(&"2025-08-01 17:30-21:00 Salmon Run Fish & Chips".to_string()),
        "a sheet behind a redirect, with its hours"
    );
    assert!(
        !l.iter()
            .any(|s| s.starts_with("2025-07-29") || s.starts_with("2025-08-07"))
    );
    let mut sorted = out.events.clone();
    sorted.sort_by_key(|e| (e.date, e.start_time));
    assert_eq!(
        sorted
            .iter()
            .map(|e| (e.date, e.start_time))
            .collect::<Vec<_>>(),
        out.events
            .iter()
            .map(|e| (e.date, e.start_time))
            .collect::<Vec<_>>()
    );
    // The Tisket Tasket listed in both months is one event.
    assert_eq!(l.iter().filter(|s| s.ends_with("Tisket Tasket")).count(), 1);
}

#[tokio::test]
async fn each_failure_is_its_breweries_own_error_and_the_rest_still_arrive() {
    let mirror = Mirror::start(Duration::ZERO).await;
    let faults = fault_server().await;
    let f = faults.uri();

    let mut breweries = mirror_breweries(&mirror).await;
    let set = |bs: &mut Vec<Brewery>, key: &str, field: Option<&str>, url: String| {
        let b = bs.iter_mut().find(|b| b.key == key).unwrap();
        match field {
            None => b.url = url,
            Some(k) => {
                b.parser_config.insert(k.into(), url.into());
            }
        }
    };
    set(&mut breweries, "stoup-ballard", None, format!("{f}/500"));
    set(&mut breweries, "obec-brewing", None, format!("{f}/404"));
    set(
        &mut breweries,
        "chucks-greenwood",
        None,
        format!("{f}/hang"),
    );
    set(
        &mut breweries,
        "wheelie-pop",
        Some("list_url"),
        format!("{f}/huge?m={{month2}}"),
    );
    set(
        &mut breweries,
        "salehs-corner",
        Some("events_url"),
        format!("{f}/malformed?s={{start_date}}&e={{end_date}}"),
    );
    set(
        &mut breweries,
        "yonder-balebreaker",
        None,
        format!("{f}/loop"),
    );
    breweries.push(Brewery {
        key: "mystery".into(),
        name: "Mystery Brewing".into(),
        url: format!("{f}/never"),
        parser: None,
        parser_config: Default::default(),
    });

    let started = Instant::now();
    let out = Coordinator::new(options())
        .unwrap()
        .scrape_all(&atg_core::SiteRef::original(), &breweries, as_of())
        .await;
    let elapsed = started.elapsed();

    let kinds: Vec<_> = out
        .errors
        .iter()
        .map(|e| (e.brewery_key.as_str(), e.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("stoup-ballard", ErrorKind::HttpStatus),
            ("yonder-balebreaker", ErrorKind::NetworkError),
            ("obec-brewing", ErrorKind::HttpStatus),
            ("wheelie-pop", ErrorKind::NetworkError),
            ("chucks-greenwood", ErrorKind::NetworkTimeout),
            ("salehs-corner", ErrorKind::ParserError),
            ("mystery", ErrorKind::ConfigurationError),
        ]
    );
    let msg = |k: &str| {
        out.errors
            .iter()
            .find(|e| e.brewery_key == k)
            .unwrap()
            .message
            .clone()
    };
    assert!(
        msg("stoup-ballard").contains("HTTP 500"),
        "{}",
        msg("stoup-ballard")
    );
    assert!(msg("obec-brewing").contains("HTTP 404"));
    assert!(
        msg("wheelie-pop").contains("larger than"),
        "{}",
        msg("wheelie-pop")
    );
    assert!(
        msg("yonder-balebreaker")
            .to_lowercase()
            .contains("redirect"),
        "{}",
        msg("yonder-balebreaker")
    );
    assert!(msg("mystery").contains("no parser for key \"mystery\""));
    assert_eq!(
        out.errors[0].user_message(),
        "Failed to fetch information for brewery: Stoup Brewing - Ballard"
    );
    assert!(out.errors[0].retryable && out.errors[4].retryable && !out.errors[2].retryable);

    // Urban Family and Channel Marker are untouched and still arrive.
    assert!(
        out.events
            .iter()
            .all(|e| e.brewery_key == "urban-family" || e.brewery_key == "channel-marker")
    );
    let from = |k: &str| out.events.iter().filter(|e| e.brewery_key == k).count();
    assert_eq!(from("urban-family"), 3, "{:#?}", lines(&out.events));
    assert_eq!(from("channel-marker"), 4, "{:#?}", lines(&out.events));

    // 5xx and timeouts are retried, 404 is not.
    let received = faults.received_requests().await.unwrap();
    let hits = |p: &str| received.iter().filter(|r| r.url.path() == p).count();
    assert_eq!(hits("/500"), 3);
    assert_eq!(hits("/404"), 1);
    assert_eq!(hits("/malformed"), 1);
    // The slow source is cut off by its deadline, not waited for.
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

#[tokio::test]
async fn transient_failure_then_success_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(include_str!("../../../fixtures/sources/stoup_entries.html")),
        )
        .mount(&server)
        .await;
    let b = Brewery {
        key: "stoup-ballard".into(),
        name: "Stoup".into(),
        url: format!("{}/ballard/", server.uri()),
        parser: None,
        parser_config: Default::default(),
    };
    let events = Coordinator::new(options())
        .unwrap()
        .scrape_one(&b, Clock::as_of(day(2025, 8, 2)))
        .await
        .unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn connection_refused_is_a_network_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let b = Brewery {
        key: "obec-brewing".into(),
        name: "Obec".into(),
        url: format!("http://127.0.0.1:{port}/"),
        parser: None,
        parser_config: Default::default(),
    };
    let e = Coordinator::new(options())
        .unwrap()
        .scrape_one(&b, as_of())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NetworkError);
    assert!(e.retryable);
}

#[tokio::test]
async fn forbidden_pages_fall_back() {
    let mirror = Mirror::start(Duration::ZERO).await;
    let faults = MockServer::start().await;
    Mock::given(path("/403"))
        .respond_with(ResponseTemplate::new(403))
        .mount(&faults)
        .await;
    let mut breweries = mirror_breweries(&mirror).await;
    breweries.retain(|b| b.key == "yonder-balebreaker" || b.key == "urban-family");
    // Bale Breaker's page answers 403: the configured collection id is used.
    breweries[0].url = format!("{}/403", faults.uri());
    // Urban Family's calendar answers 403: the Hivey API is read instead.
    breweries[1].parser_config.insert(
        "calendar_url".into(),
        format!("{}/403", faults.uri()).into(),
    );
    let c = Coordinator::new(options()).unwrap();
    let bb = c.scrape_one(&breweries[0], as_of()).await.unwrap();
    assert_eq!(
        lines(&bb),
        [
            "2025-07-30 17:00-21:00 Georgia's Greek",
            "2025-07-31 13:00-21:00 Tacos & Beer",
            "2025-08-01 16:00-20:00 Wood Shop BBQ"
        ]
    );
    let uf = c
        .scrape_one(&breweries[1], Clock::as_of(day(2025, 7, 5)))
        .await
        .unwrap();
    assert_eq!(uf[0].vendor, "Kaosamia Thai");
}

#[tokio::test]
async fn a_bad_setting_is_a_configuration_error_for_that_brewery() {
    let mut b = Brewery {
        key: "salehs-corner".into(),
        name: "Saleh's".into(),
        url: "https://x.test/".into(),
        parser: None,
        parser_config: Default::default(),
    };
    let c = Coordinator::new(options()).unwrap();
    let e = c.scrape_one(&b, as_of()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::ConfigurationError);
    assert!(
        e.message.contains("parser_config.events_url: required"),
        "{}",
        e.message
    );
    b.parser_config
        .insert("events_url".into(), "https://x.test/{start}".into());
    let e = c.scrape_one(&b, as_of()).await.unwrap_err();
    assert!(
        e.message.contains("unknown placeholder {start}"),
        "{}",
        e.message
    );
}

fn squarespace_at(server: &MockServer, fallback: Option<&str>) -> Brewery {
    let mut cfg = serde_json::Map::new();
    cfg.insert(
        "month_api_url".into(),
        format!(
            "{}/api?month={{month_name}}-{{year}}&id={{collection_id}}",
            server.uri()
        )
        .into(),
    );
    if let Some(f) = fallback {
        cfg.insert("fallback_collection_id".into(), f.into());
    }
    Brewery {
        key: "yonder-balebreaker".into(),
        name: "Bale Breaker".into(),
        url: format!("{}/page", server.uri()),
        parser: None,
        parser_config: cfg,
    }
}

#[tokio::test]
async fn squarespace_without_a_collection_id_or_months_is_an_error_not_a_placeholder() {
    let server = MockServer::start().await;
    Mock::given(path("/page"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("<html><body>No calendar</body></html>"),
        )
        .mount(&server)
        .await;
    let c = Coordinator::new(options()).unwrap();
    let e = c
        .scrape_one(&squarespace_at(&server, None), as_of())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::ParserError);
    assert!(
        e.message.contains("no Squarespace calendar collection id"),
        "{}",
        e.message
    );

    // With a fallback id, but every month answering 500: an HTTP error, no placeholder.
    Mock::given(path("/api"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let e = c
        .scrape_one(&squarespace_at(&server, Some("c1")), as_of())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::HttpStatus);
}

#[tokio::test]
async fn squarespace_one_month_failing_keeps_the_other() {
    let server = MockServer::start().await;
    Mock::given(path("/page"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"<script>{"collectionId":"c1"}</script>"#),
        )
        .mount(&server)
        .await;
    Mock::given(path("/api"))
        .and(wiremock::matchers::query_param("month", "July-2025"))
        .respond_with(ResponseTemplate::new(200).set_body_string(include_str!(
            "../../../fixtures/sources/squarespace_july_2025.json"
        )))
        .mount(&server)
        .await;
    Mock::given(path("/api"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let events = Coordinator::new(options())
        .unwrap()
        .scrape_one(&squarespace_at(&server, None), as_of())
        .await
        .unwrap();
    assert_eq!(
        lines(&events),
        [
            "2025-07-30 17:00-21:00 Georgia's Greek",
            "2025-07-31 13:00-21:00 Tacos & Beer"
        ]
    );
    let months: Vec<_> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/api")
        .map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "month")
                .unwrap()
                .1
                .to_string()
        })
        .collect();
    assert_eq!(months.len(), 2);
    assert!(
        months.contains(&"July-2025".to_string()) && months.contains(&"August-2025".to_string())
    );
}

#[tokio::test]
async fn urban_family_both_sources_failing_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(path("/cal"))
        .respond_with(ResponseTemplate::new(403))
        .mount(&server)
        .await;
    Mock::given(path("/hivey"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let mut cfg = serde_json::Map::new();
    cfg.insert(
        "calendar_url".into(),
        format!("{}/cal", server.uri()).into(),
    );
    cfg.insert(
        "api_endpoint".into(),
        format!("{}/hivey", server.uri()).into(),
    );
    let b = Brewery {
        key: "urban-family".into(),
        name: "Urban Family".into(),
        url: server.uri(),
        parser: None,
        parser_config: cfg,
    };
    let e = Coordinator::new(options())
        .unwrap()
        .scrape_one(&b, as_of())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::HttpStatus);
    assert!(
        e.message.contains("HTTP 404") && e.message.contains("/hivey"),
        "{}",
        e.message
    );
    // The page is asked for with browser-like headers (the host refuses bare clients).
    let reqs = server.received_requests().await.unwrap();
    let page = reqs.iter().find(|r| r.url.path() == "/cal").unwrap();
    assert!(
        page.headers
            .get("user-agent")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("Chrome/")
    );
}

#[tokio::test]
async fn salehs_makes_exactly_one_request_and_others_send_our_user_agent() {
    let mirror = Mirror::start(Duration::ZERO).await;
    let breweries = mirror_breweries(&mirror).await;
    let salehs = breweries.iter().find(|b| b.key == "salehs-corner").unwrap();
    Coordinator::new(options())
        .unwrap()
        .scrape_one(salehs, as_of())
        .await
        .unwrap();
    let reqs = mirror.server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1);
    let q: Vec<_> = reqs[0]
        .url
        .query_pairs()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    assert_eq!(
        q,
        [
            "page=1",
            "page_size=300",
            "start_date=7-30-25",
            "end_date=8-6-25",
            "for_locations=164",
            "with_active_trucks=true",
            "include_bookings=true"
        ]
    );
    let ua = reqs[0].headers.get("user-agent").unwrap().to_str().unwrap();
    assert!(ua.starts_with("Around-the-Grounds/"), "{ua}");
}

/// A server that promises a long body, sends part of it, and drops the connection.
pub async fn reset_mid_body() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let _ = sock
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n<html><body><div class=\"food-truck-entry\">")
                    .await;
                drop(sock);
            });
        }
    });
    format!("http://{addr}/")
}

#[tokio::test]
async fn a_connection_reset_mid_body_is_a_retried_network_error() {
    let url = reset_mid_body().await;
    let b = Brewery {
        key: "stoup-ballard".into(),
        name: "Stoup".into(),
        url,
        parser: None,
        parser_config: Default::default(),
    };
    let started = Instant::now();
    let e = Coordinator::new(options())
        .unwrap()
        .scrape_one(&b, as_of())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NetworkError, "{}", e.message);
    assert!(e.retryable);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "bounded by the deadline"
    );
}
