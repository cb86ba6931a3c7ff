use atg_core::{BreweryRef, ErrorKind, FoodTruckEvent, Schedule, ScrapeError};
use atg_web::WebData;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

pub fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn ev(
    key: &str,
    brewery: &str,
    vendor: &str,
    date: NaiveDate,
    hours: Option<(u32, u32, u32, u32)>,
) -> FoodTruckEvent {
    let mut e = FoodTruckEvent::new(key, brewery, vendor, date);
    if let Some((sh, sm, eh, em)) = hours {
        e.start_time = date.and_hms_opt(sh, sm, 0);
        e.end_time = date.and_hms_opt(eh, em, 0);
    }
    e
}

/// A week across the 2026-11-01 fall-back: timed, untimed, AI-named, described events.
pub fn week() -> Vec<FoodTruckEvent> {
    let mut tolu = ev(
        "urban-family",
        "Urban Family Brewing",
        "TOLU",
        day(10, 31),
        None,
    );
    tolu.start_time = day(10, 31).and_hms_opt(9, 5, 0);
    tolu.ai_generated_name = true;
    tolu.image_url = Some("https://img.test/tolu.png".into());
    let mut tj = ev(
        "chucks-greenwood",
        "Chuck's Hop Shop Greenwood",
        "T'Juana",
        day(11, 1),
        None,
    );
    tj.description = Some("Original event: Dinner: T'Juana".into());
    let mut pumpkin = ev(
        "salehs-corner",
        "Saleh's Corner",
        "Pumpkin Thai",
        day(11, 2),
        Some((17, 0, 20, 0)),
    );
    pumpkin.description = Some("Cuisine: Asian, Thai, Vegetarian".into());
    let mut late = ev(
        "stoup-ballard",
        "Stoup Brewing - Ballard",
        "Night Owl; Tacos, Etc.",
        day(11, 3),
        Some((22, 0, 2, 0)),
    );
    late.end_time = day(11, 4).and_hms_opt(2, 0, 0);
    vec![
        ev(
            "stoup-ballard",
            "Stoup Brewing - Ballard",
            "Woodshop BBQ",
            day(10, 30),
            Some((13, 0, 20, 0)),
        ),
        ev(
            "yonder-balebreaker",
            "Yonder Cider & Bale Breaker - Ballard",
            "Tacos & Beer",
            day(10, 31),
            Some((12, 0, 21, 0)),
        ),
        tolu,
        tj,
        ev(
            "obec-brewing",
            "Obec Brewing",
            "Kaosamai Thai",
            day(11, 1),
            Some((16, 0, 20, 0)),
        ),
        pumpkin,
        late,
    ]
}

pub fn errors() -> Vec<ScrapeError> {
    let e = |k: &str, n: &str| ScrapeError {
        brewery_key: k.into(),
        brewery_name: n.into(),
        kind: ErrorKind::HttpStatus,
        message: "HTTP 500 from http://x".into(),
        retryable: true,
        limit: None,
    };
    vec![
        e("wheelie-pop", "Wheelie Pop Brewing"),
        e("wheelie-pop", "Wheelie Pop Brewing"),
    ]
}

pub fn breweries() -> Vec<(String, String)> {
    [
        ("stoup-ballard", "Stoup Brewing - Ballard"),
        (
            "yonder-balebreaker",
            "Yonder Cider & Bale Breaker - Ballard",
        ),
        ("obec-brewing", "Obec Brewing"),
        ("urban-family", "Urban Family Brewing"),
        ("wheelie-pop", "Wheelie Pop Brewing"),
        ("chucks-greenwood", "Chuck's Hop Shop Greenwood"),
        ("salehs-corner", "Saleh's Corner"),
    ]
    .map(|(k, n)| (k.to_string(), n.to_string()))
    .to_vec()
}

pub fn updated() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 30, 20, 55, 57).unwrap()
        + chrono::Duration::microseconds(499_687)
}

pub fn web_data(
    events: &[FoodTruckEvent],
    errors: &[ScrapeError],
    haiku: Option<&str>,
    updated: DateTime<Utc>,
) -> WebData {
    WebData::new(&schedule(events, errors), haiku, updated)
}

/// The week as a schedule (in the order given) of the seven breweries.
pub fn schedule(events: &[FoodTruckEvent], errors: &[ScrapeError]) -> Schedule {
    Schedule {
        site: atg_core::SiteRef {
            key: "ballard".into(),
            title: "Ballard".into(),
            timezone: atg_core::PACIFIC,
        },
        as_of: day(10, 30),
        breweries: breweries()
            .into_iter()
            .map(|(key, name)| BreweryRef { key, name })
            .collect(),
        events: events.to_vec(),
        errors: errors.to_vec(),
        partial: Vec::new(),
    }
}
