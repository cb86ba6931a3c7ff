//! Integration tests of atg-deploy: real git repositories, a token-protected smart-HTTP
//! remote, and GitHub's API stood in for by wiremock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
mod test_git;
mod test_github_app;
mod test_http_remote;
