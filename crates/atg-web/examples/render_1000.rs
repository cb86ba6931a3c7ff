//! Benchmark helper for `cargo xtask bench`: renders data.json and every calendar feed for
//! 1,000 events, many times, and prints the wall times (seconds) as JSON.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::time::Instant;

use atg_core::{BreweryRef, FoodTruckEvent, Schedule};
use atg_web::render_site;
use chrono::{Days, NaiveDate, Utc};

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(30);
    let first = NaiveDate::from_ymd_opt(2026, 10, 29).unwrap();
    let breweries: Vec<(String, String)> = (0..50)
        .map(|i| (format!("brewery-{i}"), format!("Brewery Number {i}")))
        .collect();
    let events: Vec<FoodTruckEvent> = (0..1000u64)
        .map(|i| {
            let day = first + Days::new(i % 8);
            let (key, name) = &breweries[(i % 50) as usize];
            let mut e = FoodTruckEvent::new(key, name, format!("Truck {i}; \"Tacos, etc.\""), day);
            if i % 3 != 0 {
                e.start_time = day.and_hms_opt(11 + (i % 8) as u32, 0, 0);
                e.end_time = day.and_hms_opt(20, 30, 0);
            }
            e.description = (i % 5 == 0).then(|| format!("Cuisine: Thai, BBQ, item {i}"));
            e.ai_generated_name = i % 17 == 0;
            e
        })
        .collect();
    let schedule = Schedule::merge(
        atg_core::SiteRef::original(),
        first,
        breweries.iter().map(|(key, name)| {
            let own: Vec<FoodTruckEvent> = events
                .iter()
                .filter(|e| &e.brewery_key == key)
                .cloned()
                .collect();
            let b = BreweryRef {
                key: key.clone(),
                name: name.clone(),
            };
            (b, Ok(own))
        }),
    );
    let mut walls = Vec::with_capacity(runs);
    let mut bytes = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let site = render_site(&schedule, None, Utc::now()).unwrap();
        walls.push(started.elapsed().as_secs_f64());
        bytes = site.files.iter().map(|f| f.size().unwrap()).sum::<u64>();
    }
    println!("{{\"walls\": {walls:?}, \"bytes\": {bytes}}}");
}
