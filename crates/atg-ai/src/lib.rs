//! The AI enrichments: a small client for Anthropic's Messages API (reqwest + serde), today's
//! haiku, and vendor names read from images. Without `ANTHROPIC_API_KEY` there is no client and
//! nothing is ever sent.
//!
//! Not here: deciding which events need a name (the pipeline does), rendering.

mod client;
mod haiku;
mod vision;

pub use client::{AiClient, AiError, AiSettings, DEFAULT_BASE_URL, DEFAULT_MODEL};
pub use haiku::{
    BUILTIN_PROMPT, HAIKU_TRUCKS, HaikuPrompt, check_haiku, generate_haiku, render_prompt,
};
pub use vision::{VisionCache, clean_vendor_name, is_image_url, read_vendor_name};
