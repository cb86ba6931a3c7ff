//! What one brewery's source may cost the worker. Every page, feed and reply is written by a
//! stranger, so every loop whose count comes from the input draws on a [`Budget`], and a parse
//! runs off the async runtime with the brewery's deadline in it: going over a limit, or past
//! the deadline, is that brewery's Parser Error (or timeout), never the run's.
//!
//! The limits and their defaults are listed in docs/ARCHITECTURE.md ("Untrusted input").

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use atg_core::Limit;

use crate::source::ParseError;

/// The limits of one brewery's scrape. The defaults are far above what a real venue lists
/// (a busy taproom: a few dozen events a week, a few hundred elements around them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// HTML elements nested in one another (Blink stops at 512; real pages at ~40).
    pub html_nesting: u64,
    /// HTML elements in a page (a heavy real page: ~20,000).
    pub html_elements: u64,
    /// Content lines of a calendar feed.
    pub feed_lines: u64,
    /// Values (objects, arrays, strings, numbers) in a JSON reply.
    pub json_values: u64,
    /// Entries one source lists: selector matches, items, rows, calendar components.
    pub entries: u64,
    /// Dates a feed's recurrence rules generate, counting every candidate a rule makes (not
    /// only those kept) and every RDATE and EXDATE.
    pub recurrence: u64,
    /// Events one brewery lists in the week (after the window is applied).
    pub events_per_week: u64,
    /// Different vendors one brewery lists in the week.
    pub vendors_per_week: u64,
    /// Characters of a vendor's name; longer names are cut (with `…`).
    pub vendor_chars: usize,
    /// Characters of an event's description; longer ones are cut (with `…`).
    pub description_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            html_nesting: 256,
            html_elements: 100_000,
            feed_lines: 250_000,
            json_values: 250_000,
            entries: 20_000,
            recurrence: 100_000,
            events_per_week: 500,
            vendors_per_week: 200,
            vendor_chars: 120,
            description_chars: 1_000,
        }
    }
}

/// How deep JSON may nest: serde_json refuses deeper input before it recurses (its own
/// recursion limit), so this is the format's limit here, not a setting.
pub const JSON_NESTING: u64 = 128;

/// What one brewery's parse has spent, against its [`Limits`] and its deadline. Shared by the
/// async scrape and the blocking thread its parse runs on; the scrape stops it when it is
/// dropped (the deadline passed, the run was cancelled), and the parse stops at its next
/// check.
#[derive(Debug)]
pub struct Budget {
    limits: Limits,
    deadline: Option<Instant>,
    stopped: AtomicBool,
    spent: [AtomicU64; Limit::ALL.len()],
    /// Entries of the source that could not be read while the rest was (how many, and why the
    /// first could not).
    unreadable: std::sync::Mutex<(u32, Option<String>)>,
}

impl Default for Budget {
    fn default() -> Self {
        Self::new(Limits::default(), None)
    }
}

impl Budget {
    pub fn new(limits: Limits, deadline: Option<Instant>) -> Self {
        Self {
            limits,
            deadline,
            stopped: AtomicBool::new(false),
            spent: std::array::from_fn(|_| AtomicU64::new(0)),
            unreadable: std::sync::Mutex::new((0, None)),
        }
    }

    /// Notes an entry of the source that could not be read while the rest is (a calendar's
    /// series whose rule cannot be expanded, say): reported with the brewery's events.
    pub fn unreadable_entry(&self, why: &str) {
        if let Ok(mut u) = self.unreadable.lock() {
            u.0 = u.0.saturating_add(1);
            if u.1.is_none() {
                u.1 = Some(crate::text::collapse_ws(why).chars().take(200).collect());
            }
        }
    }

    /// The entries noted as unreadable: how many, and why the first could not be read.
    pub fn unreadable(&self) -> Option<(u32, String)> {
        let u = self.unreadable.lock().ok()?;
        (u.0 > 0).then(|| (u.0, u.1.clone().unwrap_or_default()))
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Tells the parse to stop at its next check.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
    }

    /// The error of going over `limit`, whose maximum is `max`.
    pub fn over(limit: Limit, max: u64) -> ParseError {
        ParseError::over(limit, format!("over a limit: {}", limit.describe(max)))
    }

    /// Fails once the scrape has been stopped or its deadline has passed.
    pub fn check_time(&self) -> Result<(), ParseError> {
        if self.stopped.load(Ordering::Relaxed)
            || self.deadline.is_some_and(|d| Instant::now() >= d)
        {
            return Err(ParseError::new(
                "the parse was stopped: the source's deadline passed",
            ));
        }
        Ok(())
    }

    /// Adds `n` to what this scrape has spent of `limit` (at most `max`).
    pub fn spend(&self, limit: Limit, n: u64, max: u64) -> Result<(), ParseError> {
        self.check_time()?;
        let slot = &self.spent[limit as usize];
        let total = slot.fetch_add(n, Ordering::Relaxed).saturating_add(n);
        if total > max {
            return Err(Self::over(limit, max));
        }
        Ok(())
    }

    /// Entries a source lists (its `entries` limit), counted across every page it reads.
    pub fn entries(&self, n: usize) -> Result<(), ParseError> {
        self.spend(Limit::Entries, n as u64, self.limits.entries)
    }

    /// Dates a recurrence generates (its `recurrence` limit).
    pub fn dates(&self, n: u64) -> Result<(), ParseError> {
        self.spend(Limit::Recurrence, n, self.limits.recurrence)
    }

    /// The items of `iter`, at most the `entries` limit of them (what is left of it): the
    /// entries of a page, collected before any of them is read.
    pub fn take_entries<I: IntoIterator>(&self, iter: I) -> Result<Vec<I::Item>, ParseError> {
        let mut out = Vec::new();
        for (i, item) in iter.into_iter().enumerate() {
            if i % 1024 == 1023 {
                self.check_time()?;
            }
            out.push(item);
            if out.len().is_multiple_of(256) {
                self.entries(256)?;
            }
        }
        self.entries(out.len() % 256)?;
        Ok(out)
    }
}

/// The budget of a scrape, stopped when the scrape ends however it ends: when the coordinator
/// gives up on a brewery at its deadline, the future holding this is dropped, and the parse
/// still running on its blocking thread stops at its next check.
#[derive(Debug)]
pub struct StopOnDrop(pub Arc<Budget>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.stop();
    }
}

/// Cuts `s` to at most `max` characters, ending with `…` when it was cut.
pub fn cut(s: &mut String, max: usize) {
    if max == 0 {
        s.clear();
        return;
    }
    if let Some((at, _)) = s.char_indices().nth(max) {
        let keep = s.char_indices().nth(max - 1).map_or(at, |(i, _)| i);
        s.truncate(keep);
        s.push('…');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spending_past_a_limit_names_it() {
        let b = Budget::new(
            Limits {
                entries: 3,
                ..Limits::default()
            },
            None,
        );
        assert!(b.entries(2).is_ok());
        let e = b.entries(2).unwrap_err();
        assert_eq!(e.limit, Some(Limit::Entries));
        assert_eq!(e.to_string(), "over a limit: it lists more than 3 entries");
        let e = Budget::default().take_entries(0..30_000).unwrap_err();
        assert_eq!(e.limit, Some(Limit::Entries));
        assert_eq!(
            Budget::default().take_entries(0..19_999).unwrap().len(),
            19_999
        );
    }

    #[test]
    fn a_stopped_budget_stops_the_parse() {
        let b = Budget::default();
        assert!(b.check_time().is_ok());
        b.stop();
        assert!(b.dates(1).is_err());
        let past = Budget::new(Limits::default(), Some(Instant::now()));
        assert!(past.check_time().is_err());
    }

    #[test]
    fn cutting_keeps_whole_characters() {
        let mut s = "Tacos El Cuñado".to_string();
        cut(&mut s, 11);
        assert_eq!(s, "Tacos El C…");
        assert_eq!(s.chars().count(), 11);
        let mut short = "Taco".to_string();
        cut(&mut short, 4);
        assert_eq!(short, "Taco");
        let mut e = "ééééé".to_string();
        cut(&mut e, 3);
        assert_eq!(e, "éé…");
    }
}
