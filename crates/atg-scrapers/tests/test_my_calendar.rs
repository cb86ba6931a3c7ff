use atg_scrapers::sources::my_calendar::{parse, vendor_from_title};

use crate::support::*;

const CAL: &str = "mc-948a6a8e8cd15db324902317a630b853";

#[test]
fn list_view_food_trucks_only_with_pacific_times() {
    let events = parse(
        &fixture("sources/my_calendar_july_2025.html"),
        CAL,
        "mc_food-truck",
        &ctx(day(2025, 7, 30)),
    )
    .unwrap();
    // Words are not glued ("TisketTasket" in the original) and the naive end time is Pacific
    // already (the original shifted it to 13:00). The live-music article and the day without
    // `mc-events` are not trucks.
    assert_eq!(
        lines(&events),
        [
            "2025-07-30 16:00-20:00 Tisket Tasket",
            "2025-07-31 Kaosamai Thai"
        ]
    );
}

#[test]
fn utc_content_attribute_converts_and_overnight_end_is_next_day() {
    let events = parse(
        &fixture("sources/my_calendar_august_2025.html"),
        CAL,
        "mc_food-truck",
        &ctx(day(2025, 7, 30)),
    )
    .unwrap();
    assert_eq!(
        lines(&events),
        [
            "2025-08-01 16:00-20:00 Vandalz",
            "2025-07-30 16:00-20:00 Tisket Tasket"
        ]
    );
}

#[test]
fn a_page_without_the_calendar_is_an_error() {
    let e = parse(
        "<html><body>Maintenance</body></html>",
        CAL,
        "mc_food-truck",
        &ctx(day(2025, 7, 30)),
    )
    .unwrap_err();
    assert!(e.message.contains(CAL), "{e}");
    let empty = format!(r#"<div id="{CAL}"><p>No events this month</p></div>"#);
    assert!(
        parse(&empty, CAL, "mc_food-truck", &ctx(day(2025, 7, 30)))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn vendor_names_from_titles() {
    assert_eq!(
        vendor_from_title("Food Truck: Tisket Tasket"),
        "Tisket Tasket"
    );
    assert_eq!(vendor_from_title("food truck:  Lower Case"), "Lower Case");
    assert_eq!(vendor_from_title("Dinner : Kaosamai Thai"), "Kaosamai Thai");
    assert_eq!(vendor_from_title("Vandalz"), "Vandalz");
    assert_eq!(vendor_from_title("Food Truck:"), "Food Truck:");
    // Found by the property test: a letter whose lower case is longer in bytes.
    assert_eq!(vendor_from_title("ȺȺȺ Food truck: Tisket"), "Tisket");
    assert_eq!(vendor_from_title("ȺȺȺFood truck:"), "ȺȺȺFood truck:");
}
