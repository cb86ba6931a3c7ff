use atg_scrapers::Budget;
use atg_scrapers::sources::squarespace::{collection_id, parse_month};

use crate::support::*;

#[test]
fn collection_id_from_the_calendar_block_of_a_page() {
    let page = fixture("sources/bale_breaker_page.html");
    assert_eq!(
        collection_id(&page, &Budget::default()).unwrap().as_deref(),
        Some("61328af17400707612fccbc6")
    );
    // The original's capture of the real page (spec §12), where this checkout has it.
    if let Some(real) = original(
        "original/html/bale_breaker_sample.html",
        "squarespace: the original's real page",
    ) {
        assert_eq!(
            collection_id(&real, &Budget::default()).unwrap().as_deref(),
            Some("61328af17400707612fccbc6")
        );
    }
}

#[test]
fn collection_id_from_block_json_script_or_nowhere() {
    let block = r#"<div class="calendar-block" data-block-json="{&quot;collectionId&quot;:&quot;test123&quot;}"></div>"#;
    assert_eq!(
        collection_id(block, &Budget::default()).unwrap().as_deref(),
        Some("test123")
    );
    let script = r#"<script>var x = {"collectionId":"script456"};</script>"#;
    assert_eq!(
        collection_id(script, &Budget::default())
            .unwrap()
            .as_deref(),
        Some("script456")
    );
    assert_eq!(
        collection_id("<html><body>nothing</body></html>", &Budget::default()).unwrap(),
        None
    );
}

#[test]
fn month_items_in_pacific_time_with_entities_decoded() {
    let events = parse_month(
        &fixture("sources/squarespace_july_2025.json"),
        &ctx(day(2025, 7, 30)),
    )
    .unwrap();
    assert_eq!(
        lines(&events),
        [
            "2025-07-30 17:00-21:00 Georgia's Greek",
            "2025-07-31 13:00-21:00 Tacos & Beer",
            "2025-07-20 12:00-18:00 Woodshop BBQ",
        ]
    );
    // Milliseconds are dropped; `date` is the day, the time only in start_time.
    assert_eq!(
        events[1].start_time.unwrap().to_string(),
        "2025-07-31 13:00:00"
    );
}

#[test]
fn utc_epochs_convert_across_dst() {
    let item =
        |start: i64, end: i64| format!(r#"[{{"title":"T","startDate":{start},"endDate":{end}}}]"#);
    let c = ctx(day(2024, 7, 1));
    // 2024-07-12 16:00 UTC = 09:00 PDT; 2024-01-15 14:00 UTC = 06:00 PST.
    let e = parse_month(&item(1_720_800_000_000, 1_720_814_400_000), &c).unwrap();
    assert_eq!(line(&e[0]), "2024-07-12 09:00-13:00 T");
    let e = parse_month(&item(1_705_327_200_000, 1_705_341_600_000), &c).unwrap();
    assert_eq!(line(&e[0]), "2024-01-15 06:00-10:00 T");
    // 2024-03-10 10:00 UTC is 03:00 PDT on the spring-forward day (09:00 UTC was 01:00 PST).
    let e = parse_month(&item(1_710_064_800_000, 1_710_072_000_000), &c).unwrap();
    assert_eq!(line(&e[0]), "2024-03-10 03:00-05:00 T");
    let e = parse_month(&item(1_710_061_200_000, 1_710_064_800_000), &c).unwrap();
    assert_eq!(line(&e[0]), "2024-03-10 01:00-03:00 T");
}

#[test]
fn bad_replies_are_parse_errors_and_empty_is_no_events() {
    let c = ctx(day(2025, 7, 1));
    assert!(parse_month("[]", &c).unwrap().is_empty());
    assert!(
        parse_month("<html>oops</html>", &c)
            .unwrap_err()
            .message
            .contains("not JSON")
    );
    assert!(
        parse_month(r#"{"items":[]}"#, &c)
            .unwrap_err()
            .message
            .contains("not a JSON array")
    );
}
