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
}

impl ErrorKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::NetworkTimeout => "Network Timeout",
            Self::NetworkError => "Network Error",
            Self::HttpStatus => "HTTP Error",
            Self::ParserError => "Parser Error",
            Self::ConfigurationError => "Configuration Error",
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
