//! Replies that come in pages, each naming the next: The Events Calendar's `next_rest_url`, a
//! JSON API's `next_path`. The next page is followed only on the host of the first, never
//! twice, and at most [`MAX_PAGES`] pages are read.

use atg_core::FoodTruckEvent;

use crate::fetch::{Fetcher, Request};
use crate::source::{ParseContext, ParseError, SourceError, off_runtime};

/// The most pages of one reply followed.
pub const MAX_PAGES: usize = 20;

/// One page of a reply: its events, and the next page's address (as the reply wrote it).
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub events: Vec<FoodTruckEvent>,
    pub next: Option<String>,
}

/// Every page from `first` on, each parsed by `parse` off the async runtime.
pub async fn follow<P>(
    http: &Fetcher,
    ctx: &ParseContext,
    first: url::Url,
    parse: P,
) -> Result<Vec<FoodTruckEvent>, SourceError>
where
    P: Fn(&str, &ParseContext) -> Result<Page, ParseError> + Clone + Send + 'static,
{
    let same_site = |n: &url::Url| {
        n.scheme() == first.scheme()
            && n.host_str() == first.host_str()
            && n.port_or_known_default() == first.port_or_known_default()
    };
    let mut events = Vec::new();
    let mut seen: Vec<url::Url> = Vec::new();
    let mut next = Some(first.clone());
    for _ in 0..MAX_PAGES {
        let Some(url) = next.take() else { break };
        seen.push(url.clone());
        let reply = http
            .send(&Request::get(url.as_str()).header("accept", "application/json"))
            .await?;
        let parse = parse.clone();
        let page = off_runtime(ctx, move |ctx| parse(&reply.body, ctx)).await?;
        events.extend(page.events);
        next = page.next.and_then(|n| url.join(&n).ok()).filter(|n| {
            let ok = same_site(n) && !seen.contains(n);
            if !ok {
                tracing::warn!(brewery = %ctx.brewery_key, next = %n, "the next page is on another host, or was read: not followed");
            }
            ok
        });
    }
    Ok(events)
}
