//! The contract every source module keeps: what a parser is told ([`ParseContext`]), how it
//! fails ([`ParseError`], and [`SourceError`] for a whole source), the typed settings it reads
//! from its brewery's `parser_config` ([`Settings`]), and the checks every source's events pass.

use std::sync::Arc;

use atg_core::{Brewery, ErrorKind, FoodTruckEvent, Limit, ScrapeError};
use chrono::{Datelike, Months, NaiveDate};
use chrono_tz::Tz;
use regex::{Regex, RegexBuilder};

use crate::budget::Budget;
use crate::fetch::{FetchError, Fetcher, Request};

/// What a parser knows besides the body: whose events these are, what day it is and in
/// which zone, and which of a calendar's entries are food trucks.
#[derive(Debug, Clone)]
pub struct ParseContext {
    pub brewery_key: String,
    pub brewery_name: String,
    /// Today, at the site.
    pub today: NaiveDate,
    /// The site's zone: times written without one are read in it, and every time is given as
    /// its wall-clock reading there.
    pub zone: Tz,
    /// The brewery's `include`, `exclude` and `vendor_from` settings.
    pub rules: Arc<EventRules>,
    /// What this brewery's parse may still spend, and when it must stop.
    pub budget: Arc<Budget>,
}

impl ParseContext {
    pub fn new(brewery: &Brewery, today: NaiveDate) -> Self {
        Self::named(&brewery.key, &brewery.name, today)
    }

    /// A context for brewery `key` called `name`, in Pacific time (the default site's), with
    /// no rules.
    pub fn named(key: &str, name: &str, today: NaiveDate) -> Self {
        Self {
            brewery_key: key.to_string(),
            brewery_name: name.to_string(),
            today,
            zone: atg_core::PACIFIC,
            rules: Arc::default(),
            budget: Arc::default(),
        }
    }

    /// This context in `zone`.
    pub fn in_zone(self, zone: Tz) -> Self {
        Self { zone, ..self }
    }

    /// This context with `rules`.
    pub fn with_rules(self, rules: Arc<EventRules>) -> Self {
        Self { rules, ..self }
    }

    /// This context with `budget`.
    pub fn with_budget(self, budget: Arc<Budget>) -> Self {
        Self { budget, ..self }
    }

    /// An event of this brewery.
    pub fn event(&self, vendor: impl Into<String>, date: NaiveDate) -> FoodTruckEvent {
        FoodTruckEvent::new(&self.brewery_key, &self.brewery_name, vendor, date)
    }

    /// The event of a calendar entry titled `title` (with `categories`), if the brewery's rules
    /// keep it, its vendor read from the title by `vendor_from`.
    pub fn entry(
        &self,
        title: &str,
        categories: &[String],
        date: NaiveDate,
    ) -> Option<FoodTruckEvent> {
        let vendor = self.rules.vendor(title, categories)?;
        Some(self.event(vendor, date))
    }

    /// An ISO-8601 timestamp on the site's clock: converted when it has an offset, read as
    /// the site's own time when it has none.
    pub fn wall_clock(&self, raw: &str) -> Option<chrono::NaiveDateTime> {
        crate::text::iso_in_zone(raw, self.zone)
    }

    /// An instant in epoch milliseconds on the site's clock.
    pub fn epoch_ms(&self, ms: i64) -> Option<chrono::NaiveDateTime> {
        crate::text::epoch_ms_in_zone(ms, self.zone)
    }

    /// The first day of this month and of the next, on the site's calendar.
    pub fn this_and_next_month(&self) -> [NaiveDate; 2] {
        let first = self.today.with_day(1).unwrap_or(self.today);
        [
            first,
            first.checked_add_months(Months::new(1)).unwrap_or(first),
        ]
    }
}

/// The settings every source has: `include`, `exclude`, `vendor_from` (patterns).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSettings {
    #[serde(default, deserialize_with = "text")]
    pub include: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub exclude: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub vendor_from: Option<String>,
}

/// Which of a source's entries are food trucks, and where the vendor is in an entry's title: a
/// brewery's calendar lists trivia night and live music too. Every source honours them.
#[derive(Debug, Clone, Default)]
pub struct EventRules {
    /// Keep only entries whose title or a category matches (case-insensitive).
    pub include: Option<Regex>,
    /// Drop entries whose title or a category matches (case-insensitive).
    pub exclude: Option<Regex>,
    /// The vendor is this pattern's group `vendor` in the title (the whole title when it does
    /// not match).
    pub vendor_from: Option<Regex>,
}

/// The largest compiled size of a pattern from a config (the regex crate never backtracks, so
/// this bounds memory, not time).
const PATTERN_SIZE_LIMIT: usize = 1 << 20;

impl EventRules {
    /// The rules of a brewery's `parser_config` (`include`, `exclude`, `vendor_from`).
    pub fn from_settings(s: &RuleSettings) -> Result<Self, String> {
        let pattern = |field: &str, insensitive: bool| -> Result<Option<Regex>, String> {
            let given = match field {
                "include" => &s.include,
                "exclude" => &s.exclude,
                _ => &s.vendor_from,
            };
            given
                .as_deref()
                .map(|p| {
                    RegexBuilder::new(p)
                        .case_insensitive(insensitive)
                        .size_limit(PATTERN_SIZE_LIMIT)
                        .build()
                        .map_err(|e| format!("{field}: not a usable pattern: {e}"))
                })
                .transpose()
        };
        let vendor_from = pattern("vendor_from", false)?;
        if let Some(v) = &vendor_from
            && !v.capture_names().any(|n| n == Some("vendor"))
        {
            return Err(
                "vendor_from: needs a group named vendor, as in \"Food Truck: (?P<vendor>.+)\""
                    .into(),
            );
        }
        Ok(Self {
            include: pattern("include", true)?,
            exclude: pattern("exclude", true)?,
            vendor_from,
        })
    }

    /// The vendor of an entry, or `None` when the rules leave it out.
    pub fn vendor(&self, title: &str, categories: &[String]) -> Option<String> {
        let matches = |re: &Regex| re.is_match(title) || categories.iter().any(|c| re.is_match(c));
        if self.include.as_ref().is_some_and(|re| !matches(re)) {
            return None;
        }
        if self.exclude.as_ref().is_some_and(matches) {
            return None;
        }
        let vendor = self
            .vendor_from
            .as_ref()
            .and_then(|re| re.captures(title))
            .and_then(|c| c.name("vendor"))
            .map_or(title, |m| m.as_str());
        let vendor = crate::text::collapse_ws(vendor);
        (!vendor.is_empty()).then_some(vendor)
    }
}

/// A source that reads everything from one request: which request, and how its body reads.
pub trait OnePage {
    fn request(&self, ctx: &ParseContext) -> Request;
    fn parse(&self, body: &str, ctx: &ParseContext) -> Result<Vec<FoodTruckEvent>, ParseError>;
}

/// Fetches a [`OnePage`] source's request and parses the reply off the async runtime.
pub async fn read_one<S: OnePage + Clone + Send + 'static>(
    http: &Fetcher,
    source: &S,
    ctx: &ParseContext,
) -> Result<Vec<FoodTruckEvent>, SourceError> {
    let reply = http.send(&source.request(ctx)).await?;
    let source = source.clone();
    Ok(off_runtime(ctx, move |ctx| source.parse(&reply.body, ctx)).await?)
}

/// Runs a parse on a blocking thread, so that a page that costs seconds of CPU cannot hold an
/// async worker thread (the heartbeats, the deadline's timer and every other brewery run
/// there). When the scrape is given up (its deadline, a cancelled run), the parse is told to
/// stop through the context's [`Budget`] and ends at its next check; a panic in it is this
/// brewery's parse error.
pub async fn off_runtime<T: Send + 'static>(
    ctx: &ParseContext,
    parse: impl FnOnce(&ParseContext) -> Result<T, ParseError> + Send + 'static,
) -> Result<T, ParseError> {
    let on_thread = ctx.clone();
    match tokio::task::spawn_blocking(move || parse(&on_thread)).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => Err(ParseError::new(format!(
            "the parser failed on this page ({})",
            crate::coordinator::panic_message(e.into_panic().as_ref())
        ))),
        Err(_) => Err(ParseError::new("the parse was cancelled")),
    }
}

/// A parse failure: the body came but is not what the source serves, or it goes over a limit
/// on untrusted input ([`crate::budget`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub message: String,
    /// The limit the source went over, when that is the failure.
    pub limit: Option<Limit>,
}

impl ParseError {
    pub fn new(msg: impl Into<String>) -> Self {
        Self {
            message: msg.into(),
            limit: None,
        }
    }

    /// Going over `limit`.
    pub fn over(limit: Limit, msg: impl Into<String>) -> Self {
        Self {
            message: msg.into(),
            limit: Some(limit),
        }
    }
}

/// Why a source produced no events.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SourceError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("{0}")]
    Parse(#[from] ParseError),
    #[error("{0}")]
    Config(String),
    #[error("no answer within the {seconds:.0}s deadline")]
    Deadline { seconds: f64 },
}

impl SourceError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Fetch(f) => f.kind(),
            Self::Parse(_) => ErrorKind::ParserError,
            Self::Config(_) => ErrorKind::ConfigurationError,
            Self::Deadline { .. } => ErrorKind::NetworkTimeout,
        }
    }

    pub fn retryable(&self) -> bool {
        match self {
            Self::Fetch(f) => f.retryable(),
            Self::Deadline { .. } => true,
            Self::Parse(_) | Self::Config(_) => false,
        }
    }

    pub fn for_brewery(&self, brewery: &Brewery) -> ScrapeError {
        ScrapeError {
            brewery_key: brewery.key.clone(),
            brewery_name: brewery.name.clone(),
            kind: self.kind(),
            message: self.to_string(),
            retryable: self.retryable(),
            limit: match self {
                Self::Parse(p) => p.limit,
                _ => None,
            },
        }
    }
}

/// What every source's events go through: control and format characters out of the text a
/// reader sees, names and descriptions cut to their limits, invalid events dropped, and a date outside [`atg_core::SANE_YEARS`] (which the date helpers
/// already refuse) is a parse error rather than a value later arithmetic could overflow on.
pub(crate) fn checked_events(
    events: Vec<FoodTruckEvent>,
    limits: &crate::budget::Limits,
) -> Result<Vec<FoodTruckEvent>, SourceError> {
    let clean = |s: &mut String, max: usize| {
        if let std::borrow::Cow::Owned(c) = crate::text::strip_controls(s) {
            *s = c;
        }
        crate::budget::cut(s, max);
    };
    let mut kept = Vec::with_capacity(events.len());
    for mut e in events {
        let times = [
            Some(e.date),
            e.start_time.map(|t| t.date()),
            e.end_time.map(|t| t.date()),
        ];
        if let Some(bad) = times
            .into_iter()
            .flatten()
            .find(|d| !atg_core::is_sane_date(*d))
        {
            return Err(ParseError::new(format!(
                "the page gives the date {bad}, outside the years {}–{}",
                atg_core::SANE_YEARS.start(),
                atg_core::SANE_YEARS.end()
            ))
            .into());
        }
        clean(&mut e.vendor, limits.vendor_chars);
        clean(&mut e.brewery_name, usize::MAX);
        if let Some(d) = e.description.as_mut() {
            clean(d, limits.description_chars);
        }
        if e.is_valid() {
            kept.push(e);
        }
    }
    Ok(kept)
}

/// A source kind without settings of its own (besides the rules every source has).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoSettings {}

/// A text setting: absent, `null` or blank is none; the text is trimmed.
pub(crate) fn text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    use serde::Deserialize;
    Ok(Option::<String>::deserialize(d)?
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty()))
}

/// A text setting that must be given (not blank).
pub(crate) fn required<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    text(d)?.ok_or_else(|| serde::de::Error::custom("must not be blank"))
}

/// An absolute http(s) URL setting, used exactly as written (or none).
pub(crate) fn url<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let u = text(d)?;
    if let Some(u) = &u {
        atg_core::check_absolute_url(u).map_err(serde::de::Error::custom)?;
    }
    Ok(u)
}

/// Joins the months of a calendar read month by month: one month failing still gives the
/// others' events (with a warning); only every month failing is the source's error.
pub(crate) fn join_months(
    months: impl IntoIterator<Item = Result<Vec<FoodTruckEvent>, SourceError>>,
    ctx: &ParseContext,
) -> Result<Vec<FoodTruckEvent>, SourceError> {
    let mut events = Vec::new();
    let mut first_error = None;
    let mut any_ok = false;
    for month in months {
        match month {
            Ok(mut evs) => {
                any_ok = true;
                events.append(&mut evs);
            }
            Err(e) => {
                tracing::warn!(brewery = %ctx.brewery_key, error = %e, "month not read");
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) if !any_ok => Err(e),
        _ => Ok(events),
    }
}

/// An HTML document from a body that must not be blank.
pub(crate) fn require_body<'b>(body: &'b str, what: &str) -> Result<&'b str, ParseError> {
    if body.trim().is_empty() {
        Err(ParseError::new(format!("empty {what}")))
    } else {
        Ok(body)
    }
}
