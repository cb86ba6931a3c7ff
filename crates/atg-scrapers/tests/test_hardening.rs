//! Hostile input: redirects that leave for an internal address or drop TLS, dates past what
//! chrono can add to, escape sequences in names. Nothing panics; each is that brewery's error
//! or is cleaned.

use std::time::Duration;

use atg_core::{Clock, ErrorKind, SiteConfig};
use atg_scrapers::fetch::{Request, is_internal_host, redirect_refusal};
use atg_scrapers::testkit::Mirror;
use atg_scrapers::{Coordinator, FetchError, FetchOptions, Fetcher, ScrapeOptions};
use url::Url;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::day;

fn u(s: &str) -> Url {
    Url::parse(s).unwrap()
}

#[test]
fn internal_hosts_are_recognised() {
    for internal in [
        "http://localhost/",
        "http://api.localhost./",
        "http://127.0.0.1/",
        "http://127.9.9.9:8080/",
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://[::1]/",
        "http://[fd00::1]/",
        "http://[fe80::1]/",
        "http://[::ffff:127.0.0.1]/",
    ] {
        assert!(is_internal_host(&u(internal)), "{internal}");
    }
    for public in [
        "https://www.stoupbrewing.com/",
        "http://8.8.8.8/",
        "http://172.32.0.1/",
        "http://[2606:4700::1111]/",
    ] {
        assert!(!is_internal_host(&u(public)), "{public}");
    }
}

#[test]
fn redirect_rules() {
    let public = u("https://brewery.example/food");
    // Down to http, or off to an internal address: refused.
    let why = redirect_refusal(&public, &public, &u("http://brewery.example/food")).unwrap();
    assert!(why.contains("from https to http"), "{why}");
    let why = redirect_refusal(&public, &public, &u("https://169.254.169.254/")).unwrap();
    assert!(why.contains("internal address 169.254.169.254"), "{why}");
    assert!(redirect_refusal(&public, &public, &u("ftp://brewery.example/")).is_some());
    // A later hop cannot launder it: the brewery's own URL decides.
    let hop = u("https://cdn.example/x");
    assert!(redirect_refusal(&public, &hop, &u("https://10.0.0.1/")).is_some());
    // Allowed: public to public, http up to https, and a local mirror to itself.
    assert_eq!(
        redirect_refusal(&public, &public, &u("https://cdn.example/sheet.csv")),
        None
    );
    let plain = u("http://brewery.example/");
    assert_eq!(
        redirect_refusal(&plain, &plain, &u("https://brewery.example/")),
        None
    );
    let mirror = u("http://127.0.0.1:8080/www.stoupbrewing.com/");
    assert_eq!(
        redirect_refusal(&mirror, &mirror, &u("http://127.0.0.1:8080/cdn/")),
        None
    );
}

#[tokio::test]
async fn a_public_host_redirecting_to_loopback_is_refused() {
    let inside = MockServer::start().await;
    Mock::given(path("/secret"))
        .respond_with(ResponseTemplate::new(200).set_body_string("internal"))
        .mount(&inside)
        .await;
    let outside = MockServer::start().await;
    Mock::given(path("/food-trucks"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/secret", inside.uri()).as_str()),
        )
        .mount(&outside)
        .await;
    // brewery.test is a public-looking name that this test pins to the outside server.
    let fetcher = Fetcher::new(FetchOptions {
        resolve: vec![("brewery.test".into(), *outside.address())],
        max_attempts: 1,
        ..FetchOptions::default()
    })
    .unwrap();
    let port = outside.address().port();
    let err = fetcher
        .send(&Request::get(format!(
            "http://brewery.test:{port}/food-trucks"
        )))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            FetchError::Network {
                retryable: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("refused a redirect to the internal address 127.0.0.1"),
        "{err}"
    );
    assert!(
        inside.received_requests().await.unwrap().is_empty(),
        "the internal address must not be asked"
    );
}

#[tokio::test]
async fn hostile_pages_at_every_source_never_panic() {
    let mirror = Mirror::start_hostile().await;
    let config = SiteConfig::parse(&mirror.config(), "mirror").unwrap();
    let coordinator = Coordinator::new(ScrapeOptions {
        source_deadline: Duration::from_secs(10),
        ..ScrapeOptions::default()
    })
    .unwrap();
    // The week with a Cedar Smoke BBQ day at Stoup.
    let out = coordinator
        .scrape_all(
            &atg_core::SiteRef::original(),
            &config.breweries,
            Clock::as_of(day(2025, 7, 30)),
        )
        .await;
    for e in &out.events {
        assert!(atg_core::is_sane_date(e.date), "{e:?}");
        assert!(!e.vendor.chars().any(char::is_control), "{e:?}");
    }
    for e in &out.errors {
        assert_ne!(e.kind, ErrorKind::NetworkTimeout, "{e:?}");
        assert!(!e.message.contains("panicked"), "{e:?}");
    }
    let cedar: Vec<_> = out
        .events
        .iter()
        .filter(|e| e.vendor.starts_with("Cedar Smoke"))
        .collect();
    assert_eq!(cedar.len(), 1, "{:?}", out.events);
    assert_eq!(cedar[0].vendor, "Cedar Smoke[2J BBQ");
    // Every source whose dates were all moved out of range has no events left from them.
    assert!(
        out.events.iter().all(|e| e.brewery_key == "stoup-ballard"
            || e.brewery_key == "obec-brewing"
            || e.brewery_key == "chucks-greenwood"
            || e.brewery_key == "channel-marker"),
        "{:?}",
        out.events
    );
}
