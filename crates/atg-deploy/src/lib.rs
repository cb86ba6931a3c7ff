//! Publishing a rendered site: into a local directory, or as a commit pushed to a git
//! repository (with GitHub App or token credentials). A publish either fully replaces what was there or leaves it
//! exactly as it was: readers never see half a site, and a failed run never costs the last
//! good one.
//!
//! Not here: deciding whether a run is worth publishing (the pipeline does), rendering.

pub mod git;
pub mod github;
pub mod local;
mod publish;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod trust;

pub use atg_core::Secret;
pub use git::{
    Deployed, GitDeploy, GitError, GitTarget, Identity, deploy_site, read_published_file,
};
pub use github::{AuthError, GitHubApp, github_repo};
pub use local::{LocalError, MARKER, publish_dir};
pub use publish::{
    Auth, DEFAULT_GIT_TIMEOUT, DeployEnv, DeployError, GitSettings, SettingsError, commit_message,
    deploy, read_published,
};
pub use trust::{
    ORIGINAL_DEFAULT_REPOSITORY, Origin, PolicyError, RepositoryPolicy, split_credentials,
};
