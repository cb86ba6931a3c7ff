use atg_ai::{AiClient, HaikuPrompt, VisionCache, generate_haiku, read_vendor_name};
use atg_core::{BreweryConfig, FoodTruckEvent};

use crate::Schedule;

/// Vendor names the brewery configs already know (Hivey's vendor ids), as hints for vision.
pub fn known_vendors(config: &BreweryConfig) -> Vec<String> {
    let mut names: Vec<String> = config
        .breweries
        .iter()
        .filter_map(|b| b.parser_config.get("vendor_ids")?.as_object())
        .flat_map(|m| m.values().filter_map(|v| v.as_str().map(str::to_string)))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Reads the names of trucks known only by an image, marking them AI-read. A failure leaves
/// that event as it was (`TBD`); returns how many names were read.
pub async fn read_vendor_images(
    events: &mut [FoodTruckEvent],
    client: &AiClient,
    cache: &mut VisionCache,
    known: &[String],
) -> usize {
    let mut read = 0;
    for e in events.iter_mut().filter(|e| e.awaits_vision()) {
        let Some(url) = e.image_url.clone() else {
            continue;
        };
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
    read
}

/// Today's haiku, or `None` (no truck today, AI off, an error: the schedule never waits on it).
pub async fn todays_haiku(
    schedule: &Schedule,
    client: &AiClient,
    prompt: &HaikuPrompt,
) -> Option<String> {
    match generate_haiku(client, prompt, schedule.clock.today(), &schedule.events).await {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!(error = %e, "no haiku today");
            None
        }
    }
}
