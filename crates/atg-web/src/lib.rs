//! What a schedule looks like to people and programs: the terminal text of the CLI and its
//! `--format json` document.
//!
//! Pure functions from events and errors to text; nothing here fetches or writes files.

mod report;
mod text;

pub use report::{Report, ReportError, ReportEvent};
pub use text::render_text;
