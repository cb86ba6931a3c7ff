//! The AI enrichments: a small client for Anthropic's Messages API (reqwest + serde), today's
//! haiku (with the site's weather from Open-Meteo), and vendor names read from images. Without `ANTHROPIC_API_KEY` there is no client and
//! nothing is ever sent.
//!
//! Not here: deciding which events need a name (the pipeline does), rendering.

mod client;
mod haiku;
mod vision;
mod weather;

pub use client::{AiClient, AiError, AiSettings, DEFAULT_BASE_URL, DEFAULT_MODEL};
pub use haiku::{
    BUILTIN_PROMPT, HAIKU_TRUCKS, HaikuPrompt, PromptValues, check_haiku, generate_haiku,
    render_prompt,
};
pub use vision::{VisionCache, clean_vendor_name, is_image_url, read_vendor_name};
pub use weather::{TimeWindow, WEATHER_TIMEOUT, WeatherError, WeatherQuery, fetch_weather};
