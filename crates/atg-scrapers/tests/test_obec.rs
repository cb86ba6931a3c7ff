use atg_scrapers::sources::obec::{DEFAULT_PATTERN, compile, parse};

use crate::support::*;

fn run(text: &str) -> Vec<String> {
    let html = format!("<html><body><p>{text}</p></body></html>");
    lines(
        &parse(
            &html,
            &compile(DEFAULT_PATTERN).unwrap(),
            &ctx(day(2025, 7, 5)),
        )
        .unwrap(),
    )
}

#[test]
fn todays_truck_from_the_page() {
    let events = parse(
        &fixture("sources/obec_home.html"),
        &compile(DEFAULT_PATTERN).unwrap(),
        &ctx(day(2025, 7, 30)),
    )
    .unwrap();
    assert_eq!(lines(&events), ["2025-07-30 16:00-20:00 Kaosamai Thai"]);
}

#[test]
fn the_originals_cases() {
    assert_eq!(
        run("Food truck: Kaosamai Thai 4:00 - 8:00"),
        ["2025-07-05 16:00-20:00 Kaosamai Thai"]
    );
    assert_eq!(
        run("Food truck: Noon Truck 12:30 - 18:00"),
        ["2025-07-05 12:30-18:00 Noon Truck"]
    );
    assert_eq!(
        run("Food truck: Five 5 - 9"),
        ["2025-07-05 17:00-21:00 Five"]
    );
    assert_eq!(
        run("Food truck: Dash 4:00 – 8:00"),
        ["2025-07-05 16:00-20:00 Dash"]
    );
    assert_eq!(
        run("Food truck: Dash 4:00—8:00"),
        ["2025-07-05 16:00-20:00 Dash"]
    );
    assert_eq!(run("Food truck: Late 25:00 - 30:00"), ["2025-07-05 Late"]);
    assert_eq!(
        run("FOOD TRUCK: Pizza Palace 5:00 - 9:00"),
        ["2025-07-05 17:00-21:00 Pizza Palace"]
    );
    assert_eq!(
        run("Food truck:    Whitespace Truck    12:00  -  16:00"),
        ["2025-07-05 12:00-16:00 Whitespace Truck"]
    );
    assert!(run("No trucks today").is_empty());
}

#[test]
fn hyphen_less_or_triple_ranges_give_no_times() {
    // The default pattern needs a dash in the hours, so use one that takes any hours text.
    let p = compile(r"Food truck:\s*([^0-9]+)\s*([0-9:\s-]+)").unwrap();
    let r = |t: &str| lines(&parse(&format!("<p>{t}</p>"), &p, &ctx(day(2025, 7, 5))).unwrap());
    assert_eq!(r("Food truck: A 4:00 8:00"), ["2025-07-05 A"]);
    assert_eq!(r("Food truck: B 4:00 - 6:00 - 8:00"), ["2025-07-05 B"]);
}

#[test]
fn custom_pattern_and_morning_hours() {
    let p = compile(r"Today.*?([A-Za-z\s]+?)\s+(\d+:\d+\s*-\s*\d+:\d+)").unwrap();
    let e = parse(
        "<p>Today we have Burger Joint 11:00 - 15:00</p>",
        &p,
        &ctx(day(2025, 7, 5)),
    )
    .unwrap();
    assert_eq!(e.len(), 1);
    assert!(e[0].vendor.contains("Burger Joint"), "{}", e[0].vendor);
    // The original read 11:00 as 23:00.
    assert_eq!(line(&e[0]).split(' ').nth(1), Some("11:00-15:00"));
}

#[test]
fn a_bad_pattern_is_a_configuration_problem() {
    assert!(
        compile("(unclosed")
            .unwrap_err()
            .starts_with("pattern: not a valid regular expression")
    );
    assert!(
        compile("no groups")
            .unwrap_err()
            .contains("two capture groups")
    );
}
