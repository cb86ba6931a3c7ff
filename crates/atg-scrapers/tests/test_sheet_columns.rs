//! Sheets read by columns: the shipped entries (Chuck's Greenwood tab, Channel Marker Cider) on
//! this project's own sheets, and on the original's captures (UPSTREAM-LATER.md) where the
//! checkout has them.

use atg_scrapers::sources::sheet_columns::{Layout, parse, vendor_name};

use crate::support::*;

fn chucks() -> Layout {
    shipped_sheet("chucks-greenwood")
}

fn channel_marker() -> Layout {
    shipped_sheet("channel-marker")
}

#[test]
fn the_greenwood_tab_gives_dates_and_hours_and_no_phantoms() {
    let events = parse(
        &fixture("sources/chucks_greenwood_tab.csv"),
        &chucks(),
        &ctx(day(2025, 7, 30)),
    )
    .unwrap();
    assert_eq!(
        lines(&events),
        [
            "2025-07-28 17:00-21:00 Arepa Republic",
            "2025-07-30 17:00-21:00 Curry On Wheels",
            "2025-08-01 17:30-21:00 Salmon Run Fish & Chips",
            "2025-08-03 09:00-13:00 Sunrise Burrito Co.",
            "2025-08-04 17:00-21:00 Gyro Heroes",
            // Blank hours: the truck without times.
            "2025-08-05 Bao Down",
            // `Dinner: #VALUE!` on 6 August is no truck.
            "2025-08-07 17:00-21:00 Kimchi Cart",
            // Only a weekday in A: B's day, in the year that puts it on that weekday.
            "2025-08-08 17:00-21:00 Sourdough Pie Co.",
            "2025-08-09 12:00-20:00 Taqueria La Brisa",
            "2025-08-10 09:00-13:00 Pierogi Wagon",
            // Last year's block (Wed 31 July was 2024): last year, not phantoms this week.
            "2024-07-31 17:00-21:00 Pho Real",
            "2024-08-01 17:00-21:00 Cedar Smoke BBQ",
            "2024-08-02 17:00-21:00 Empanada Express",
        ]
    );
    assert_eq!(
        events[0].description.as_deref(),
        Some("Original event: Dinner: Arepa Republic")
    );
}

#[test]
fn the_old_tab_reads_without_hours_never_wrong_ones() {
    // The "GW Mobile" tab: a weekday in A, `12 AM` in C, a weekday in E.
    let events = parse(
        &fixture("sources/chucks_greenwood_sheet.csv"),
        &chucks(),
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
            "2025-08-05 Bao Down",
            "2025-08-07 Kimchi Cart",
            "2025-08-08 Sourdough Pie Co.",
            "2025-08-09 Taqueria La Brisa",
            "2025-08-10 Pierogi Wagon",
            "2025-08-11 Pho Real",
            "2025-08-13 Cedar Smoke BBQ",
            "2025-08-14 Empanada Express",
        ]
    );
}

#[test]
fn channel_markers_sheet_by_its_header_names() {
    let events = parse(
        &fixture("sources/channel_marker_sheet.csv"),
        &channel_marker(),
        &ctx(day(2025, 7, 30)),
    )
    .unwrap();
    assert_eq!(
        lines(&events),
        [
            "2025-07-29 17:00-20:00 Pho Real",
            "2025-07-31 17:00-20:30 Finn's Fish Tacos",
            "2025-08-01 11:00-15:00 Bao Down",
            "2025-08-02 17:00-20:00 Where's The Beef, Jerky?",
            "2025-08-06 Kimchi Cart",
            "2025-08-08 17:00-20:00 Empanada Express",
        ]
    );
}

/// UPSTREAM-LATER.md: Channel Marker Cider's sheet.
#[test]
fn the_originals_channel_marker_sample() {
    let Some(csv) = original(
        "upstream-later/csv/channel_marker_sample.csv",
        "sheets: the original's Channel Marker sample",
    ) else {
        return;
    };
    let events = parse(&csv, &channel_marker(), &ctx(day(2026, 3, 30))).unwrap();
    assert_eq!(
        lines(&events),
        [
            "2026-03-31 17:00-20:00 Where Ya At, Matt?",
            "2026-04-01 17:00-20:00 La Rivera Maya",
            "2026-04-02 17:00-21:00 La Costenita",
            "2026-04-03 17:00-20:00 Now Make Me A Sandwich",
            "2026-04-08 17:00-20:00 Birrieria Pepe El Toro",
            "2026-04-09 17:00-20:00 Where Ya At, Matt?",
            "2026-04-15 17:00-20:00 Kaosamai",
            "2026-04-29 17:00-20:00 El Pachi Empanadas",
        ]
    );
}

/// UPSTREAM-LATER.md: Chuck's Greenwood tab (CRLF), and the old tab for comparison.
#[test]
fn the_originals_greenwood_samples() {
    let Some(csv) = original(
        "upstream-later/csv/chucks_greenwood_sample.csv",
        "sheets: the original's Greenwood tab",
    ) else {
        return;
    };
    let events = parse(&csv, &chucks(), &ctx(day(2026, 9, 1))).unwrap();
    let l = lines(&events);
    assert!(
        l.contains(&"2026-09-04 17:00-21:00 Where ya at Matt".to_string()),
        "{l:#?}"
    );
    assert!(
        l.contains(&"2026-09-06 09:00-12:00 Cocina Barelas".to_string()),
        "{l:#?}"
    );
    assert!(
        l.contains(&"2026-11-01 09:00-14:00 Sunny Up".to_string()),
        "{l:#?}"
    );
    assert!(
        l.contains(&"2026-11-02 17:00-21:00 Sam Choy's".to_string()),
        "{l:#?}"
    );
    assert!(!l.iter().any(|e| e.contains("Trivia")), "{l:#?}");
    assert_eq!(events.len(), 14, "{l:#?}");
    if let Some(old) = original(
        "upstream-later/csv/chucks_greenwood_sample.aa00b00.csv",
        "sheets: the original's old tab",
    ) {
        let events = parse(&old, &chucks(), &ctx(day(2025, 8, 5))).unwrap();
        assert_eq!(events.len(), 18);
        assert!(events.iter().all(|e| e.start_time.is_none()));
    }
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
    let events = parse(&sheet, &chucks(), &ctx(day(2025, 8, 5))).unwrap();
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
}

#[test]
fn mixed_types_prefixes_and_bad_rows() {
    let events = parse(
        &fixture("sources/sheets_mixed_types.csv"),
        &chucks(),
        &ctx(day(2025, 7, 30)),
    )
    .unwrap();
    assert_eq!(
        lines(&events),
        [
            "2025-07-30 Tat's Deli",
            "2025-07-31 Chick'n Fix, the original",
            "2025-08-02 Pop-Up: Sunny Up",
            "2025-08-04 Long Month Name",
        ]
    );
}

#[test]
fn header_only_html_and_blank() {
    let c = ctx(day(2025, 8, 5));
    for body in [
        fixture("sources/sheets_header_only.csv"),
        fixture("sources/sheet_published_as_html.html"),
        "a,b\nc,d\n".to_string(),
    ] {
        assert!(parse(&body, &chucks(), &c).unwrap().is_empty(), "{body}");
    }
    if let Some(page) = original(
        "original/html/chucks_greenwood_sample.html",
        "sheets: the original's HTML sample",
    ) {
        assert!(parse(&page, &chucks(), &c).unwrap().is_empty());
    }
    assert!(parse("", &chucks(), &c).is_err());
    // A header the entry names that the sheet no longer has: the sheet changed.
    let e = parse("WHEN,WHO\n8/1/25,X\n", &channel_marker(), &c).unwrap_err();
    assert!(e.to_string().contains("no column"), "{e}");
}

#[test]
fn january_dates_in_december_are_next_year() {
    let csv = "h\nThu,Jan 15,12 AM,to,Thu,Food Truck,Winter Truck\nFri,Feb 20,12 AM,to,Fri,Food Truck,Later Truck\n";
    assert_eq!(
        lines(&parse(csv, &chucks(), &ctx(day(2025, 12, 15))).unwrap()),
        ["2026-01-15 Winter Truck", "2026-02-20 Later Truck"]
    );
}

#[test]
fn vendor_name_prefixes() {
    let p = chucks().name_prefixes;
    assert_eq!(
        vendor_name("Dinner: T'Juana", &p).as_deref(),
        Some("T'Juana")
    );
    assert_eq!(
        vendor_name("brunch:Good Morning Tacos", &p).as_deref(),
        Some("Good Morning Tacos")
    );
    assert_eq!(
        vendor_name("Special: Some Vendor", &p).as_deref(),
        Some("Special: Some Vendor")
    );
    assert_eq!(vendor_name("Dinner: ", &p), None);
    assert_eq!(vendor_name("Dinner: #value!", &p), None);
    assert_eq!(vendor_name("", &p), None);
}
