//! The library's scrape gives a schedule its site as the configuration wrote it: the site's
//! key, title and zone, and the day of the clock read in that zone (never a default site
//! corrected afterwards).

use atg_pipeline::core::{Clock, SiteList};
use atg_pipeline::scrapers::ScrapeOptions;
use chrono::{NaiveDate, TimeZone, Utc};

#[tokio::test]
async fn a_schedule_is_its_sites_in_the_sites_zone() {
    let list = SiteList::parse(
        r#"{"key": "wellington", "title": "Te Aro", "timezone": "Pacific/Auckland", "breweries": []}"#,
        "nz.json",
    )
    .unwrap();
    let sites = atg_pipeline::Sites::compile(list).unwrap();
    let site = sites.site(None).unwrap();
    // 20:00 UTC on 5 December is 09:00 on 6 December in Wellington (NZDT, +13).
    let clock = Clock::fixed(Utc.with_ymd_and_hms(2026, 12, 5, 20, 0, 0).unwrap());
    let schedule = atg_pipeline::scrape(site, clock, ScrapeOptions::default())
        .await
        .unwrap();
    assert_eq!(schedule.site.key, "wellington");
    assert_eq!(schedule.site.title, "Te Aro");
    assert_eq!(schedule.site.timezone, chrono_tz::Pacific::Auckland);
    assert_eq!(
        schedule.as_of,
        NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
    );
}
