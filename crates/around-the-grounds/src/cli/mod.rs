//! How every binary of the project starts (feature `cli`): `.env`, the command line, the
//! logger and the async runtime; and what the CLI says about publishing, and `--serve`. Not part of the pipeline: a tool that uses the library brings
//! its own.

mod args;
mod logging;
pub mod probe;
mod report;
mod run;

pub use args::{parse_args, parse_date, parse_seconds, parse_zone, runtime, start};
pub use logging::{LogFormat, init_logging, init_logging_with};
pub use report::{failed, print_schedule, published, say, serve};
pub use run::{RunOptions, run};
