//! No input makes a parser panic or hang: arbitrary text, and text shaped like each source's.

use atg_scrapers::sources::{
    html_selectors, ical, json_ld, my_calendar, obec, seattle_food_truck, sheet_columns,
    squarespace, squarespace_list, stoup, sugar_calendar, tribe_events,
};
use atg_scrapers::timeparse::{find_range, parse_dash_range};
use proptest::prelude::*;

use crate::support::*;

fn ctx_any() -> impl Strategy<Value = atg_scrapers::ParseContext> {
    // Every "today" a run can have: `--as-of` and workflow input accept 1970–2200.
    (
        prop_oneof![1970i32..=1972, 2000i32..2100, 2198i32..=2200],
        1u32..=12,
        1u32..=28,
    )
        .prop_map(|(y, m, d)| ctx(day(y, m, d)))
}

/// Dates, epochs, offsets and durations at and past the ends of what chrono can hold.
fn extreme() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("+262142-12-31T23:59:59+14:00".to_string()),
        Just("-262143-01-01T00:00:00-14:00".to_string()),
        Just("262142-12-31".to_string()),
        Just("+262143-12-31".to_string()),
        Just("9999-12-31T23:59:59.999999999Z".to_string()),
        Just("0000-01-01T00:00:00+23:59".to_string()),
        Just("1969-12-31T16:00:00-08:00".to_string()),
        Just("9223372036854775807".to_string()),
        Just("-9223372036854775808".to_string()),
        Just("8210266876799999".to_string()),
        Just("1e308".to_string()),
        Just("-1.7976931348623157e308".to_string()),
        Just("12/31/262142".to_string()),
        Just("December 31, 262142".to_string()),
        Just("list-262142-12-31".to_string()),
        Just("T23:59:60".to_string()),
        Just("+99:99".to_string()),
        "[+-]?[0-9]{5,19}",
        "[+-]?[0-9]{4,7}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2})?([+-][0-9]{2}:[0-9]{2}|Z)?)?",
    ]
}

/// Text made of the pieces sources are made of, so the parsers' deeper paths are reached.
fn shaped() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<div class=\"food-truck-day\">".to_string()),
        Just("<div class='lunch-truck-info'><h4>Sat 07.05</h4><div class='hrs'>".to_string()),
        Just("<div class=\"food-truck-entry\"><h4>".to_string()),
        Just("<section>Food truck schedule".to_string()),
        Just("<li id=\"list-2025-07-30\" class=\"mc-events\"><article class=\"mc_food-truck\"><h3 class=\"event-title\">".to_string()),
        Just("<div id=\"mc-1\"><ul class=\"mc-list\">".to_string()),
        Just("<div class=\"sugar-calendar-block__event-cell\" data-calendarsinfo='{\"calendars\":[]}'>".to_string()),
        Just("<time datetime=\"2025-07-30T16:00:00\">".to_string()),
        Just("Food truck: ".to_string()),
        Just(" — ".to_string()),
        Just("noon".to_string()),
        Just("pm".to_string()),
        Just("\"collectionId\":\"".to_string()),
        Just("{\"events\":[{\"bookings\":[{\"status\":\"approved\",\"truck\":{\"name\":".to_string()),
        Just("[{\"title\":\"T\",\"startDate\":".to_string()),
        Just("Food Truck,Dinner: ".to_string()),
        Just(",".to_string()),
        Just("\n".to_string()),
        Just("</div>".to_string()),
        extreme(),
        Just("{\"startDate\":".to_string()),
        Just("\",\"end_date\":\"".to_string()),
        Just("<time datetime=\"".to_string()),
        Just("BEGIN:VCALENDAR\r\n".to_string()),
        Just("BEGIN:VEVENT\r\nUID:x\r\nSUMMARY:Food Truck: T\r\n".to_string()),
        Just("END:VEVENT\r\n".to_string()),
        Just("DTSTART;TZID=America/Los_Angeles:20261029T170000\r\n".to_string()),
        Just("DTSTART:19700101T000000Z\r\n".to_string()),
        Just("DTSTART;VALUE=DATE:2026".to_string()),
        Just("RRULE:FREQ=".to_string()),
        "(SECONDLY|MINUTELY|HOURLY|DAILY|WEEKLY|MONTHLY|YEARLY)(;INTERVAL=[0-9]{1,4})?(;COUNT=[0-9]{1,6})?(;BYDAY=(MO|TU|-1FR|2SU))?\r\n",
        Just("EXDATE:20261103T160000\r\n".to_string()),
        Just("RECURRENCE-ID:20261031T120000\r\n".to_string()),
        Just("DURATION:P".to_string()),
        Just("BEGIN:VTIMEZONE\r\nTZID:X\r\nBEGIN:STANDARD\r\nDTSTART:16011104T020000\r\nTZOFFSETTO:".to_string()),
        Just("<script type=\"application/ld+json\">".to_string()),
        Just("{\"@type\":\"FoodEvent\",\"name\":\"T\",\"startDate\":\"".to_string()),
        Just("\"@graph\":[".to_string()),
        Just("{\"events\":[{\"title\":\"T\",\"start_date\":\"2026-10-29 17:00:00\",\"timezone\":\"UTC-".to_string()),
        Just("<div class=\"user-items-list-carousel\" data-current-context=\"{&quot;userItems&quot;:[{&quot;title&quot;:&quot;T&quot;,&quot;description&quot;:&quot;&lt;p&gt;".to_string()),
        "[0-9]{1,13}",
        "[0-9]{1,2}[.:/-][0-9]{1,2}",
        "[a-zA-Z '&;]{0,12}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

/// What an attacker writes: one opening repeated until it nests deeper than any parser may
/// recurse, or one piece repeated past every count a loop could take (the limits of issue N
/// must refuse both without a stack overflow, a hang or a flood).
fn hostile() -> impl Strategy<Value = String> {
    let opening = prop_oneof![
        Just("<div class=\"e\">"),
        Just("<section>"),
        Just("["),
        Just("{\"@graph\":["),
        Just("{\"a\":"),
        Just("BEGIN:VEVENT\r\n"),
        Just("BEGIN:VCALENDAR\r\n"),
        Just("<li id=\"list-2025-07-30\" class=\"mc-events\"><ul class=\"mc-list\">"),
        Just("<div class=\"sugar-calendar-block__event-cell\">"),
    ];
    let repeated = prop_oneof![
        Just(
            "BEGIN:VEVENT\r\nUID:x\r\nDTSTART;VALUE=DATE:20250729\r\nDTEND;VALUE=DATE:20250808\r\nSUMMARY:T\r\nEND:VEVENT\r\n"
        ),
        Just("RDATE:20250730T120000Z\r\n"),
        Just("EXDATE:20250730T120000Z,20250731T120000Z\r\n"),
        Just(
            "<div class=\"food-truck-day\"><div class='lunch-truck-info'><h4>Wed 07.30</h4><div class='truck'>T</div></div></div>"
        ),
        Just("{\"title\":\"T\",\"startDate\":1753900000000},"),
        Just("Food Truck,Dinner: T\n"),
        Just(
            "<script type=\"application/ld+json\">{\"@type\":\"FoodEvent\",\"name\":\"T\",\"startDate\":\"2025-07-30\"}</script>"
        ),
    ];
    prop_oneof![
        (opening, 300usize..60_000).prop_map(|(o, n)| format!(
            "BEGIN:VCALENDAR\r\n<html><body>{}",
            o.repeat(n)
        )),
        (repeated, 1_000usize..30_000).prop_map(|(r, n)| format!(
            "BEGIN:VCALENDAR\r\n[{}BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20250730T120000Z\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            r.repeat(n)
        )),
    ]
}

fn input() -> impl Strategy<Value = String> {
    prop_oneof![4 => any::<String>(), 4 => shaped(), 1 => hostile()]
}

// proptest's default configuration: 256 cases per target, or PROPTEST_CASES (the bench's long
// run sets it).
proptest! {

    #[test]
    fn stoup_never_panics(body in input(), c in ctx_any()) {
        let _ = stoup::parse(&body, &c);
    }

    #[test]
    fn squarespace_never_panics(body in input(), c in ctx_any()) {
        let _ = squarespace::parse_month(&body, &c);
        let _ = squarespace::collection_id(&body, &c.budget);
    }

    #[test]
    fn obec_never_panics(body in input(), c in ctx_any()) {
        let re = obec::compile(obec::DEFAULT_PATTERN).unwrap();
        let _ = obec::parse(&body, &re, &c);
    }

    #[test]
    fn sugar_calendar_and_hivey_never_panic(body in input(), c in ctx_any()) {
        let _ = sugar_calendar::parse_calendar_page(&body, &c);
        let _ = sugar_calendar::parse_ajax_reply(&body, &c);
        let _ = atg_scrapers::sources::hivey::parse(&body, &[], &c);
        let _ = atg_scrapers::text::name_from_image_url(&body);
        let _ = atg_scrapers::timeparse::parse_loose_date(&body, c.today, atg_core::PACIFIC);
    }

    #[test]
    fn my_calendar_never_panics(body in input(), c in ctx_any()) {
        let _ = my_calendar::parse(&body, "mc-1", "mc_food-truck", &c);
        let _ = my_calendar::vendor_from_title(&body);
    }

    #[test]
    fn sheets_never_panic(body in input(), c in ctx_any()) {
        for key in ["chucks-greenwood", "channel-marker"] {
            let _ = sheet_columns::parse(&body, &shipped_sheet(key), &c);
        }
    }

    #[test]
    fn json_apis_and_lines_of_text_never_panic(body in input(), c in ctx_any()) {
        let mapping = atg_scrapers::sources::json_api::Mapping::new(
            serde_json::from_value(serde_json::json!({
                "response_path": "data.events",
                "field_map": {"vendor": "title.rendered", "start": "date", "end": "when.0.end"},
                "next_path": "links.next"
            }))
            .unwrap(),
        )
        .unwrap();
        let _ = atg_scrapers::sources::json_api::parse(&body, &mapping, &c);
        let _ = atg_scrapers::sources::json_api::guess(&body, &c);
        let _ = sheet_columns::guess(&body, &c);
        let _ = html_selectors::lone_start(&body);
        let _ = html_selectors::guess_lines(&body, &c);
        let lines = atg_core::Brewery {
            key: "lines".into(),
            name: "Lines".into(),
            url: "https://lines.test/".into(),
            parser: Some("html-selectors".into()),
            parser_config: serde_json::json!({"line": "p", "after": "food trucks"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        };
        let _ = atg_scrapers::Source::for_brewery(&lines)
            .unwrap()
            .parse_body(&body, &c);
    }

    #[test]
    fn seattle_food_truck_never_panics(body in input(), c in ctx_any()) {
        let _ = seattle_food_truck::parse(&body, &c);
    }

    #[test]
    fn time_ranges_never_panic_and_run_forward_or_past_midnight(text in input()) {
        if let Some((s, e)) = find_range(&text) {
            prop_assert_ne!(s, e);
        }
        let _ = parse_dash_range(&text);
    }

    #[test]
    fn ical_never_panics_nor_expands_without_bound(body in input(), c in ctx_any()) {
        let _ = ical::parse(&body, &c);
    }

    #[test]
    fn json_ld_tribe_and_list_sections_never_panic(body in input(), c in ctx_any()) {
        let _ = json_ld::parse(
            &body,
            &json_ld::Reading {
                vendor_field: json_ld::VendorField::Performer,
                types: vec!["FoodEvent".into()],
            },
            &c,
        );
        let _ = tribe_events::parse(&body, &c);
        let _ = squarespace_list::parse(&body, &c);
    }

    #[test]
    fn html_selectors_never_panic(body in input(), c in ctx_any()) {
        let formats: Vec<String> = html_selectors::DEFAULT_DATE_FORMATS.iter().map(|f| f.to_string()).collect();
        let _ = html_selectors::read_date(&body, &formats, c.today);
        let b = atg_core::Brewery {
            key: "k".into(),
            name: "K".into(),
            url: "https://k.test/".into(),
            parser: Some("html-selectors".into()),
            parser_config: Default::default(),
        };
        let settings = serde_json::from_value(
            serde_json::json!({"event": "li, div", "vendor": "b, h4", "date": "i, time"}),
        )
        .unwrap();
        let source = html_selectors::HtmlSelectors::new(&b, settings).unwrap();
        let _ = atg_scrapers::sources::OnePage::parse(&source, &body, &c);
    }

    #[test]
    fn config_loading_never_panics(text in input()) {
        let _ = atg_core::SiteConfig::parse(&text, "fuzz.json");
    }
}
