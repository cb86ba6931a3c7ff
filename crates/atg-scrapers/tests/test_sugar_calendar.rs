use atg_scrapers::sources::hivey::parse as parse_hivey;
use atg_scrapers::sources::sugar_calendar::{parse_ajax_reply, parse_calendar_page};
use atg_scrapers::text::name_from_image_url;
use atg_scrapers::timeparse::parse_loose_date;

use crate::support::*;

fn vendor_ids() -> Vec<(String, String)> {
    vec![(
        "67f6f44de4ca31e444ef637d".into(),
        "Tolu Modern Fijian Cuisine".into(),
    )]
}

#[test]
fn calendar_page_keeps_food_truck_cells_only() {
    let (events, form) = parse_calendar_page(
        &fixture("sources/sugar_calendar_july_2025.html"),
        &ctx(day(2025, 7, 30)),
    )
    .unwrap();
    assert_eq!(
        lines(&events),
        [
            "2025-07-30 16:00-20:00 9th and Hennepin",
            "2025-07-31 12:00 Burger Planet & Friends",
            "2025-07-30 16:00-20:00 9th and Hennepin",
        ]
    );
    let form = form.expect("the page carries the next-month form");
    let get = |k: &str| form.iter().find(|(f, _)| f == k).map(|(_, v)| v.as_str());
    assert_eq!(get("action"), Some("sugar_calendar_block_update"));
    assert_eq!(get("nonce"), Some("908125549b"));
    assert_eq!(get("calendar_block[id]"), Some("sc-code-1"));
    assert_eq!(
        get("calendar_block[attributes]"),
        Some(r#"{"display":"month"}"#)
    );
    assert_eq!(get("calendar_block[month]"), Some("7"));
    assert_eq!(get("calendar_block[year]"), Some("2025"));
    assert_eq!(get("calendar_block[day]"), Some("30"));
    assert_eq!(get("calendar_block[search]"), Some(""));
    assert_eq!(get("calendar_block[accentColor]"), Some("#5685BD"));
    assert_eq!(get("calendar_block[display]"), Some("month"));
    assert_eq!(
        get("calendar_block[visitor_tz]"),
        Some("America/Los_Angeles")
    );
    assert_eq!(get("calendar_block[action]"), Some("next_month"));
    assert_eq!(form.len(), 14);
}

#[test]
fn ajax_reply_gives_next_months_cells() {
    let events = parse_ajax_reply(
        &fixture("sources/sugar_calendar_august_2025_ajax.json"),
        &ctx(day(2025, 7, 30)),
    )
    .unwrap();
    assert_eq!(lines(&events), ["2025-08-02 13:00-19:00 Kaosamai"]);
    assert!(parse_ajax_reply(r#"{"success":false}"#, &ctx(day(2025, 7, 30))).is_err());
    assert!(
        parse_ajax_reply(
            r#"{"success":true,"data":{"body":"  "}}"#,
            &ctx(day(2025, 7, 30))
        )
        .is_err()
    );
}

#[test]
fn a_page_without_the_form_has_no_next_month() {
    let (events, form) =
        parse_calendar_page("<html><body>closed</body></html>", &ctx(day(2025, 7, 30))).unwrap();
    assert!(events.is_empty() && form.is_none());
}

#[test]
fn hivey_items() {
    let events = parse_hivey(
        &fixture("sources/hivey_public_calendar.json"),
        &vendor_ids(),
        &ctx(day(2025, 7, 5)),
    )
    .unwrap();
    assert_eq!(
        lines(&events),
        [
            "2025-07-06 13:00-19:00 Kaosamia Thai",
            "2025-07-07 16:00-20:00 Tolu Modern Fijian Cuisine",
            "2025-07-08 16:00-20:00 Georgia Greek",
            "2025-07-09 TBD",
            "2025-07-10 TBD",
            "2025-07-11 Special Event - Pizza Night",
        ]
    );
    // A truck known only by its logo keeps the image for the vision step.
    assert_eq!(
        events[3].image_url.as_deref(),
        Some("https://hivey.s3.amazonaws.com/UpdatedLogo_BLK.png")
    );
    assert!(events[3].awaits_vision());
    assert!(events[4].image_url.is_none() && !events[4].awaits_vision());
    assert_eq!(events[5].description.as_deref(), Some("Wood-fired & tasty"));
    assert!(events.iter().all(|e| !e.ai_generated_name));
}

#[test]
fn hivey_shapes() {
    let c = ctx(day(2025, 7, 5));
    assert!(parse_hivey("[]", &[], &c).unwrap().is_empty());
    assert!(parse_hivey("{}", &[], &c).unwrap().is_empty());
    let wrapped = r#"{"events":[{"eventTitle":"FOOD TRUCK - Good Eats","eventDates":[{"date":"July 06, 2025"}]}]}"#;
    assert_eq!(
        lines(&parse_hivey(wrapped, &[], &c).unwrap()),
        ["2025-07-06 Good Eats"]
    );
    let data = r#"{"data":[{"name":"Data Truck","date":"2025-07-07"}]}"#;
    assert_eq!(
        lines(&parse_hivey(data, &[], &c).unwrap()),
        ["2025-07-07 Data Truck"]
    );
    assert!(parse_hivey("\"a string\"", &[], &c).is_err());
    assert!(parse_hivey("42", &[], &c).is_err());
    assert!(
        parse_hivey("<html>", &[], &c)
            .unwrap_err()
            .message
            .contains("not JSON")
    );
}

#[test]
fn names_from_image_files() {
    let n = |f: &str| name_from_image_url(&format!("https://cdn.test/u/{f}"));
    assert_eq!(
        n("georgia_greek_logo.jpg").as_deref(),
        Some("Georgia Greek")
    );
    assert_eq!(n("woodshop_bbq.png").as_deref(), Some("Woodshop Bbq"));
    assert_eq!(
        n("awesome_tacos_logo.jpg").as_deref(),
        Some("Awesome Tacos")
    );
    assert_eq!(
        n("georgias_greek_food.jpg").as_deref(),
        Some("Georgias Greek Food")
    );
    assert_eq!(n("LOGO_momo.png").as_deref(), Some("Momo"));
    assert_eq!(n("kaosamia.png").as_deref(), Some("Kaosamia"));
    assert_eq!(n("georgia's_greek.png").as_deref(), Some("Georgia's Greek"));
    assert_eq!(n("WebPreview-Georgias.png").as_deref(), Some("Georgias"));
    // The original made "Img 1234" of this, and kept other filler.
    for junk in [
        "logo.png",
        "UpdatedLogo_BLK.png",
        "logo_main_updated.jpg",
        "logo_updated_main.jpg",
        "IMG_1234.jpg",
        "DSC0042.JPG",
        "a.png",
    ] {
        assert_eq!(n(junk), None, "{junk}");
    }
}

#[test]
fn loose_dates() {
    let t = day(2025, 7, 5);
    assert_eq!(
        parse_loose_date("July 06, 2025", t, atg_core::PACIFIC),
        Some(day(2025, 7, 6))
    );
    assert_eq!(
        parse_loose_date("July 06 2025", t, atg_core::PACIFIC),
        Some(day(2025, 7, 6))
    );
    assert_eq!(
        parse_loose_date("December 25, 2025", t, atg_core::PACIFIC),
        Some(day(2025, 12, 25))
    );
    assert_eq!(
        parse_loose_date("07/05/2025", t, atg_core::PACIFIC),
        Some(day(2025, 7, 5))
    );
    assert_eq!(
        parse_loose_date("07-05-2025", t, atg_core::PACIFIC),
        Some(day(2025, 7, 5))
    );
    assert_eq!(
        parse_loose_date("Sat 07.05", t, atg_core::PACIFIC),
        Some(day(2025, 7, 5))
    );
    assert_eq!(
        parse_loose_date("Tue 01.15", t, atg_core::PACIFIC),
        Some(day(2026, 1, 15))
    );
    assert_eq!(
        parse_loose_date("Jul 05", t, atg_core::PACIFIC),
        Some(day(2025, 7, 5))
    );
    assert_eq!(
        parse_loose_date("2025-07-15T21:30:00Z", t, atg_core::PACIFIC),
        Some(day(2025, 7, 15))
    );
    assert_eq!(parse_loose_date("invalid date", t, atg_core::PACIFIC), None);
    assert_eq!(parse_loose_date("", t, atg_core::PACIFIC), None);
}
