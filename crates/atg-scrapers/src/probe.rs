//! Which source reads a venue's page: `around-the-grounds probe URL`. The page is fetched once
//! and read as every generic source that needs no settings — an iCalendar feed, schema.org
//! JSON-LD, a Squarespace list section — and as those whose settings can be read off the
//! answer: a sheet or CSV (which column is the date, the truck, the hours), a JSON API (where
//! the list is, which field is which, the next page), a page with a truck per line under a
//! heading. The feeds it points at (a `<link rel="alternate" type="text/calendar">`, `.ics`
//! and `webcal:` links, Google Calendar embeds) and, on a WordPress site, The Events
//! Calendar's REST API are tried too. Each source that finds events comes back with the config
//! entry that reads it, settings included.

use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use atg_core::{Brewery, FoodTruckEvent, ScheduleWindow, sort_and_dedup};
use chrono::NaiveDate;
use chrono_tz::Tz;
use scraper::Selector;
use serde_json::{Map, Value};

use crate::bounded::html_document;
use crate::budget::{Budget, Limits, StopOnDrop};
use crate::fetch::{FetchError, Fetcher, Request};
use crate::source::{ParseContext, off_runtime};
use crate::sources::{
    Source, SourceKind, html_selectors, ical, json_api, json_ld, sheet_columns, squarespace_list,
};

/// A source that reads the venue, what it found this week, and the entry to paste.
#[derive(Debug, Clone)]
pub struct Finding {
    pub kind: SourceKind,
    pub entry: Brewery,
    /// The events of the week, sorted.
    pub events: Vec<FoodTruckEvent>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("{0:?} is not an http(s) or webcal URL")]
    Url(String),
    #[error("{url}: {source}")]
    Fetch {
        url: String,
        #[source]
        source: FetchError,
    },
}

/// How long one reading of the page or of a feed it names may take.
pub const PROBE_DEADLINE: Duration = Duration::from_secs(20);

static TITLE: LazyLock<Selector> = LazyLock::new(|| crate::patterns::css("title"));
static FEED_LINK: LazyLock<Selector> = LazyLock::new(|| {
    crate::patterns::css(
        r#"link[rel~="alternate"][type="text/calendar"], a[href$=".ics"], a[href^="webcal:"]"#,
    )
});
static IFRAME: LazyLock<Selector> = LazyLock::new(|| crate::patterns::css("iframe[src]"));

/// What the page says of itself: its title, the feeds it links, whether it is WordPress.
struct PageFacts {
    title: Option<String>,
    feeds: Vec<String>,
    wordpress: bool,
}

fn facts(page: &url::Url, body: &str, budget: &Budget) -> PageFacts {
    let wordpress = body.contains("wp-content") || body.contains("api.w.org");
    let Ok(doc) = html_document(body, budget) else {
        return PageFacts {
            title: None,
            feeds: Vec::new(),
            wordpress,
        };
    };
    let title = doc
        .select(&TITLE)
        .next()
        .map(crate::text::element_text)
        .filter(|t| !t.is_empty());
    let mut feeds: Vec<String> = doc
        .select(&FEED_LINK)
        .filter_map(|l| l.value().attr("href"))
        .filter_map(|h| page.join(&atg_core::webcal_as_https(h.trim())).ok())
        .map(String::from)
        .collect();
    for frame in doc.select(&IFRAME) {
        let Some(src) = frame.value().attr("src").and_then(|s| page.join(s).ok()) else {
            continue;
        };
        if src.host_str() != Some("calendar.google.com") {
            continue;
        }
        for (k, v) in src.query_pairs() {
            if k == "src" {
                let id: String = url::form_urlencoded::byte_serialize(v.as_bytes()).collect();
                feeds.push(format!(
                    "https://calendar.google.com/calendar/ical/{id}/public/basic.ics"
                ));
            }
        }
    }
    feeds.dedup();
    PageFacts {
        title,
        feeds,
        wordpress,
    }
}

/// A config key for a host: `www.taproom-brewing.com` → `taproom-brewing`.
fn key_for(u: &url::Url) -> String {
    let host = u.host_str().unwrap_or("venue");
    let host = host.strip_prefix("www.").unwrap_or(host);
    let stem = host.rsplit_once('.').map_or(host, |(s, _)| s);
    atg_core::key_slug(stem)
}

fn entry(kind: SourceKind, url: &str, key: &str, name: &str) -> Brewery {
    Brewery {
        key: key.to_string(),
        name: name.to_string(),
        url: url.to_string(),
        parser: Some(kind.name().to_string()),
        parser_config: Map::new(),
    }
}

/// The entries whose settings are read off the answer itself (a sheet, a JSON API, a page of
/// a truck per line), with what each reads there.
fn described(
    body: &str,
    url: &str,
    key: &str,
    ctx: &ParseContext,
) -> Vec<(SourceKind, Brewery, Vec<FoodTruckEvent>)> {
    let mut out = Vec::new();
    let guesses = [
        (SourceKind::SheetColumns, sheet_columns::guess(body, ctx)),
        (SourceKind::JsonApi, json_api::guess(body, ctx)),
        (
            SourceKind::HtmlSelectors,
            html_selectors::guess_lines(body, ctx),
        ),
    ];
    for (kind, settings) in guesses {
        let Some(settings) = settings else { continue };
        let mut b = entry(kind, url, key, &ctx.brewery_name);
        b.parser_config = settings;
        let Ok(source) = Source::for_brewery(&b) else {
            continue;
        };
        if let Ok(events) = source.parse_body(body, ctx) {
            out.push((kind, b, events));
        }
    }
    out
}

/// Every source that reads `url`, with what it found in the week of `today` (in `zone`).
pub async fn probe(
    http: &Fetcher,
    url: &str,
    today: NaiveDate,
    zone: Tz,
) -> Result<Vec<Finding>, ProbeError> {
    let url = atg_core::webcal_as_https(url.trim());
    let page = url::Url::parse(&url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| ProbeError::Url(url.clone()))?;
    let reply = http
        .send(&Request::get(url.as_str()))
        .await
        .map_err(|source| ProbeError::Fetch {
            url: url.clone(),
            source,
        })?;
    let body = reply.body;
    let key = key_for(&page);
    // A stranger's page: read under the same limits and deadline as a brewery's.
    let budget = || {
        Arc::new(Budget::new(
            Limits::default(),
            Instant::now().checked_add(PROBE_DEADLINE),
        ))
    };
    let ctx = ParseContext::named(&key, &key, today)
        .in_zone(zone)
        .with_budget(budget());
    let (about, here, described) = {
        let page = page.clone();
        off_runtime(&ctx, move |ctx| {
            let about = facts(&page, &body, &ctx.budget);
            let name = about
                .title
                .clone()
                .unwrap_or_else(|| ctx.brewery_key.clone());
            let ctx = ParseContext {
                brewery_name: name,
                ..ctx.clone()
            };
            // The page itself, as each source that needs nothing but its address.
            let described = described(&body, page.as_str(), &ctx.brewery_key, &ctx);
            let here = [
                (SourceKind::Ical, ical::parse(&body, &ctx).ok()),
                (
                    SourceKind::JsonLd,
                    json_ld::parse(&body, &json_ld::Reading::NAMES, &ctx).ok(),
                ),
                (
                    SourceKind::SquarespaceList,
                    squarespace_list::parse(&body, &ctx).ok(),
                ),
            ];
            Ok((about, here, described))
        })
        .await
        .unwrap_or_else(|_| {
            (
                PageFacts {
                    title: None,
                    feeds: Vec::new(),
                    wordpress: false,
                },
                [
                    (SourceKind::Ical, None),
                    (SourceKind::JsonLd, None),
                    (SourceKind::SquarespaceList, None),
                ],
                Vec::new(),
            )
        })
    };
    let name = about.title.clone().unwrap_or_else(|| key.clone());
    let window = ScheduleWindow::starting(today);
    let ctx = ParseContext::named(&key, &name, today).in_zone(zone);
    let mut found = Vec::new();
    let mut keep = |kind: SourceKind, entry: Brewery, events: Vec<FoodTruckEvent>| {
        let events = sort_and_dedup(events, window);
        if !events.is_empty() {
            found.push(Finding {
                kind,
                entry,
                events,
            });
        }
    };

    for (kind, read) in here {
        if let Some(events) = read {
            keep(kind, entry(kind, &url, &key, &name), events);
        }
    }
    for (kind, mut b, events) in described {
        b.name = name.clone();
        keep(kind, b, events);
    }

    // What the page points at: its calendar feeds, and a WordPress site's events API.
    let mut elsewhere: Vec<(SourceKind, String)> = about
        .feeds
        .iter()
        .map(|f| (SourceKind::Ical, f.clone()))
        .collect();
    if about.wordpress || page.path().contains("/wp-json/tribe/events") {
        let api = if page.path().contains("/wp-json/tribe/events") {
            url.clone()
        } else {
            format!(
                "{}/wp-json/tribe/events/v1/events",
                page.origin().ascii_serialization()
            )
        };
        elsewhere.push((SourceKind::TribeEvents, api));
    }
    for (kind, target) in elsewhere {
        let candidate = entry(kind, &target, &key, &name);
        let Ok(source) = Source::for_brewery(&candidate) else {
            continue;
        };
        let ctx = ctx.clone().with_budget(budget());
        let _stop = StopOnDrop(ctx.budget.clone());
        let read = tokio::time::timeout(PROBE_DEADLINE, source.scrape(http, &ctx)).await;
        let Ok(read) = read else {
            tracing::info!(url = %target, "not read as {} within {PROBE_DEADLINE:?}", kind.name());
            continue;
        };
        match read {
            Ok(events) => keep(kind, candidate, events),
            Err(e) => tracing::info!(url = %target, error = %e, "not read as {}", kind.name()),
        }
    }
    Ok(found)
}

impl Finding {
    /// The entry for `config/breweries.json`, as JSON.
    pub fn config_entry(&self) -> Value {
        let mut v = serde_json::to_value(&self.entry).unwrap_or(Value::Null);
        if let Some(o) = v.as_object_mut()
            && self.entry.parser_config.is_empty()
        {
            o.remove("parser_config");
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_names_its_feeds_links_and_google_calendar_embeds() {
        let page = url::Url::parse("https://taproom.test/calendar/").unwrap();
        let html = r#"<html><head><title> Taproom
            Brewing </title>
            <link rel="alternate" type="text/calendar" href="/events.ics"></head><body>
            <a href="webcal://cal.example/taproom.ics">Subscribe</a>
            <iframe src="https://calendar.google.com/calendar/embed?src=taproom%40group.calendar.google.com&amp;ctz=America%2FLos_Angeles"></iframe>
            <iframe src="https://www.youtube.com/embed/x"></iframe>
            <p>wp-content</p></body></html>"#;
        let f = facts(&page, html, &Budget::default());
        assert_eq!(f.title.as_deref(), Some("Taproom Brewing"));
        assert_eq!(
            f.feeds,
            [
                "https://taproom.test/events.ics",
                "https://cal.example/taproom.ics",
                "https://calendar.google.com/calendar/ical/taproom%40group.calendar.google.com/public/basic.ics",
            ]
        );
        assert!(f.wordpress);
        assert_eq!(key_for(&page), "taproom");
        assert_eq!(
            key_for(&url::Url::parse("https://www.lucky-envelope.co.uk/").unwrap()),
            "lucky-envelope-co"
        );
    }
}
