//! Fetching and reading the breweries' schedules: the HTTP fetcher, one module per source
//! (pure synchronous parsers over fetched bodies), and the coordinator that runs them
//! concurrently and turns failures into per-brewery errors.
//!
//! Not here: the schedule's outputs (atg-web), publishing (atg-deploy), Temporal.

pub mod bounded;
pub mod budget;
pub mod coordinator;
pub mod fetch;
pub mod paging;
mod patterns;
pub mod probe;
pub mod source;
pub mod sources;
pub mod template;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod text;
pub mod timeparse;

pub use budget::{Budget, Limits};
pub use coordinator::{Coordinator, ScrapeOptions};
pub use fetch::{FetchError, FetchOptions, Fetcher};
pub use source::{ParseContext, ParseError, SourceError};
pub use sources::{Source, SourceKind, check_config, compile};
