//! What a schedule looks like to people and programs: the terminal text of the CLI and its
//! `--format json` report, the site's `data.json` (the original's schema), the calendar feeds
//! (`events.ics`), the sources' health record (`health.json`), and the static page itself.
//!
//! Functions from a schedule to bytes; nothing here fetches or publishes. A site too big to
//! hold in memory is written to a temporary directory as it is rendered (`SiteDir`, under
//! `TMPDIR`), and read back one file at a time by the publishers.

pub mod data_json;
pub mod health;
pub mod ics;
mod report;
pub mod site;
mod text;

pub use data_json::{WebData, WebEvent};
pub use health::{HealthRecord, SourceHealth};
pub use report::{Report, ReportError, ReportEvent};
pub use site::{RenderError, render_data, render_site, render_site_with_health};
pub use text::{AI_MARK, render_text};
