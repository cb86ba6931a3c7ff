//! How every binary of the project starts — `around-the-grounds`, `atg-worker`, `atg-starter`,
//! `atg-schedule-manager`: `.env` read before the arguments, the command line parsed (a bad
//! flag is one line and exit 1), the logger, the async runtime, and a line for people on
//! stdout. Not part of the pipeline: a tool that uses the library (`atg-pipeline`) brings its
//! own.

mod args;
mod logging;

pub use args::{parse_args, parse_date, parse_seconds, parse_zone, runtime, start};
pub use logging::{LogFormat, init_logging, init_logging_with};

/// One line on stdout; a reader that has gone away (`| head`) is not an error.
pub fn say(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}
