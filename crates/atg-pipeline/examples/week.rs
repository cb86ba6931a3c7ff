//! A tool of your own on the library: this week's trucks of a configuration, written as a site
//! into a directory — what `around-the-grounds --preview` does, without its command line.
//!
//! ```text
//! cargo run -p atg-pipeline --example week -- config/breweries.json site/
//! ```

use std::path::PathBuf;

use atg_pipeline::core::Clock;
use atg_pipeline::scrapers::ScrapeOptions;
use atg_pipeline::{PublishPlan, Target};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let config = args.next().map(PathBuf::from);
    let out = PathBuf::from(args.next().unwrap_or_else(|| "site".into()));
    let sites = atg_pipeline::load_sites(config.as_deref())?;
    let site = sites.site(None)?;
    let clock = Clock::system().in_zone(site.site.timezone);
    let schedule = atg_pipeline::scrape(site, clock, ScrapeOptions::default()).await?;
    println!(
        "{} events, {} breweries failed",
        schedule.events.len(),
        schedule.errors.len()
    );
    let targets = [Target::Directory(out.clone())];
    let done = atg_pipeline::publish_schedule(
        schedule,
        PublishPlan {
            site: &site.site,
            targets: &targets,
            haiku: None,
            vision: None,
            now: clock.now_utc(),
        },
    )
    .await;
    for r in done.targets {
        println!("{}: {:?}", out.display(), r?);
    }
    Ok(())
}
