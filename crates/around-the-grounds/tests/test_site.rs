//! `--preview` and `--serve`, and the page itself in headless Chromium.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use atg_pipeline::Schedule;
use atg_pipeline::core::{BreweryRef, Clock, ErrorKind, FoodTruckEvent, ScrapeError, SiteConfig};
use atg_scrapers::testkit::Mirror;
use chrono::{Days, NaiveDate};
use scraper::{Html, Selector};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::browser::{Chromium, Reader};
use crate::test_cli::{preview_run, run, write_config};

const BIN: &str = env!("CARGO_BIN_EXE_around-the-grounds");

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_writes_the_whole_site_and_a_failed_run_keeps_it() {
    let mirror = Mirror::start(Duration::ZERO).await;
    let cfg = write_config("preview", &mirror.config());
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let r = preview_run(&cfg, &out, &[], &[]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains(&format!(
            "✅ Wrote the site ({} events) to",
            Mirror::WEEK_EVENTS
        )),
        "{}",
        r.stdout
    );
    for f in [
        "index.html",
        "app.js",
        "style.css",
        "data.json",
        "events.ics",
        "events-obec-brewing.ics",
        "events-salehs-corner.ics",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let data: Value = serde_json::from_str(&read(&out.join("data.json"))).unwrap();
    assert_eq!(data["total_events"], Mirror::WEEK_EVENTS);
    assert_eq!(data["haiku"], Value::Null);
    // The page is the one in public/, embedded in the binary.
    let public = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../public");
    assert_eq!(
        read(&out.join("index.html")),
        read(&public.join("index.html"))
    );
    let before = read(&out.join("data.json"));

    // Everything failing: no events, so the last good site stays as it was.
    let down = write_config(
        "preview-down",
        r#"{"breweries":[{"key":"obec-brewing","name":"Obec Brewing","url":"http://127.0.0.1:9/"}]}"#,
    );
    let r = run(&[
        "--config",
        down.to_str().unwrap(),
        "--preview",
        "--out",
        out.to_str().unwrap(),
        "--max-attempts",
        "1",
    ])
    .await;
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("left as it was"), "{}", r.stdout);
    assert_eq!(read(&out.join("data.json")), before);

    // JSON on stdout stays one document; the preview's message goes to stderr.
    let r = preview_run(&cfg, &out, &["--format", "json"], &[]).await;
    assert!(serde_json::from_str::<Value>(&r.stdout).is_ok());
    assert!(r.stderr.contains("Wrote the site"));
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_never_replaces_a_directory_it_did_not_write() {
    let mirror = Mirror::start(Duration::ZERO).await;
    let cfg = write_config("foreign", &mirror.config());
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("index.html"), "my own page").unwrap();
    let r = preview_run(&cfg, tmp.path(), &[], &[]).await;
    // A publish that was asked for and failed is the run's failure (exit 1), with its reason.
    assert_eq!(r.code, 1, "a failed preview fails the run");
    assert!(
        r.stderr.contains("❌ Preview failed: refusing to replace"),
        "{}",
        r.stderr
    );
    assert_eq!(read(&tmp.path().join("index.html")), "my own page");
}

/// Pacific today, from the real clock (the browser uses the real clock too).
fn pacific_today() -> NaiveDate {
    Clock::system().today()
}

fn event(
    key: &str,
    brewery: &str,
    vendor: &str,
    day: NaiveDate,
    hours: Option<(u32, u32)>,
) -> FoodTruckEvent {
    let mut e = FoodTruckEvent::new(key, brewery, vendor, day);
    if let Some((s, t)) = hours {
        e.start_time = day.and_hms_opt(s, 0, 0);
        e.end_time = day.and_hms_opt(t, 0, 0);
    }
    e
}

const XSS: &str = r#"<img src=x onerror="document.title='pwned'">"#;

/// A site whose days are yesterday, today, tomorrow and today + 3 (Pacific).
fn browser_site(dir: &Path) -> Vec<FoodTruckEvent> {
    let today = pacific_today();
    let d = |n: i64| {
        if n < 0 {
            today - Days::new(n.unsigned_abs())
        } else {
            today + Days::new(n as u64)
        }
    };
    let mut ai = event(
        "urban-family",
        "Urban Family Brewing",
        "Tolu",
        d(1),
        Some((16, 20)),
    );
    ai.ai_generated_name = true;
    let events = vec![
        event(
            "stoup-ballard",
            "Stoup Brewing - Ballard",
            "Yesterday's Truck",
            d(-1),
            Some((13, 20)),
        ),
        event(
            "obec-brewing",
            "Obec Brewing",
            "Kaosamai Thai",
            d(0),
            Some((16, 20)),
        ),
        event("stoup-ballard", "Stoup Brewing - Ballard", XSS, d(0), None),
        ai,
        event(
            "obec-brewing",
            "Obec Brewing",
            "Burger Planet",
            d(3),
            Some((12, 19)),
        ),
        event(
            "chucks-greenwood",
            "Chuck's Hop Shop Greenwood",
            "T'Juana",
            d(3),
            None,
        ),
    ];
    let config = SiteConfig::embedded().unwrap();
    let schedule = Schedule {
        site: config.site.reference(),
        as_of: today,
        breweries: config.breweries.iter().map(BreweryRef::from).collect(),
        events: events.clone(),
        errors: vec![ScrapeError {
            brewery_key: "wheelie-pop".into(),
            brewery_name: "Wheelie Pop Brewing".into(),
            kind: ErrorKind::HttpStatus,
            message: "HTTP 500".into(),
            retryable: true,
            limit: None,
        }],
        partial: Vec::new(),
    };
    let now = chrono::Utc::now();
    let health = atg_web::health::HealthRecord::next(None, &schedule, 3, now);
    let site = atg_pipeline::render(
        &schedule,
        Some("Line one\nLine two\nLine three"),
        &health,
        now,
    )
    .unwrap();
    atg_pipeline::deploy::publish_dir(dir, &site.files).unwrap();
    events
}

/// `around-the-grounds --serve 127.0.0.1:0` on `dir`; returns the process and its URL.
pub async fn serve(dir: &Path) -> (tokio::process::Child, String) {
    let empty = write_config("serve-empty", r#"{"breweries": []}"#);
    let mut child = tokio::process::Command::new(BIN)
        .args([
            "--config",
            empty.to_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
            "--serve",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(i) = line.find("http://") {
                return line[i..].split_whitespace().next().unwrap().to_string();
            }
        }
        panic!("--serve printed no URL");
    })
    .await
    .expect("--serve did not start");
    (child, url)
}

/// The page's DOM after its scripts ran, in a reader's time zone `tz`.
async fn dump_dom(url: &str, tz: &str) -> Html {
    let chromium = Chromium::launch().await;
    let page = chromium
        .open(
            url,
            Reader {
                zone: tz,
                dark: false,
            },
        )
        .await;
    Html::parse_document(&page.content().await.unwrap())
}

fn texts(doc: &Html, css: &str) -> Vec<String> {
    doc.select(&Selector::parse(css).unwrap())
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect()
}

fn visible_names(doc: &Html) -> Vec<String> {
    texts(
        doc,
        "section.day-section:not([hidden]) li.truck-item:not([hidden]) .truck-name",
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_in_a_real_browser() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let events = browser_site(&site);
    let (_server, url) = serve(&site).await;
    let today = pacific_today();

    // Far east and far west of Pacific time, the page shows the same Pacific days.
    for tz in [
        "Pacific/Kiritimati",
        "Pacific/Pago_Pago",
        "America/Los_Angeles",
    ] {
        let doc = dump_dom(&url, tz).await;
        assert_eq!(
            texts(&doc, "body[data-state=ready]").len(),
            1,
            "{tz}: the page did not finish rendering"
        );
        let days: Vec<String> = doc
            .select(&Selector::parse(".day-section").unwrap())
            .map(|s| s.value().attr("data-day").unwrap().to_string())
            .collect();
        let expected: Vec<String> = [0u64, 1, 3]
            .iter()
            .map(|n| (today + Days::new(*n)).to_string())
            .collect();
        assert_eq!(
            days, expected,
            "{tz}: yesterday hidden, every day from today on present"
        );
        let headers = texts(&doc, ".day-header");
        assert!(headers[0].starts_with("Today ·"), "{tz}: {headers:?}");
        assert!(headers[1].starts_with("Tomorrow ·"), "{tz}: {headers:?}");

        // Every event from today on, in data.json's order, with its brewery.
        let names = texts(&doc, ".truck-item .truck-name");
        let from_today: Vec<String> = events
            .iter()
            .filter(|e| e.date >= today)
            .map(|e| e.vendor.clone())
            .collect();
        assert_eq!(names, from_today, "{tz}");
        let locations = texts(&doc, ".truck-item .brewery-link");
        assert_eq!(locations[0], "Obec Brewing");
        assert_eq!(
            texts(&doc, ".truck-item .time")[0],
            "4:00 PM PT – 8:00 PM PT"
        );
        assert_eq!(texts(&doc, "#total-count"), ["5"]);
        assert_eq!(
            texts(&doc, ".haiku-line"),
            ["Line one", "Line two", "Line three"]
        );
        assert_eq!(texts(&doc, ".vision-badge").len(), 1);
        assert_eq!(texts(&doc, "#ai-info:not([hidden])").len(), 1);

        // The failure banner.
        assert_eq!(
            texts(&doc, "#error-note:not([hidden]) .error-item"),
            ["Failed to fetch information for brewery: Wheelie Pop Brewing"]
        );

        // Hostile text is shown as text and runs nothing.
        assert!(names.contains(&XSS.to_string()));
        assert_eq!(
            doc.select(&Selector::parse("#schedule img").unwrap())
                .count(),
            0
        );
        assert_eq!(texts(&doc, "title"), ["Food Trucks in Ballard"]);

        // Calendar links and filter chips for every brewery (and an "All" chip).
        let configured = SiteConfig::embedded().unwrap().breweries.len();
        assert_eq!(
            doc.select(&Selector::parse("a.feed-link").unwrap()).count(),
            configured
        );
        assert_eq!(
            doc.select(&Selector::parse("button.chip").unwrap()).count(),
            configured + 1
        );
    }

    // The brewery filter (the chips set the same #brewery= state the link carries).
    let doc = dump_dom(&format!("{url}#brewery=obec-brewing"), "UTC").await;
    assert_eq!(visible_names(&doc), ["Kaosamai Thai", "Burger Planet"]);
    assert_eq!(
        texts(&doc, "button.chip[aria-pressed=true]"),
        ["Obec Brewing"]
    );
    // Days with nothing left are hidden too.
    assert_eq!(
        doc.select(&Selector::parse(".day-section:not([hidden])").unwrap())
            .count(),
        2
    );

    // The search box.
    let doc = dump_dom(&format!("{url}#q=juana"), "UTC").await;
    assert_eq!(visible_names(&doc), ["T'Juana"]);
    let doc = dump_dom(&format!("{url}#brewery=obec-brewing&q=juana"), "UTC").await;
    assert!(visible_names(&doc).is_empty());
    assert_eq!(texts(&doc, "#empty:not([hidden])"), ["No trucks match."]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_data_file_shows_the_error_box() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    browser_site(&site);
    std::fs::remove_file(site.join("data.json")).unwrap();
    let (_server, url) = serve(&site).await;
    let doc = dump_dom(&url, "UTC").await;
    assert_eq!(
        texts(&doc, ".load-error"),
        ["Unable to load food truck data. Please try again later."]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn links_from_a_tampered_data_file_are_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    browser_site(&site);
    let path = site.join("data.json");
    let mut data: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let breweries = data["breweries"].as_array_mut().unwrap();
    breweries[0]["feed"] = "javascript:document.title='pwned'".into();
    breweries[1]["feed"] = "data:text/html,<script>alert(1)</script>".into();
    std::fs::write(&path, serde_json::to_string(&data).unwrap()).unwrap();
    let (_server, url) = serve(&site).await;
    let doc = dump_dom(&url, "UTC").await;
    assert_eq!(
        texts(&doc, "body[data-state=ready]").len(),
        1,
        "the page still renders"
    );
    assert_eq!(texts(&doc, "title"), ["Food Trucks in Ballard"]);
    let hrefs: Vec<String> = doc
        .select(&Selector::parse("a.feed-link").unwrap())
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    let configured = SiteConfig::embedded().unwrap().breweries.len();
    assert_eq!(hrefs.len(), configured - 2, "{hrefs:?}");
    assert!(hrefs.iter().all(|h| h.starts_with("http://")), "{hrefs:?}");
    // The page sets its own Content-Security-Policy: scripts and everything else from itself.
    let html = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(
        html.contains("default-src 'self'; script-src 'self'"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "no inline script");
}
