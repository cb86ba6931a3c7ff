//! The original's own captures, for the checks that compare with them: its test suite's pages,
//! sheet and `data.json` example live beside this repository in `../shared/fixtures/` (the
//! workplace's copy; CI always has it), never in it. Every other test reads the fixtures this
//! project wrote (`fixtures/`), so a fresh clone runs them all.
//!
//! Where that directory is: `ATG_SHARED_FIXTURES`, else the first `shared/fixtures` found beside
//! the workspace or one of its parents. A check that cannot find its capture says so on stderr
//! (the test passes with a `skipped:` line naming the file), so a run without it lists what it
//! did not compare.

use std::path::{Path, PathBuf};

/// The directory of the original's captures, if there is one.
pub fn shared_fixtures() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ATG_SHARED_FIXTURES") {
        return Some(PathBuf::from(dir)).filter(|d| d.is_dir());
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    workspace
        .ancestors()
        .map(|a| a.join("shared/fixtures"))
        .find(|d| d.is_dir())
}

/// The text of the capture at `rel` (e.g. `original/html/stoup_ballard_sample.html`), or
/// `None` after a `skipped:` line on stderr naming `check` and the file.
pub fn original_capture(rel: &str, check: &str) -> Option<String> {
    let found = shared_fixtures().map(|d| d.join(rel));
    match found.as_deref().map(std::fs::read_to_string) {
        Some(Ok(text)) => Some(text),
        Some(Err(e)) => {
            eprintln!(
                "skipped: {check}: the original's capture {} cannot be read ({e})",
                found.as_deref().unwrap_or(Path::new(rel)).display()
            );
            None
        }
        None => {
            eprintln!(
                "skipped: {check}: no ../shared/fixtures beside this checkout for {rel} (set ATG_SHARED_FIXTURES to compare with the original's captures)"
            );
            None
        }
    }
}
