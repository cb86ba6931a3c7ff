use atg_scrapers::sources::sheets_csv::{Rules, parse, vendor_name};

use crate::support::*;

fn rules() -> Rules {
    Rules {
        event_type: "Food Truck".into(),
        name_prefixes: ["breakfast", "brunch", "lunch", "dinner"]
            .map(String::from)
            .to_vec(),
    }
}

#[test]
fn the_sheet_gives_its_trucks_and_leaves_its_events() {
    let events = parse(
        &fixture("sources/chucks_greenwood_sheet.csv"),
        &Rules::default(),
        &ctx(day(2025, 7, 30)),
    )
    .unwrap();
    assert_eq!(
        lines(&events),
        [
            "2025-07-28 Arepa Republic",
            "2025-07-30 Curry On Wheels",
            "2025-08-01 Salmon Run Fish & Chips",
            "2025-08-03 Sunrise Burrito Co.",
            "2025-08-04 Gyro Heroes",
            // The original's prefixes are Brunch and Dinner only (`name_prefixes` adds more).
            "2025-08-05 Lunch: Bao Down",
            "2025-08-07 Kimchi Cart",
            "2025-08-08 Sourdough Pie Co.",
            "2025-08-09 Taqueria La Brisa",
            "2025-08-10 Pierogi Wagon",
            "2025-08-11 Pho Real",
            "2025-08-13 Cedar Smoke BBQ",
            "2025-08-14 Empanada Express",
        ]
    );
    assert_eq!(
        events[0].description.as_deref(),
        Some("Original event: Dinner: Arepa Republic")
    );
    assert!(
        events
            .iter()
            .all(|e| e.start_time.is_none() && e.end_time.is_none())
    );
}

/// The original's suite (spec §12): its sample sheet gives eighteen trucks.
#[test]
fn the_originals_sample_sheet_gives_eighteen_trucks() {
    let Some(sheet) = original(
        "original/csv/chucks_greenwood_sample.csv",
        "sheets: the original's sample sheet",
    ) else {
        return;
    };
    let events = parse(&sheet, &Rules::default(), &ctx(day(2025, 8, 5))).unwrap();
    assert_eq!(events.len(), 18);
    let names: Vec<_> = events.iter().map(|e| e.vendor.as_str()).collect();
    assert_eq!(
        names,
        [
            "T'Juana",
            "Tat's Deli",
            "Good Morning Tacos",
            "Off the Rez",
            "Kaosamai Thai",
            "Chick'n Fix",
            "Pizza Paseano",
            "Eva's Wild Alaskan Salmon",
            "Cocina Barelas",
            "Sabor Boricua",
            "Momo Express",
            "Sunny Up POP UP!!!",
            "Sam Choy's",
            "Woodshop BBQ",
            "Georgia's Greek",
            "Oskar's Pizza",
            "Impeckable Chicken",
            "Where ya at Matt",
        ]
    );
    assert_eq!(line(&events[0]), "2025-08-01 T'Juana");
    assert_eq!(line(&events[17]), "2025-08-20 Where ya at Matt");
    assert_eq!(
        events[0].description.as_deref(),
        Some("Original event: Dinner: T'Juana")
    );
    assert!(
        !names
            .iter()
            .any(|n| n.contains("Trivia") || n.contains("Bingo"))
    );
}

#[test]
fn mixed_types_prefixes_and_bad_rows() {
    let events = parse(
        &fixture("sources/sheets_mixed_types.csv"),
        &rules(),
        &ctx(day(2025, 7, 30)),
    )
    .unwrap();
    assert_eq!(
        lines(&events),
        [
            "2025-07-30 Tat's Deli",
            "2025-07-31 Chick'n Fix, the original",
            "2025-08-02 Pop-Up: Sunny Up"
        ]
    );
}

#[test]
fn header_only_html_and_blank() {
    let c = ctx(day(2025, 8, 5));
    assert!(
        parse(&fixture("sources/sheets_header_only.csv"), &rules(), &c)
            .unwrap()
            .is_empty()
    );
    assert!(
        parse(
            &fixture("sources/sheet_published_as_html.html"),
            &rules(),
            &c
        )
        .unwrap()
        .is_empty()
    );
    if let Some(page) = original(
        "original/html/chucks_greenwood_sample.html",
        "sheets: the original's HTML sample",
    ) {
        assert!(parse(&page, &rules(), &c).unwrap().is_empty());
    }
    assert!(parse("a,b\nc,d\n", &rules(), &c).unwrap().is_empty());
    assert!(parse("", &rules(), &c).is_err());
}

#[test]
fn january_dates_in_december_are_next_year() {
    let csv = "h\nThu,Jan 15,12 AM,to,Thu,Food Truck,Winter Truck\nFri,Feb 20,12 AM,to,Fri,Food Truck,Later Truck\n";
    assert_eq!(
        lines(&parse(csv, &rules(), &ctx(day(2025, 12, 15))).unwrap()),
        ["2026-01-15 Winter Truck", "2026-02-20 Later Truck"]
    );
}

#[test]
fn vendor_name_prefixes() {
    let p = rules().name_prefixes;
    assert_eq!(
        vendor_name("Dinner: T'Juana", &p).as_deref(),
        Some("T'Juana")
    );
    assert_eq!(
        vendor_name("brunch:Good Morning Tacos", &p).as_deref(),
        Some("Good Morning Tacos")
    );
    assert_eq!(
        vendor_name("Lunch: Some Vendor", &p).as_deref(),
        Some("Some Vendor")
    );
    assert_eq!(
        vendor_name("Special: Some Vendor", &p).as_deref(),
        Some("Special: Some Vendor")
    );
    assert_eq!(vendor_name("Dinner: ", &p), None);
    assert_eq!(vendor_name("   ", &p), None);
    assert_eq!(vendor_name("", &p), None);
}
