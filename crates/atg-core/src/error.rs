//! What went wrong for one brewery. A failure is data about that brewery, never a reason to
//! stop the run.

use serde::{Deserialize, Serialize};

/// The kinds of failure, named as the original named them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ErrorKind {
    /// No answer in time (a request timeout or the source's deadline).
    #[serde(rename = "Network Timeout")]
    NetworkTimeout,
    /// Connection refused or reset, DNS, TLS, too many redirects, an oversized body.
    #[serde(rename = "Network Error")]
    NetworkError,
    /// The server answered with a status that is not a success.
    #[serde(rename = "HTTP Error")]
    HttpStatus,
    /// The answer came but could not be understood.
    #[serde(rename = "Parser Error")]
    ParserError,
    /// The brewery's entry in the configuration cannot be used.
    #[serde(rename = "Configuration Error")]
    ConfigurationError,
    /// The scrape itself could not be run: no worker took it in time, or the worker running
    /// it failed (on Temporal). Not the brewery's doing.
    #[serde(rename = "Worker Error")]
    WorkerError,
}

impl ErrorKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::NetworkTimeout => "Network Timeout",
            Self::NetworkError => "Network Error",
            Self::HttpStatus => "HTTP Error",
            Self::ParserError => "Parser Error",
            Self::ConfigurationError => "Configuration Error",
            Self::WorkerError => "Worker Error",
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// One brewery's failure: `message` is the detailed reason (for logs and operators),
/// [`ScrapeError::user_message`] the text shown to readers of the schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScrapeError {
    pub brewery_key: String,
    pub brewery_name: String,
    pub kind: ErrorKind,
    pub message: String,
    /// Whether trying again later may succeed (timeouts, connection errors, 429 and 5xx).
    #[serde(default)]
    pub retryable: bool,
    /// The limit on untrusted input the source went over, when that is why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<Limit>,
}

impl ScrapeError {
    pub fn user_message(&self) -> String {
        user_message_for(&self.brewery_name)
    }
}

/// The original's reader-facing text for a failed brewery.
pub fn user_message_for(brewery_name: &str) -> String {
    format!("Failed to fetch information for brewery: {brewery_name}")
}

impl std::fmt::Display for ScrapeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}", self.brewery_name, self.kind, self.message)
    }
}

impl std::error::Error for ScrapeError {}

/// The limits on what one brewery's source may make a worker do (docs/ARCHITECTURE.md,
/// "Untrusted input"). A source that goes over one fails alone, with the limit named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// Elements, components or values nested in one another.
    Nesting,
    /// Elements of a page, lines of a feed, values of a JSON reply: what a parser would build.
    Size,
    /// Entries a source lists: selector matches, items, rows, calendar components.
    Entries,
    /// Dates a feed's recurrence rules generate (every candidate, RDATEs and EXDATEs too).
    Recurrence,
    /// Events in the week.
    Events,
    /// Distinct vendors in the week.
    Vendors,
    /// The bytes of one brewery's result in a Temporal payload.
    Payload,
}

impl Limit {
    pub const ALL: [Self; 7] = [
        Self::Nesting,
        Self::Size,
        Self::Entries,
        Self::Recurrence,
        Self::Events,
        Self::Vendors,
        Self::Payload,
    ];

    /// The name metrics and logs use.
    pub fn name(self) -> &'static str {
        match self {
            Self::Nesting => "nesting",
            Self::Size => "size",
            Self::Entries => "entries",
            Self::Recurrence => "recurrence",
            Self::Events => "events",
            Self::Vendors => "vendors",
            Self::Payload => "payload",
        }
    }

    /// What going over `max` means, for the operator's log and the error list.
    pub fn describe(self, max: u64) -> String {
        let n = thousands(max);
        match self {
            Self::Nesting => format!("it nests more than {n} levels deep"),
            Self::Size => format!("it has more than {n} elements, lines or values to read"),
            Self::Entries => format!("it lists more than {n} entries"),
            Self::Recurrence => format!("its recurrence rules generate more than {n} dates"),
            Self::Events => format!("it lists more than {n} events in the week"),
            Self::Vendors => format!("it names more than {n} different vendors in the week"),
            Self::Payload => format!("its result is larger than {n} bytes"),
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `100000` → `100,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_as_sentences() {
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(
            Limit::Recurrence.describe(100_000),
            "its recurrence rules generate more than 100,000 dates"
        );
        let e: ScrapeError = serde_json::from_str(
            r#"{"brewery_key":"k","brewery_name":"K","kind":"Parser Error","message":"m"}"#,
        )
        .unwrap();
        assert_eq!(e.limit, None);
        assert!(!serde_json::to_string(&e).unwrap().contains("limit"));
    }
}
