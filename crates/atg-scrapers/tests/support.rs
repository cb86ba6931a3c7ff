use atg_core::FoodTruckEvent;
use atg_scrapers::ParseContext;
use chrono::NaiveDate;

pub fn fixture(rel: &str) -> String {
    let path = format!("{}/../../fixtures/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn ctx(today: NaiveDate) -> ParseContext {
    ParseContext {
        brewery_key: "test-brewery".into(),
        brewery_name: "Test Brewery".into(),
        today,
    }
}

/// `2025-07-05 13:00-20:00 Woodshop BBQ` (times only when known; `+1` when the end is the
/// next day).
pub fn line(e: &FoodTruckEvent) -> String {
    let mut s = e.date.format("%Y-%m-%d").to_string();
    if let Some(st) = e.start_time {
        assert_eq!(st.date(), e.date, "start on the event's day: {e:?}");
        s.push_str(&st.format(" %H:%M").to_string());
        if let Some(en) = e.end_time {
            s.push_str(&en.format("-%H:%M").to_string());
            if en.date() != e.date {
                s.push_str("+1");
            }
        }
    }
    s.push(' ');
    s.push_str(&e.vendor);
    s
}

pub fn lines(events: &[FoodTruckEvent]) -> Vec<String> {
    events.iter().map(line).collect()
}
