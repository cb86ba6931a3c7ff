//! The command line's run: each chosen site scraped, printed and published by the library's
//! pipeline (`atg-pipeline`); what it says about publishing; `--serve`; `probe`.

pub mod probe;
mod report;
mod run;

pub use atg_cli::say;
pub use report::{failed, print_schedule, published, serve};
pub use run::{RunOptions, run};
