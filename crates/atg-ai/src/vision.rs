//! A vendor's name read from its logo: the image is sent by URL (never downloaded here), the
//! answer cached on disk by image URL so repeated runs do not pay twice.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::client::{AiClient, AiError};

/// Whether a URL looks like an image the model can be pointed at: http(s), on a public host
/// (a page that names an internal address gets nothing sent anywhere), with an image's name.
pub fn is_image_url(url: &str) -> bool {
    let lower = url.trim().to_lowercase();
    let public = url::Url::parse(url.trim()).is_ok_and(|u| !atg_http::is_internal_host(&u));
    public
        && (lower.starts_with("http://") || lower.starts_with("https://"))
        && [
            ".jpg",
            ".jpeg",
            ".png",
            ".gif",
            ".webp",
            "s3.amazonaws.com",
            "images.",
            "img.",
            "media.",
        ]
        .iter()
        .any(|m| lower.contains(m))
}

/// The model's answer as a vendor name: `None` for UNKNOWN or nothing; trailing generic words
/// ("Food Truck", "Food Cart", "LLC") dropped as whole words; "Sushi Bar" stays.
pub fn clean_vendor_name(reply: &str) -> Option<String> {
    let mut name = reply
        .lines()
        .next()?
        .trim()
        .trim_matches(|c| c == '"' || c == '\'' || c == '.')
        .trim()
        .to_string();
    if name.is_empty() || name.eq_ignore_ascii_case("unknown") {
        return None;
    }
    for suffix in ["food truck", "food cart", "llc", "inc"] {
        let lower = name.to_lowercase();
        if lower.ends_with(suffix) && lower.len() > suffix.len() {
            let cut = &name[..name.len() - suffix.len()];
            if cut.ends_with([' ', ',']) {
                name = cut.trim_end_matches([' ', ',']).to_string();
            }
        }
    }
    (name.chars().any(char::is_alphabetic) && name.chars().count() <= 60).then_some(name)
}

fn prompt(known: &[String]) -> String {
    let mut p = String::from(
        "This image is the logo or sign of a food truck or restaurant booked at a brewery in Seattle. \
         Reply with the business name exactly as it is written, and nothing else. \
         Do not add words such as Food Truck, Kitchen or Catering unless they are part of the name. \
         If you cannot read a name with confidence, reply UNKNOWN.",
    );
    if !known.is_empty() {
        p.push_str(" Vendors that often appear here: ");
        p.push_str(&known.join(", "));
        p.push('.');
    }
    p
}

/// Names read before, by image URL (`null`: the model could not read one).
#[derive(Debug, Clone, Default)]
pub struct VisionCache {
    path: Option<PathBuf>,
    entries: BTreeMap<String, Option<String>>,
}

impl VisionCache {
    /// `ATG_VISION_CACHE`, else `$XDG_CACHE_HOME/around-the-grounds/vision-cache.json`, else
    /// `~/.cache/around-the-grounds/vision-cache.json`.
    pub fn default_path(env: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
        if let Some(p) = env("ATG_VISION_CACHE").filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(p));
        }
        let base = env("XDG_CACHE_HOME")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .or_else(|| env("HOME").map(|h| Path::new(&h).join(".cache")))?;
        Some(base.join("around-the-grounds/vision-cache.json"))
    }

    /// The cache at `path` (empty when it does not exist or cannot be read).
    pub fn open(path: Option<PathBuf>) -> Self {
        let entries = path
            .as_deref()
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Self { path, entries }
    }

    pub fn get(&self, url: &str) -> Option<&Option<String>> {
        self.entries.get(url)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn put(&mut self, url: &str, name: Option<String>) {
        self.entries.insert(url.to_string(), name);
    }

    /// Writes the cache (atomically: a temporary file renamed over it).
    pub fn save(&self) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(&self.entries)?)?;
        std::fs::rename(tmp, path)
    }
}

/// The vendor name on the image at `url`: from the cache, else asked of the model and cached.
pub async fn read_vendor_name(
    client: &AiClient,
    cache: &mut VisionCache,
    url: &str,
    known_vendors: &[String],
) -> Result<Option<String>, AiError> {
    if let Some(hit) = cache.get(url) {
        return Ok(hit.clone());
    }
    if !client.settings.vision || !is_image_url(url) {
        return Ok(None);
    }
    let content = json!([
        {"type": "image", "source": {"type": "url", "url": url}},
        {"type": "text", "text": prompt(known_vendors)},
    ]);
    let reply = client.ask(content, 200).await?;
    let name = clean_vendor_name(&reply);
    cache.put(url, name.clone());
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_urls() {
        for ok in [
            "https://x.test/a.jpg",
            "http://x.test/a.PNG",
            "https://bucket.s3.amazonaws.com/k",
            "https://images.x.test/1",
        ] {
            assert!(is_image_url(ok), "{ok}");
        }
        for bad in [
            "not-a-url",
            "",
            "ftp://x.test/a.jpg",
            "https://x.test/page",
            "http://169.254.169.254/logo.png",
            "http://localhost:8080/a.jpg",
        ] {
            assert!(!is_image_url(bad), "{bad}");
        }
    }

    #[test]
    fn names_are_cleaned_by_whole_words() {
        assert_eq!(
            clean_vendor_name("Georgia's Food Truck").as_deref(),
            Some("Georgia's")
        );
        assert_eq!(
            clean_vendor_name("  Spaced Name  ").as_deref(),
            Some("Spaced Name")
        );
        assert_eq!(
            clean_vendor_name("Birrieria Pepe El Toro LLC").as_deref(),
            Some("Birrieria Pepe El Toro")
        );
        assert_eq!(clean_vendor_name("Tacos, Inc").as_deref(), Some("Tacos"));
        // The original cut these to "Sushi" and "Taco".
        assert_eq!(clean_vendor_name("Sushi Bar").as_deref(), Some("Sushi Bar"));
        assert_eq!(
            clean_vendor_name("Marination Kitchen").as_deref(),
            Some("Marination Kitchen")
        );
        assert_eq!(
            clean_vendor_name("Foodtruckllc").as_deref(),
            Some("Foodtruckllc")
        );
        assert_eq!(clean_vendor_name("UNKNOWN"), None);
        assert_eq!(clean_vendor_name("unknown."), None);
        assert_eq!(clean_vendor_name(""), None);
        assert_eq!(
            clean_vendor_name("\"Kaosamai Thai\"").as_deref(),
            Some("Kaosamai Thai")
        );
    }

    #[test]
    fn the_cache_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c/vision.json");
        let mut c = VisionCache::open(Some(path.clone()));
        assert!(c.is_empty());
        c.put("https://x/a.png", Some("A".into()));
        c.put("https://x/b.png", None);
        c.save().unwrap();
        let again = VisionCache::open(Some(path));
        assert_eq!(again.get("https://x/a.png"), Some(&Some("A".to_string())));
        assert_eq!(again.get("https://x/b.png"), Some(&None));
        assert_eq!(again.len(), 2);
    }
}
