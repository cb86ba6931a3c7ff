//! The selectors and regular expressions written into the sources' code. They are constants,
//! not input: each is compiled once, on first use, and every one of them is exercised by the
//! parser tests, so a typo fails those tests rather than a run.

use regex::Regex;
use scraper::Selector;

/// A CSS selector from the source code.
pub fn css(selector: &'static str) -> Selector {
    Selector::parse(selector)
        .unwrap_or_else(|e| panic!("the selector {selector:?} in the source code is invalid: {e}"))
}

/// A regular expression from the source code.
pub fn regex(pattern: &str) -> Regex {
    Regex::new(pattern)
        .unwrap_or_else(|e| panic!("the pattern {pattern:?} in the source code is invalid: {e}"))
}
