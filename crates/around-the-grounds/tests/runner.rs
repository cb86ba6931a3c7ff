//! The `around-the-grounds` CLI as a user runs it: a real process against a local mirror.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod test_ai;
mod test_cli;
mod test_deploy;
mod test_probe;
mod test_site;
