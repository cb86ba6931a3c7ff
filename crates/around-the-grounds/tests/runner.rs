//! The `around-the-grounds` CLI as a user runs it: a real process against a local mirror.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser;
mod test_ai;
mod test_cli;
mod test_deploy;
mod test_page;
mod test_probe;
mod test_site;
mod test_sites;
mod test_upstream_later;
