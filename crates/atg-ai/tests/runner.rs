//! The Anthropic client, haiku and vision against a stand-in for the Messages API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod test_ai;
