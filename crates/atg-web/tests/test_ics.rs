use std::collections::HashSet;

use atg_web::ics::{TRUCK_SLUG_CHARS, render_calendar_in, truck_feed_name};
use atg_web::render_site;
use icalendar::{Calendar, CalendarComponent, Component, DatePerhapsTime};

use crate::support::*;

fn parse(text: &str) -> Calendar {
    text.parse::<Calendar>().unwrap()
}

fn events_of(cal: &Calendar) -> Vec<&icalendar::Event> {
    cal.components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .collect()
}

#[test]
fn parses_back_with_one_event_each_and_unique_stable_uids() {
    let text = render_calendar("Ballard Food Trucks", &week());
    assert!(
        text.contains("\r\n") && !text.replace("\r\n", "").contains('\n'),
        "CRLF only"
    );
    let cal = parse(&text);
    let evs = events_of(&cal);
    assert_eq!(evs.len(), 7);
    let uids: HashSet<_> = evs
        .iter()
        .map(|e| e.get_uid().unwrap().to_string())
        .collect();
    assert_eq!(uids.len(), 7);
    // Stable: the same events give the same file, byte for byte.
    assert_eq!(text, render_calendar("Ballard Food Trucks", &week()));
    // A UID belongs to the event, not to its position.
    let mut reversed = week();
    reversed.reverse();
    let again: HashSet<_> = events_of(&parse(&render_calendar("x", &reversed)))
        .iter()
        .map(|e| e.get_uid().unwrap().to_string())
        .collect();
    assert_eq!(uids, again);
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "{line:?}");
    }
}

#[test]
fn times_are_pacific_across_the_fall_back_and_untimed_days_are_all_day() {
    let text = render_calendar("x", &week());
    assert!(text.contains("BEGIN:VTIMEZONE\r\nTZID:America/Los_Angeles"));
    assert!(text.contains("DTSTART;TZID=America/Los_Angeles:20261030T130000"));
    assert!(text.contains("DTSTART;TZID=America/Los_Angeles:20261101T160000"));
    assert!(text.contains("DTEND;TZID=America/Los_Angeles:20261104T020000"));
    assert!(text.contains("DTSTART;VALUE=DATE:20261101\r\nDTEND;VALUE=DATE:20261102"));
    let cal = parse(&text);
    let evs = events_of(&cal);
    let tj = evs
        .iter()
        .find(|e| e.get_summary().unwrap().starts_with("T'Juana"))
        .unwrap();
    assert!(matches!(tj.get_start(), Some(DatePerhapsTime::Date(_))));
    let obec = evs
        .iter()
        .find(|e| e.get_summary().unwrap().starts_with("Kaosamai"))
        .unwrap();
    match obec.get_start() {
        Some(DatePerhapsTime::DateTime(dt)) => {
            // 16:00 PST on 2026-11-01 (after the fall-back) is 00:00 UTC on 11-02.
            let utc = dt.try_into_utc().unwrap();
            assert_eq!(utc.to_rfc3339(), "2026-11-02T00:00:00+00:00");
        }
        other => panic!("{other:?}"),
    }
    let stoup = evs
        .iter()
        .find(|e| e.get_summary().unwrap().starts_with("Woodshop"))
        .unwrap();
    match stoup.get_start() {
        // 13:00 PDT on 2026-10-30 is 20:00 UTC.
        Some(DatePerhapsTime::DateTime(dt)) => assert_eq!(
            dt.try_into_utc().unwrap().to_rfc3339(),
            "2026-10-30T20:00:00+00:00"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn text_is_escaped_and_ai_names_say_so() {
    let text = render_calendar("x", &week());
    assert!(text.contains("SUMMARY:Night Owl\\; Tacos\\, Etc. @ Stoup Brewing - Ballard"));
    let cal = parse(&text);
    let owl = events_of(&cal)
        .into_iter()
        .find(|e| e.get_summary().unwrap().starts_with("Night Owl"))
        .unwrap();
    assert_eq!(
        owl.get_summary(),
        Some("Night Owl; Tacos, Etc. @ Stoup Brewing - Ballard")
    );
    assert!(text.contains("read from an image by AI"));
    assert!(!text.contains("DTSTAMP:2026") || text.contains("DTSTAMP:20261030T000000Z"));
}

#[test]
fn the_site_has_the_page_data_and_one_feed_per_brewery() {
    let files = render_site(&schedule(&week(), &errors()), None, updated())
        .unwrap()
        .files;
    let names: Vec<_> = files.iter().map(|f| f.path.as_str()).collect();
    for n in [
        "index.html",
        "app.js",
        "style.css",
        "data.json",
        "events.ics",
        "events-stoup-ballard.ics",
        "events-wheelie-pop.ics",
    ] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
    // The page and data, one feed for everything, one per brewery, one per truck of the week.
    let trucks = names
        .iter()
        .filter(|n| n.starts_with("events-truck-"))
        .count();
    assert_eq!(trucks, 7, "{names:?}");
    assert_eq!(names.len(), 5 + 7 + trucks);
    // The feeds are streamed to disk as they are written: byte for byte the rendered text.
    let all = files.iter().find(|f| f.path == "events.ics").unwrap();
    assert_eq!(
        std::str::from_utf8(&all.bytes().unwrap()).unwrap(),
        render_calendar("Ballard Food Trucks", &week())
    );
    let owl = files
        .iter()
        .find(|f| f.path == truck_feed_name("Night Owl; Tacos, Etc."))
        .unwrap();
    let owl_bytes = owl.bytes().unwrap();
    let owl_text = std::str::from_utf8(&owl_bytes).unwrap();
    assert!(
        owl_text.contains("X-WR-CALNAME:Night Owl\\; Tacos\\, Etc.: where to find it"),
        "{owl_text}"
    );
    // A truck's feed has the same event, with the same UID, as the brewery's and the main one.
    let uids = |name: &str| {
        let f = files.iter().find(|f| f.path == name).unwrap();
        events_of(&parse(std::str::from_utf8(&f.bytes().unwrap()).unwrap()))
            .iter()
            .filter_map(|e| e.get_uid().map(str::to_string))
            .collect::<Vec<_>>()
    };
    let owl_uids = uids(&truck_feed_name("Night Owl; Tacos, Etc."));
    assert_eq!(owl_uids.len(), 1);
    assert!(uids("events.ics").contains(&owl_uids[0]));
    assert!(uids("events-stoup-ballard.ics").contains(&owl_uids[0]));
    let wheelie = files
        .iter()
        .find(|f| f.path == "events-wheelie-pop.ics")
        .unwrap();
    assert!(
        events_of(&parse(
            std::str::from_utf8(&wheelie.bytes().unwrap()).unwrap()
        ))
        .is_empty()
    );
    let stoup = files
        .iter()
        .find(|f| f.path == "events-stoup-ballard.ics")
        .unwrap();
    assert_eq!(
        events_of(&parse(
            std::str::from_utf8(&stoup.bytes().unwrap()).unwrap()
        ))
        .len(),
        2
    );
    // No file of the site refers to another host for anything it loads.
    for f in files
        .iter()
        .filter(|f| ["index.html", "style.css"].contains(&f.path.as_str()))
    {
        let bytes = f.bytes().unwrap();
        let s = std::str::from_utf8(&bytes).unwrap();
        assert!(
            !s.contains("src=\"http")
                && !s.contains("href=\"http")
                && !s.contains("url(http")
                && !s.contains("@import"),
            "{}",
            f.path
        );
    }
}

#[test]
fn feeds_from_data_json_alone_are_the_feeds_from_the_events() {
    // The deploy activity gets only data.json: the feeds it publishes must be the same.
    let data = web_data(&week(), &errors(), None, updated());
    let round: Vec<_> = data.events.iter().map(|e| e.to_event().unwrap()).collect();
    let mut expected = week();
    for e in &mut expected {
        e.image_url = None;
    }
    assert_eq!(round, expected);
    assert_eq!(render_calendar("x", &round), render_calendar("x", &week()));
    // A data.json without the added keys (the original's) still gives events.
    let mut old = data.events[0].clone();
    old.brewery_key.clear();
    old.vendor_name.clear();
    let e = old.to_event().unwrap();
    assert_eq!(
        (e.brewery_key.as_str(), e.vendor.as_str()),
        ("stoup-brewing-ballard", "Woodshop BBQ")
    );
}

#[test]
fn a_trucks_feed_name_is_bounded_and_its_own_on_any_file_system() {
    let owl = truck_feed_name("Night Owl; Tacos, Etc.");
    assert!(
        owl.starts_with("events-truck-night-owl-tacos-etc-"),
        "{owl}"
    );
    assert_eq!(owl.len(), "events-truck-night-owl-tacos-etc-".len() + 8 + 4);
    // Case and punctuation do not make another truck; another name always does.
    assert_eq!(truck_feed_name("NIGHT OWL: tacos etc"), owl);
    assert_ne!(truck_feed_name("Night Owl Tacos"), owl);
    // Three hundred letters make a name of at most 40 of them and a hash; two long names that
    // differ only past the slug still have feeds of their own.
    let long = "x".repeat(300);
    let a = truck_feed_name(&long);
    let b = truck_feed_name(&format!("{long}y"));
    assert!(
        a.len() <= "events-truck-".len() + TRUCK_SLUG_CHARS + 1 + 8 + 4,
        "{a}"
    );
    assert_ne!(a, b);
    assert_eq!(a.to_lowercase(), a);
    // A name without a letter or digit a file may carry: the hash alone.
    let thai = truck_feed_name("ครัวไทย");
    assert!(
        thai.starts_with("events-truck-") && thai.len() == "events-truck-".len() + 8 + 4,
        "{thai}"
    );
    assert_ne!(thai, truck_feed_name("ครัว"));
}

/// A calendar of `events` in Pacific time, the default site's.
fn render_calendar(name: &str, events: &[atg_core::FoodTruckEvent]) -> String {
    render_calendar_in(name, atg_core::PACIFIC, events)
}
