//! The CLI's schedule as text, in the original's layout.

use std::fmt::Write;

use atg_core::{FoodTruckEvent, Schedule};
use chrono::NaiveDateTime;

/// The marker of a vendor name read from an image by AI.
pub const AI_MARK: &str = "🖼️🤖";

/// The schedule as the CLI prints it: days with their trucks, then a summary of failures.
pub fn render_text(schedule: &Schedule) -> String {
    let (events, errors) = (&schedule.events, &schedule.errors);
    let mut out = String::new();
    if events.is_empty() && errors.is_empty() {
        return "No food truck events found for the next 7 days.\n".to_string();
    }
    if !events.is_empty() {
        let _ = writeln!(out, "Found {} food truck events:", events.len());
        let mut day = None;
        for e in events {
            if day != Some(e.date) {
                out.push('\n');
                let _ = writeln!(out, "📅 {}", e.date.format("%A, %B %d, %Y"));
                day = Some(e.date);
            }
            let mark = if e.ai_generated_name {
                format!(" {AI_MARK}")
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  🚚 {}{mark} @ {}{}",
                e.vendor,
                e.brewery_name,
                times(e)
            );
            if let Some(d) = e.description.as_deref().filter(|d| !d.trim().is_empty()) {
                let _ = writeln!(out, "     {d}");
            }
        }
    }
    if !errors.is_empty() {
        out.push('\n');
        if events.is_empty() {
            out.push_str("❌ No events found - all breweries failed\n");
        } else {
            out.push_str("⚠️  Processing Summary:\n");
            let _ = writeln!(out, "✅ {} events found successfully", events.len());
            let _ = writeln!(out, "❌ {} breweries failed", errors.len());
        }
        out.push_str("\n❌ Errors:\n");
        for m in schedule.user_messages() {
            let _ = writeln!(out, "  • {m}");
        }
    }
    out
}

fn clock(t: NaiveDateTime) -> String {
    t.format("%I:%M %p").to_string()
}

fn times(e: &FoodTruckEvent) -> String {
    match (e.start_time, e.end_time) {
        (Some(s), Some(t)) => format!(" {} - {}", clock(s), clock(t)),
        (Some(s), None) => format!(" {}", clock(s)),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use atg_core::{ErrorKind, ScrapeError};
    use chrono::NaiveDate;

    fn text(events: &[FoodTruckEvent], errors: &[ScrapeError]) -> String {
        render_text(&Schedule {
            site: atg_core::SiteRef::original(),
            as_of: NaiveDate::from_ymd_opt(2025, 7, 5).unwrap(),
            breweries: vec![],
            events: events.to_vec(),
            errors: errors.to_vec(),
            partial: Vec::new(),
        })
    }

    fn ev(vendor: &str, brewery: &str, d: u32, times: Option<(u32, u32)>) -> FoodTruckEvent {
        let date = NaiveDate::from_ymd_opt(2025, 7, d).unwrap();
        let mut e = FoodTruckEvent::new("k", brewery, vendor, date);
        if let Some((s, t)) = times {
            e.start_time = date.and_hms_opt(s, 0, 0);
            e.end_time = date.and_hms_opt(t, 0, 0);
        }
        e
    }

    fn err(name: &str) -> ScrapeError {
        ScrapeError {
            brewery_key: "obec-brewing".into(),
            brewery_name: name.into(),
            kind: ErrorKind::ParserError,
            message: "x".into(),
            retryable: false,
            limit: None,
        }
    }

    #[test]
    fn the_originals_layout() {
        let mut tolu = ev("TOLU", "Urban Family Brewing", 6, None);
        tolu.start_time = tolu.date.and_hms_opt(9, 5, 0);
        tolu.ai_generated_name = true;
        let mut tj = ev("T'Juana", "Chuck's Hop Shop Greenwood", 6, None);
        tj.description = Some("Original event: Dinner: T'Juana".into());
        let events = vec![
            ev("Woodshop BBQ", "Stoup Brewing - Ballard", 5, Some((13, 20))),
            ev(
                "Tacos & Beer",
                "Yonder Cider & Bale Breaker - Ballard",
                5,
                Some((13, 21)),
            ),
            tolu,
            tj,
        ];
        let text = text(&events, &[err("Obec Brewing"), err("Obec Brewing")]);
        assert_eq!(
            text,
            "Found 4 food truck events:

📅 Saturday, July 05, 2025
  🚚 Woodshop BBQ @ Stoup Brewing - Ballard 01:00 PM - 08:00 PM
  🚚 Tacos & Beer @ Yonder Cider & Bale Breaker - Ballard 01:00 PM - 09:00 PM

📅 Sunday, July 06, 2025
  🚚 TOLU 🖼️🤖 @ Urban Family Brewing 09:05 AM
  🚚 T'Juana @ Chuck's Hop Shop Greenwood
     Original event: Dinner: T'Juana

⚠️  Processing Summary:
✅ 4 events found successfully
❌ 2 breweries failed

❌ Errors:
  • Failed to fetch information for brewery: Obec Brewing
"
        );
    }

    #[test]
    fn only_errors_and_nothing_at_all() {
        assert_eq!(
            text(&[], &[err("Obec Brewing")]),
            "\n❌ No events found - all breweries failed\n\n❌ Errors:\n  • Failed to fetch information for brewery: Obec Brewing\n"
        );
        assert_eq!(
            text(&[], &[]),
            "No food truck events found for the next 7 days.\n"
        );
    }
}
