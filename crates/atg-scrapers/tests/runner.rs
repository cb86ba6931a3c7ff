//! Integration tests of atg-scrapers: one binary, one module per area.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
mod test_config_sources;
mod test_coordinator;
mod test_faults;
mod test_generic_sources;
mod test_hardening;
mod test_hostile_feeds;
mod test_ical_world;
mod test_my_calendar;
mod test_obec;
mod test_properties;
mod test_seattle_food_truck;
mod test_sheet_columns;
mod test_squarespace;
mod test_stoup;
mod test_sugar_calendar;
mod test_time;
