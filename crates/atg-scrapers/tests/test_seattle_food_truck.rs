use atg_scrapers::sources::seattle_food_truck::{parse, truck_name};
use serde_json::json;

use crate::support::*;

#[test]
fn approved_bookings_with_pacific_times() {
    let events = parse(
        &fixture("sources/seattle_food_truck_events.json"),
        &ctx(day(2025, 8, 1)),
    )
    .unwrap();
    assert_eq!(
        lines(&events),
        [
            "2025-08-02 17:00-20:00 Pumpkin Thai",
            "2025-08-03 11:00-18:00 MOMO Express",
            "2025-08-04 11:00-14:00 TBD",
        ]
    );
    assert_eq!(
        events[0].description.as_deref(),
        Some("Cuisine: Asian, Thai, Vegetarian")
    );
    assert_eq!(
        events[1].description.as_deref(),
        Some("Cuisine: Asian, BBQ, Sandwiches")
    );
    assert_eq!(events[2].description, None);
}

#[test]
fn reply_shapes() {
    let c = ctx(day(2025, 8, 1));
    assert!(parse("{}", &c).unwrap().is_empty());
    assert!(parse(r#"{"events":[]}"#, &c).unwrap().is_empty());
    assert!(
        parse(r#"{"events":"nope"}"#, &c)
            .unwrap_err()
            .message
            .contains("not a list")
    );
    assert!(
        parse("[1,2]", &c)
            .unwrap_err()
            .message
            .contains("not a JSON object")
    );
    assert!(
        parse("<html>", &c)
            .unwrap_err()
            .message
            .contains("not JSON")
    );
}

#[test]
fn truck_names() {
    assert_eq!(
        truck_name(&json!({"name": "  Grilled Cheese & Co  "})),
        "Grilled Cheese & Co"
    );
    for n in [
        json!({"name": ""}),
        json!({"name": "   "}),
        json!({"name": "TBD"}),
        json!({"name": "tba"}),
        json!({"name": "TO BE ANNOUNCED"}),
        json!({}),
    ] {
        assert_eq!(truck_name(&n), "TBD", "{n}");
    }
}
