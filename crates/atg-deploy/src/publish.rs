//! The one deploy used by the CLI and the Temporal activity: settings from the environment,
//! credentials resolved, the git work done off the async runtime.

use std::path::PathBuf;

use atg_web::SiteFile;
use base64::Engine;
use chrono::{DateTime, Utc};

use crate::git::{Deployed, GitDeploy, GitError, GitTarget, Identity, deploy_site};
use crate::github::{AuthError, DEFAULT_API_URL, GitHubApp, github_repo};
use atg_core::Secret;

/// How the push authenticates.
#[derive(Debug, Clone)]
pub enum Auth {
    /// ssh keys, a local path, or a public repository.
    None,
    /// A token for HTTPS (`GITHUB_TOKEN`).
    Token(Secret),
    /// A GitHub App; an installation token is minted for each deploy.
    App(GitHubApp),
}

/// Everything a deploy needs to know, read once.
#[derive(Debug, Clone)]
pub struct GitSettings {
    pub target: GitTarget,
    pub identity: Identity,
    pub auth: Auth,
    /// GitHub's API (`GITHUB_API_URL`; GitHub Enterprise or a test server).
    pub api_url: String,
    pub max_attempts: u32,
    /// Keep the fetched repository here instead of a temporary directory.
    pub workdir: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("deploying needs a target repository: pass --git-repo URL or set GIT_REPOSITORY_URL")]
    NoRepository,
    #[error("{var}: {detail}")]
    Invalid { var: &'static str, detail: String },
    #[error(transparent)]
    Key(#[from] AuthError),
}

#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error("GitHub authentication failed: {0}")]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("the deploy task stopped unexpectedly: {0}")]
    Task(String),
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

impl GitSettings {
    /// Reads `GIT_REPOSITORY_URL` (unless `repo` is given), `GIT_BRANCH` (unless `branch`),
    /// `GIT_AUTHOR_NAME`, `GIT_AUTHOR_EMAIL`, `GITHUB_APP_ID` with `GITHUB_APP_PRIVATE_KEY_B64`
    /// or `GITHUB_APP_PRIVATE_KEY_PATH`, `GITHUB_TOKEN`, `GITHUB_API_URL` through `env`.
    pub fn from_env(
        repo: Option<String>,
        branch: Option<String>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, SettingsError> {
        let get = |k: &str| non_empty(env(k));
        let url = non_empty(repo)
            .or_else(|| get("GIT_REPOSITORY_URL"))
            .ok_or(SettingsError::NoRepository)?;
        let branch = non_empty(branch)
            .or_else(|| get("GIT_BRANCH"))
            .unwrap_or_else(|| "main".into());
        let default = Identity::default();
        let identity = Identity {
            name: get("GIT_AUTHOR_NAME").unwrap_or(default.name),
            email: get("GIT_AUTHOR_EMAIL").unwrap_or(default.email),
        };
        let key = match (
            get("GITHUB_APP_PRIVATE_KEY_B64"),
            get("GITHUB_APP_PRIVATE_KEY_PATH"),
        ) {
            (Some(b64), _) => {
                let compact: String = b64.split_whitespace().collect();
                let pem = base64::engine::general_purpose::STANDARD
                    .decode(compact.as_bytes())
                    .map_err(|e| SettingsError::Invalid {
                        var: "GITHUB_APP_PRIVATE_KEY_B64",
                        detail: format!("not valid base64 ({e})"),
                    })?;
                let pem = String::from_utf8(pem).map_err(|_| SettingsError::Invalid {
                    var: "GITHUB_APP_PRIVATE_KEY_B64",
                    detail: "does not decode to PEM text".into(),
                })?;
                Some((Secret::new(pem), "GITHUB_APP_PRIVATE_KEY_B64".to_string()))
            }
            (None, Some(path)) => {
                let pem = std::fs::read_to_string(&path).map_err(|e| SettingsError::Invalid {
                    var: "GITHUB_APP_PRIVATE_KEY_PATH",
                    detail: format!("cannot read {path}: {e}"),
                })?;
                Some((
                    Secret::new(pem),
                    format!("GITHUB_APP_PRIVATE_KEY_PATH ({path})"),
                ))
            }
            (None, None) => None,
        };
        let auth = match (get("GITHUB_APP_ID"), key, get("GITHUB_TOKEN")) {
            (Some(id), Some((pem, from)), _) => Auth::App(GitHubApp::new(&id, &pem, &from)?),
            (Some(_), None, _) => {
                return Err(SettingsError::Invalid {
                    var: "GITHUB_APP_ID",
                    detail: "is set, but neither GITHUB_APP_PRIVATE_KEY_B64 nor GITHUB_APP_PRIVATE_KEY_PATH is".into(),
                });
            }
            (None, Some(_), _) => {
                return Err(SettingsError::Invalid {
                    var: "GITHUB_APP_ID",
                    detail: "is needed with a GitHub App private key".into(),
                });
            }
            (None, None, Some(token)) => Auth::Token(Secret::new(token)),
            (None, None, None) => Auth::None,
        };
        Ok(Self {
            target: GitTarget { url, branch },
            identity,
            auth,
            api_url: get("GITHUB_API_URL").unwrap_or_else(|| DEFAULT_API_URL.into()),
            max_attempts: 3,
            workdir: None,
        })
    }

    /// One line for logs: where, which branch, how authenticated — no secret.
    pub fn summary(&self) -> String {
        let auth = match &self.auth {
            Auth::None => "no credentials".to_string(),
            Auth::Token(t) => format!("token {}", t.masked()),
            Auth::App(app) => format!("GitHub App {}", app.app_id()),
        };
        format!(
            "{} (branch {}), {auth}",
            self.target.url, self.target.branch
        )
    }

    /// The token for this deploy, minting one for a GitHub App.
    pub async fn token(&self, now: DateTime<Utc>) -> Result<Option<Secret>, AuthError> {
        match &self.auth {
            Auth::None => Ok(None),
            Auth::Token(t) => Ok(Some(t.clone())),
            Auth::App(app) => {
                let (owner, repo) = github_repo(&self.target.url)
                    .ok_or_else(|| AuthError::NotGitHub(self.target.url.clone()))?;
                app.installation_token(&self.api_url, &owner, &repo, now.timestamp())
                    .await
                    .map(Some)
            }
        }
    }
}

/// The original's commit message, in Pacific time.
pub fn commit_message(now: DateTime<Utc>) -> String {
    format!(
        "🚚 Update food truck data - {}",
        now.with_timezone(&atg_core::PACIFIC)
            .format("%Y-%m-%d %H:%M")
    )
}

/// Publishes the site's `files` under `public/` of the target repository.
pub async fn deploy(
    settings: &GitSettings,
    files: Vec<SiteFile>,
    now: DateTime<Utc>,
) -> Result<Deployed, DeployError> {
    let token = settings.token(now).await?;
    let job = GitDeploy {
        target: settings.target.clone(),
        token,
        identity: settings.identity.clone(),
        message: commit_message(now),
        time: now.timestamp(),
        max_attempts: settings.max_attempts,
        workdir: settings.workdir.clone(),
    };
    tracing::info!(target = %settings.summary(), "deploying");
    tokio::task::spawn_blocking(move || deploy_site(&job, &files))
        .await
        .map_err(|e| DeployError::Task(e.to_string()))?
        .map_err(DeployError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn no_repository_is_a_clear_error() {
        let e = GitSettings::from_env(None, None, env(&[])).unwrap_err();
        assert!(
            e.to_string()
                .contains("--git-repo URL or set GIT_REPOSITORY_URL"),
            "{e}"
        );
    }

    #[test]
    fn flags_win_over_env_and_defaults_apply() {
        let vars = [
            ("GIT_REPOSITORY_URL", "https://github.com/a/b.git"),
            ("GIT_BRANCH", "gh-pages"),
        ];
        let s = GitSettings::from_env(Some("/srv/site.git".into()), None, env(&vars)).unwrap();
        assert_eq!(s.target.url, "/srv/site.git");
        assert_eq!(s.target.branch, "gh-pages");
        assert_eq!(s.identity, Identity::default());
        assert!(matches!(s.auth, Auth::None));
        let s = GitSettings::from_env(None, Some("main".into()), env(&vars)).unwrap();
        assert_eq!(
            (s.target.url.as_str(), s.target.branch.as_str()),
            ("https://github.com/a/b.git", "main")
        );
    }

    #[test]
    fn token_is_masked_in_the_summary() {
        let vars = [
            ("GIT_REPOSITORY_URL", "https://github.com/a/b"),
            ("GITHUB_TOKEN", "ghp_abcdefghijklmnop"),
        ];
        let s = GitSettings::from_env(None, None, env(&vars)).unwrap();
        let summary = s.summary();
        assert!(
            summary.contains("token ghp_…") && !summary.contains("abcdefgh"),
            "{summary}"
        );
        assert!(!format!("{s:?}").contains("abcdefgh"));
    }

    #[test]
    fn app_settings_must_be_complete_and_valid() {
        let e = GitSettings::from_env(
            Some("https://github.com/a/b".into()),
            None,
            env(&[("GITHUB_APP_ID", "1")]),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("GITHUB_APP_ID: is set, but neither"),
            "{e}"
        );
        let e = GitSettings::from_env(
            Some("https://github.com/a/b".into()),
            None,
            env(&[
                ("GITHUB_APP_ID", "1"),
                ("GITHUB_APP_PRIVATE_KEY_B64", "%%%"),
            ]),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("GITHUB_APP_PRIVATE_KEY_B64: not valid base64"),
            "{e}"
        );
        let not_a_key = base64::engine::general_purpose::STANDARD
            .encode("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        let e = GitSettings::from_env(
            Some("https://github.com/a/b".into()),
            None,
            env(&[
                ("GITHUB_APP_ID", "1"),
                ("GITHUB_APP_PRIVATE_KEY_B64", &not_a_key),
            ]),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("GITHUB_APP_PRIVATE_KEY_B64: not a usable RSA private key"),
            "{e}"
        );
        let e = GitSettings::from_env(
            Some("https://github.com/a/b".into()),
            None,
            env(&[
                ("GITHUB_APP_ID", "1"),
                ("GITHUB_APP_PRIVATE_KEY_PATH", "/nonexistent/key.pem"),
            ]),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("cannot read /nonexistent/key.pem"),
            "{e}"
        );
    }

    #[test]
    fn commit_message_is_pacific() {
        let t = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 26, 6, 30, 0).unwrap();
        assert_eq!(
            commit_message(t),
            "🚚 Update food truck data - 2026-11-25 22:30"
        );
    }
}
