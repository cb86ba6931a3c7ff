use atg_scrapers::sources::stoup::parse;

use crate::support::*;

#[test]
fn entries_give_three_events_with_hours() {
    let events = parse(
        &fixture("sources/stoup_entries.html"),
        &ctx(day(2025, 8, 2)),
    )
    .unwrap();
    assert_eq!(
        lines(&events),
        [
            "2025-08-02 13:00-20:00 Cedar Smoke BBQ",
            "2025-08-03 12:00-21:00 Pho Real",
            "2025-08-04 14:00-19:00 Pierogi Wagon",
        ]
    );
    assert!(
        events
            .iter()
            .all(|e| e.description.is_none() && e.brewery_name == "Test Brewery")
    );
}

#[test]
fn the_week_page_gives_every_card_with_its_hours() {
    let events = parse(
        &fixture("sources/stoup_ballard_week.html"),
        &ctx(day(2025, 7, 30)),
    )
    .unwrap();
    assert_eq!(
        lines(&events),
        [
            // A lunch truck without hours and an evening truck share the day.
            "2025-07-26 Momo Street",
            "2025-07-26 13:00-20:00 Taqueria La Brisa",
            "2025-07-27 13:00-19:00 Bao Down / Kimchi Cart",
            "2025-07-28 17:00-20:00 Arepa Republic",
            "2025-07-29 17:00-20:00 Pierogi Wagon",
            "2025-07-30 16:30-20:30 Cedar Smoke BBQ",
            "2025-07-31 12:00-16:00 Salmon Run Fish & Chips",
            "2025-08-01 17:00-21:00 Gyro Heroes",
        ]
    );
    let in_week = events
        .iter()
        .filter(|e| atg_core::ScheduleWindow::starting(day(2025, 7, 30)).contains(e.date))
        .count();
    assert_eq!(in_week, 3);
}

/// The original's suite (spec §12): its capture of the real page gives thirty events.
#[test]
fn the_originals_capture_gives_its_thirty_events() {
    let Some(page) = original(
        "original/html/stoup_ballard_sample.html",
        "stoup: the original's real page",
    ) else {
        return;
    };
    let events = parse(&page, &ctx(day(2025, 7, 5))).unwrap();
    assert_eq!(events.len(), 30);
    let l = lines(&events);
    assert_eq!(
        &l[..15],
        [
            "2025-07-05 13:00-20:00 Woodshop BBQ",
            "2025-07-06 13:00-19:00 Burger Planet",
            "2025-07-07 17:00-20:00 Where Ya At Matt",
            "2025-07-08 17:00-20:00 Poke Me",
            "2025-07-09 16:30-20:30 Paparepas",
            "2025-07-10 12:00-16:00 Birrieria Pepe El Toro",
            "2025-07-11 17:00-21:00 Georgia's Greek",
            "2025-07-12 Don Luchos",
            "2025-07-12 13:00-20:00 Tat's Truck",
            "2025-07-13 13:00-19:00 El Pirata Tortas Y Burritos / Now Make Me A Sandwich",
            "2025-07-14 17:00-20:00 Russo Pizzarium",
            "2025-07-15 17:00-20:00 Tacos & Beer",
            "2025-07-16 17:00-20:00 The Marigold Wood Fired Pizza",
            "2025-07-17 17:00-20:00 La Costenita",
            "2025-07-18 17:00-21:00 Off the Rez",
        ]
    );
    assert_eq!(l[29].split_once(' ').unwrap().0, "2025-08-01");
    let in_week = events
        .iter()
        .filter(|e| atg_core::ScheduleWindow::starting(day(2025, 7, 5)).contains(e.date))
        .count();
    assert_eq!(in_week, 9);
    let Some(structured) = original(
        "original/html/stoup_structured.html",
        "stoup: the original's structured sample",
    ) else {
        return;
    };
    assert_eq!(
        lines(&parse(&structured, &ctx(day(2025, 7, 5))).unwrap()),
        [
            "2025-07-05 13:00-20:00 Woodshop BBQ",
            "2025-07-06 12:00-21:00 Taco Truck Supreme",
            "2025-07-07 14:00-19:00 Burger Paradise",
        ]
    );
}

#[test]
fn pages_without_entries_have_no_events_and_no_error() {
    for f in [
        "page_malformed.html",
        "page_empty.html",
        "page_not_found.html",
    ] {
        let events = parse(&fixture(&format!("sources/{f}")), &ctx(day(2025, 7, 5))).unwrap();
        assert!(events.is_empty(), "{f}");
    }
    for f in ["malformed.html", "empty.html", "error_404.html"] {
        let check = format!("stoup: the original's {f}");
        if let Some(page) = original(&format!("original/html/{f}"), &check) {
            assert!(
                parse(&page, &ctx(day(2025, 7, 5))).unwrap().is_empty(),
                "{f}"
            );
        }
    }
}

#[test]
fn a_blank_body_is_a_parse_error() {
    assert!(parse("  \n", &ctx(day(2025, 7, 5))).is_err());
}

#[test]
fn entry_cases() {
    let page = |inner: &str| format!("<html><body>{inner}</body></html>");
    let c = ctx(day(2025, 7, 5));
    // Only one p: it is the name; no times.
    let e = parse(
        &page(r#"<div class="food-truck-entry"><h4>Sat 07.05</h4><p>Solo Truck</p></div>"#),
        &c,
    )
    .unwrap();
    assert_eq!(lines(&e), ["2025-07-05 Solo Truck"]);
    // A heading without MM.DD: skipped.
    let e = parse(&page(r#"<div class="food-truck-entry"><h4>Invalid Date Format</h4><p>1 — 8pm</p><p>X</p></div>"#), &c).unwrap();
    assert!(e.is_empty());
    // 02.30 does not exist: skipped, the next entry still read.
    let e = parse(&page(r#"<div class="food-truck-entry"><h4>Mon 02.30</h4><p>1 — 8pm</p><p>X</p></div><div class="food-truck-entry"><h4>Sun 07.06</h4><p>11 — 3pm</p><p>Y</p></div>"#), &c).unwrap();
    assert_eq!(lines(&e), ["2025-07-06 11:00-15:00 Y"]);
}

#[test]
fn current_format_reads_each_entry_on_its_own() {
    let c = ctx(day(2025, 12, 29));
    let entry = |date: &str, hrs: &str, name: &str| {
        format!(
            r#"<div class="food-truck-day"><div><img src="x.png"><div class="lunch-truck-info"><h4>{date}</h4><div class="hrs">{hrs}</div>{name}<br></div></div></div>"#
        )
    };
    let html = format!(
        "<html><body>{}{}{}{}{}</body></html>",
        entry("Mon 12.29", "11 &mdash; 3pm", "Early Bird"),
        entry("Tue 12.30", "13 &mdash; 8pm", "Twenty Four Hour"),
        entry("Fri 01.02", "10am - 2pm", "New Year Truck"),
        entry(
            "Sat 01.03",
            "4:30 to 8:30pm",
            "<a href='/t'>Linked</a> Truck"
        ),
        entry("Sun 01.04", "", ""),
    );
    let events = parse(&html, &c).unwrap();
    assert_eq!(
        lines(&events),
        [
            "2025-12-29 11:00-15:00 Early Bird",
            "2025-12-30 13:00-20:00 Twenty Four Hour",
            "2026-01-02 10:00-14:00 New Year Truck",
            "2026-01-03 16:30-20:30 Linked Truck",
        ]
    );
}

#[test]
fn section_fallback_reads_lines_of_text() {
    let html = "<html><body><section><h2>Food Truck Schedule</h2><p>Sat 07.05</p><p>1 — 8pm</p><p>Woodshop BBQ</p><p>Sun 07.06</p><p>Burger Planet</p></section><section><p>Sat 07.05</p><p>Unrelated</p></section></body></html>";
    let events = parse(html, &ctx(day(2025, 7, 5))).unwrap();
    assert_eq!(
        lines(&events),
        [
            "2025-07-05 13:00-20:00 Woodshop BBQ",
            "2025-07-06 Burger Planet"
        ]
    );
}
