//! `atg-schedule-manager` against a real dev server; every effect is checked through the
//! server (the client), not through the binary's own output.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod test_schedules;
