//! Issue P through the CLI: the original's later fixtures (UPSTREAM-LATER.md, from
//! `../shared/fixtures/upstream-later`) served by a local server and read by the shipped
//! entries of Chuck's Greenwood tab and Channel Marker Cider, as the spec says they read.

use serde_json::Value;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::test_cli::run;

/// The shipped entry `key`, reading `url`.
fn shipped(key: &str, url: &str) -> Value {
    let config: Value = serde_json::from_str(atg_core::EMBEDDED_CONFIG).unwrap();
    let mut b = config["breweries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["key"] == key)
        .unwrap()
        .clone();
    b["url"] = url.into();
    b
}

/// The week of `as_of` at a site of `breweries`, as the CLI's JSON report.
async fn week(breweries: Vec<Value>, as_of: &str) -> Value {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("breweries.json");
    std::fs::write(
        &cfg,
        serde_json::json!({ "breweries": breweries }).to_string(),
    )
    .unwrap();
    let r = run(&[
        "--config",
        cfg.to_str().unwrap(),
        "--as-of",
        as_of,
        "--format",
        "json",
    ])
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap()
}

fn lines(doc: &Value) -> Vec<String> {
    doc["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let time = |k: &str| {
                e[k].as_str()
                    .and_then(|t| t.get(11..16))
                    .unwrap_or_default()
                    .to_string()
            };
            let hours = match (time("start_time"), time("end_time")) {
                (s, _) if s.is_empty() => String::new(),
                (s, e) => format!(" {s}-{e}"),
            };
            format!(
                "{}{hours} {}",
                &e["date"].as_str().unwrap()[..10],
                e["vendor"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_originals_later_sheets_through_the_cli() {
    let captures = [
        "upstream-later/csv/channel_marker_sample.csv",
        "upstream-later/csv/chucks_greenwood_sample.csv",
    ]
    .map(|rel| atg_testkit::shared::original_capture(rel, "cli: the original's later sheets"));
    let [Some(channel_marker), Some(greenwood)] = captures else {
        return;
    };
    let server = MockServer::start().await;
    for (route, body) in [("/cm.csv", channel_marker), ("/gw.csv", greenwood)] {
        Mock::given(path(route))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .mount(&server)
            .await;
    }
    let base = server.uri();

    let doc = week(
        vec![shipped("channel-marker", &format!("{base}/cm.csv"))],
        "2026-03-31",
    )
    .await;
    assert_eq!(
        lines(&doc),
        [
            "2026-03-31 17:00-20:00 Where Ya At, Matt?",
            "2026-04-01 17:00-20:00 La Rivera Maya",
            "2026-04-02 17:00-21:00 La Costenita",
            "2026-04-03 17:00-20:00 Now Make Me A Sandwich",
        ]
    );

    let doc = week(
        vec![shipped("chucks-greenwood", &format!("{base}/gw.csv"))],
        "2026-09-04",
    )
    .await;
    assert_eq!(
        lines(&doc),
        [
            "2026-09-04 17:00-21:00 Where ya at Matt",
            "2026-09-05 12:00-20:00 Tacos & Beer",
            "2026-09-06 09:00-12:00 Cocina Barelas",
            "2026-09-06 12:00-20:00 Momo Express",
            "2026-09-07 17:00-21:00 Birrieria Pepe El Toro",
            "2026-09-08 17:00-21:00 Woodshop BBQ",
            "2026-09-09 17:00-21:00 Oskar's Pizza",
        ]
    );
}
