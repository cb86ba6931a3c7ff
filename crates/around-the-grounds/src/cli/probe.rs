//! `around-the-grounds probe URL`: which source reads a venue, with the entry to paste.

use std::io::Write;

use atg_pipeline::scrapers::probe::{Finding, probe};
use atg_pipeline::scrapers::{FetchOptions, Fetcher};
use chrono::NaiveDate;
use chrono_tz::Tz;

/// Probes `url` for the week of `today` in `zone` and prints what reads it; exit 0 when
/// something does, 1 (with one line) when nothing does.
pub async fn run(url: &str, today: NaiveDate, zone: Tz) -> anyhow::Result<u8> {
    // The address the operator typed is theirs to name, on their own network too; what the
    // page links to is held to the outbound rule.
    let options = FetchOptions::default();
    options
        .internal
        .add_urls([atg_pipeline::core::webcal_as_https(url.trim()).as_str()]);
    let http = Fetcher::new(options)?;
    let found = probe(&http, url, today, zone).await?;
    let mut out = std::io::stdout().lock();
    if found.is_empty() {
        anyhow::bail!(
            "nothing at {url} reads as a calendar feed, schema.org events, The Events Calendar's API or a Squarespace list section this week; a page of plain HTML can be read with \"parser\": \"html-selectors\" (docs/ADDING-A-BREWERY.md)"
        );
    }
    for f in &found {
        write_finding(&mut out, f, today)?;
    }
    out.flush()?;
    Ok(0)
}

fn write_finding(out: &mut impl Write, f: &Finding, today: NaiveDate) -> std::io::Result<()> {
    writeln!(
        out,
        "✅ {} reads {}: {} event{} in the week of {today}",
        f.kind.name(),
        f.entry.url,
        f.events.len(),
        if f.events.len() == 1 { "" } else { "s" }
    )?;
    for e in f.events.iter().take(3) {
        writeln!(out, "     {e}")?;
    }
    if f.events.len() > 3 {
        writeln!(out, "     …")?;
    }
    writeln!(out, "   the entry for config/breweries.json:")?;
    writeln!(out, "     {}\n", f.config_entry())
}
