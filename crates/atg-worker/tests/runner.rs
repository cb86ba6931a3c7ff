//! Temporal system tests: a real dev server (`temporal server start-dev`, started on a free
//! port by each test), real workers (in process, or the `atg-worker` binary when a test kills
//! it), the sources served by a local mirror, real git repositories.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
mod test_ai;
mod test_durability;
mod test_faults;
mod test_front_door;
mod test_interop;
mod test_migration;
mod test_replay;
mod test_scale;
mod test_side_doors;
mod test_sites;
mod test_trust;
mod test_workflow;
