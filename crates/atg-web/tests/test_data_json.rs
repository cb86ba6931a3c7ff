use serde_json::Value;

use crate::support::*;

#[test]
fn snapshot_of_a_week() {
    let data = web_data(
        &week(),
        &errors(),
        Some("🍂 Smoke and falling leaves\nTacos at the brewery door\nBallard evening 🍺"),
        updated(),
    );
    insta::assert_snapshot!("week_data_json", data.to_json().unwrap());
}

#[test]
fn the_rendered_site_writes_the_same_data_json_as_the_document() {
    // The site streams its events as it writes data.json: byte for byte the document's JSON.
    let schedule = schedule(&week(), &errors());
    let haiku = Some("a\nb\nc");
    let site = atg_web::render_site(&schedule, haiku, updated()).unwrap();
    let written = site.file("data.json").unwrap().bytes().unwrap();
    let document = atg_web::WebData::new(&schedule, haiku, updated())
        .to_json()
        .unwrap();
    assert_eq!(std::str::from_utf8(&written).unwrap(), document);
}

#[test]
fn same_events_same_bytes_apart_from_updated() {
    let a = web_data(&week(), &errors(), None, updated())
        .to_json()
        .unwrap();
    let b = web_data(
        &week(),
        &errors(),
        None,
        updated() + chrono::Duration::hours(3),
    )
    .to_json()
    .unwrap();
    assert_ne!(a, b);
    let strip = |s: &str| {
        s.lines()
            .filter(|l| !l.trim_start().starts_with("\"updated\""))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&a), strip(&b));
}

#[test]
fn formats_of_the_original() {
    let v: Value = serde_json::from_str(
        &web_data(&week(), &errors(), None, updated())
            .to_json()
            .unwrap(),
    )
    .unwrap();
    let top: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        &top[..7],
        [
            "events",
            "updated",
            "total_events",
            "timezone",
            "timezone_note",
            "errors",
            "haiku"
        ]
    );
    assert_eq!(v["updated"], "2026-10-30T20:55:57.499687+00:00");
    assert_eq!(v["total_events"], 7);
    assert_eq!(v["timezone"], "PT");
    assert_eq!(
        v["errors"],
        serde_json::json!(["Failed to fetch information for brewery: Wheelie Pop Brewing"])
    );
    assert_eq!(v["haiku"], Value::Null);
    let e0 = &v["events"][0];
    let keys: Vec<_> = e0.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        &keys[..9],
        [
            "date",
            "vendor",
            "location",
            "start_time",
            "end_time",
            "start_time_raw",
            "end_time_raw",
            "description",
            "timezone"
        ]
    );
    assert_eq!(e0["date"], "2026-10-30T00:00:00");
    assert_eq!(e0["start_time"], "1:00 PM PT");
    assert_eq!(e0["end_time"], "8:00 PM PT");
    assert_eq!(e0["start_time_raw"], "1:00 PM");
    assert!(e0.get("extraction_method").is_none());
    let tolu = &v["events"][2];
    assert_eq!(tolu["vendor"], "TOLU 🖼️🤖");
    assert_eq!(tolu["vendor_name"], "TOLU");
    assert_eq!(tolu["start_time"], "9:05 AM PT");
    assert_eq!(tolu["end_time"], Value::Null);
    assert_eq!(tolu["extraction_method"], "vision");
    let tolu_keys: Vec<_> = tolu.as_object().unwrap().keys().cloned().collect();
    assert_eq!(tolu_keys[9], "extraction_method");
    // Zero microseconds: no fraction, as Python's isoformat.
    let whole = web_data(
        &[],
        &[],
        None,
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 1, 1, 0, 0, 0).unwrap(),
    );
    assert_eq!(whole.updated, "2026-01-01T00:00:00+00:00");
    assert_eq!(whole.total_events, 0);
}

/// The original's committed sample (read from `../shared/fixtures`, where this checkout has
/// it): every key it has is ours too, with the same kind of value.
#[test]
fn equivalent_to_the_originals_sample() {
    let Some(text) = atg_testkit::shared::original_capture(
        "original/public_template/example_data.json",
        "data.json: the original's example",
    ) else {
        return;
    };
    let sample: Value = serde_json::from_str(&text).unwrap();
    let ours: Value = serde_json::from_str(
        &web_data(&week(), &errors(), None, updated())
            .to_json()
            .unwrap(),
    )
    .unwrap();
    for key in sample.as_object().unwrap().keys() {
        assert!(ours.get(key).is_some(), "top-level {key} missing");
    }
    let time_re = regex_lite(r"^\d{1,2}:\d{2} [AP]M$");
    for e in sample["events"].as_array().unwrap() {
        for (key, value) in e.as_object().unwrap() {
            // Some keys (extraction_method) appear only on some events, in both files.
            let mine = ours["events"]
                .as_array()
                .unwrap()
                .iter()
                .find_map(|o| o.get(key));
            let mine = mine.unwrap_or_else(|| panic!("event key {key} missing"));
            if value.is_string() && !mine.is_null() {
                assert!(mine.is_string(), "{key}");
                if key == "extraction_method" {
                    assert_eq!(mine, value);
                }
            }
        }
        assert!(e["date"].as_str().unwrap().len() >= 19);
        if let Some(t) = e["start_time"].as_str() {
            assert!(time_re(t), "sample time {t}");
        }
    }
    for e in ours["events"].as_array().unwrap() {
        assert!(e["date"].as_str().unwrap().ends_with("T00:00:00"));
        for k in ["start_time_raw", "end_time_raw"] {
            if let Some(t) = e[k].as_str() {
                assert!(time_re(t), "{k} {t}");
            }
        }
        for k in ["start_time", "end_time"] {
            if let Some(t) = e[k].as_str() {
                assert!(
                    time_re(t.trim_end_matches(" PT")) && t.ends_with(" PT"),
                    "{k} {t}"
                );
            }
        }
    }
}

/// `h:MM AM` with or without a leading zero.
fn regex_lite(_: &str) -> impl Fn(&str) -> bool {
    |s: &str| {
        let Some((clock, ampm)) = s.split_once(' ') else {
            return false;
        };
        let Some((h, m)) = clock.split_once(':') else {
            return false;
        };
        (ampm == "AM" || ampm == "PM")
            && (1..=2).contains(&h.len())
            && h.parse::<u32>().is_ok_and(|h| (1..=12).contains(&h))
            && m.len() == 2
            && m.parse::<u32>().is_ok_and(|m| m < 60)
    }
}
