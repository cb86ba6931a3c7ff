//! The pipeline's AI steps (with the operator's `ANTHROPIC_API_KEY` only): names read from the
//! logos of trucks a brewery announces only as a picture, and today's haiku. Neither ever
//! stops or hides the schedule.

use atg_ai::{
    AiClient, HAIKU_TRUCKS, HaikuPrompt, VisionCache, WeatherQuery, generate_haiku,
    read_vendor_name,
};
use atg_core::{Brewery, Clock, FoodTruckEvent, Schedule, SiteInfo};

/// At most this many images are sent to the AI in one run unless `ATG_VISION_MAX_PER_RUN`
/// says otherwise.
pub const DEFAULT_VISION_MAX_PER_RUN: usize = 20;

/// Vendor names the brewery configs already know (Hivey's vendor ids), as hints for vision.
pub fn known_vendors(breweries: &[Brewery]) -> Vec<String> {
    let mut names: Vec<String> = breweries
        .iter()
        .filter_map(|b| b.parser_config.get("vendor_ids")?.as_object())
        .flat_map(|m| m.values().filter_map(|v| v.as_str().map(str::to_string)))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Reads the names of trucks known only by an image, marking them AI-read, and keeps the
/// answers in `cache` (saved to its file). At most `max_per_run` images are sent (each costs
/// a request, and a hostile page can list thousands); the cache answers the rest when it can.
/// A failure leaves that event as it was (`TBD`); returns how many names were read.
pub async fn read_vendor_images(
    events: &mut [FoodTruckEvent],
    client: &AiClient,
    cache: &mut VisionCache,
    known: &[String],
    max_per_run: usize,
) -> usize {
    if !events.iter().any(FoodTruckEvent::awaits_vision) {
        return 0;
    }
    let mut read = 0;
    let mut sent = 0usize;
    for e in events.iter_mut().filter(|e| e.awaits_vision()) {
        let Some(url) = e.image_url.clone() else {
            continue;
        };
        if cache.get(&url).is_none() {
            if sent >= max_per_run {
                tracing::warn!(%url, max_per_run, "vision: the run's image budget is spent; the truck stays unnamed");
                continue;
            }
            sent += 1;
        }
        match read_vendor_name(client, cache, &url, known).await {
            Ok(Some(name)) => {
                e.vendor = name;
                e.ai_generated_name = true;
                read += 1;
            }
            Ok(None) => tracing::info!(%url, "no vendor name could be read from the image"),
            Err(err) => {
                tracing::warn!(%url, error = %err, "vision failed; the truck stays unnamed")
            }
        }
    }
    if let Err(e) = cache.save() {
        tracing::warn!(error = %e, "the vision cache could not be saved");
    }
    read
}

/// The trucks a haiku is written from: the first of today's, at most [`HAIKU_TRUCKS`].
pub fn haiku_trucks(schedule: &Schedule) -> Vec<FoodTruckEvent> {
    todays_trucks(&schedule.events, schedule.as_of)
}

/// [`haiku_trucks`] of a week's events, sorted as a schedule's are, whose first day is `as_of`.
pub fn todays_trucks(week: &[FoodTruckEvent], as_of: chrono::NaiveDate) -> Vec<FoodTruckEvent> {
    week.iter()
        .filter(|e| e.date == as_of)
        .take(HAIKU_TRUCKS)
        .cloned()
        .collect()
}

/// [`haiku_trucks`] of a schedule made of parts, from each part's own: the same trucks, as
/// the parts are sorted as the whole would be.
pub fn haiku_trucks_of_parts(
    parts: impl IntoIterator<Item = Vec<FoodTruckEvent>>,
    as_of: chrono::NaiveDate,
) -> Vec<FoodTruckEvent> {
    let all = parts.into_iter().flatten().collect();
    let mut trucks = atg_core::sort_and_dedup(all, atg_core::ScheduleWindow::starting(as_of));
    trucks.truncate(HAIKU_TRUCKS);
    trucks
}

/// Today's haiku for a site, at the time on its clock, with its weather when the prompt asks
/// for it; or `None` (no truck today, AI off, an error: the schedule never waits on it).
pub async fn todays_haiku(
    schedule: &Schedule,
    client: &AiClient,
    prompt: &HaikuPrompt,
    site: &SiteInfo,
    clock: Clock,
) -> Option<String> {
    let now = clock.in_zone(site.timezone).now_local().naive_local();
    let weather = WeatherQuery::for_site(site);
    match generate_haiku(
        client,
        prompt,
        now,
        weather.as_ref(),
        &haiku_trucks(schedule),
    )
    .await
    {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!(error = %e, "no haiku today");
            None
        }
    }
}
