//! Integration tests of atg-web.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
mod test_data_json;
mod test_ics;
