//! The one deploy used by the CLI and the Temporal activity: settings from the environment,
//! credentials resolved, the git work done off the async runtime.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use base64::Engine;
use chrono::{DateTime, Utc};

use crate::git::{
    Deployed, GitDeploy, GitError, GitTarget, Identity, SITE_DIR, deploy_site, read_published_file,
};
use crate::github::{AuthError, DEFAULT_API_URL, GitHubApp, github_repo};
use crate::trust::{
    Origin, PolicyError, RepositoryPolicy, may_carry_credentials, split_credentials,
};
use atg_core::{Secret, Site};

/// The longest a whole deploy (fetch, commit, push) may take unless `ATG_GIT_TIMEOUT` says
/// otherwise: below the workflow's 2-minute deploy activity, so the activity sees it end.
pub const DEFAULT_GIT_TIMEOUT: Duration = Duration::from_secs(90);

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
    /// Where the credential may be sent (scheme, host, port): the operator's repository for
    /// a token, GitHub (or the GitHub Enterprise host of `GITHUB_API_URL`) for an App.
    pub credential_scope: Option<Origin>,
    /// The whole deploy's deadline (`ATG_GIT_TIMEOUT`, seconds).
    pub timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("deploying needs a target repository: pass --git-repo URL or set GIT_REPOSITORY_URL")]
    NoRepository,
    #[error("{var}: {detail}")]
    Invalid { var: &'static str, detail: String },
    #[error(transparent)]
    Policy(#[from] PolicyError),
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

/// The deploy settings of the environment, read once at start-up: the variables a deploy uses,
/// with a GitHub App key file (`GITHUB_APP_PRIVATE_KEY_PATH`) read then too, so a bad key or
/// setting stops the worker when it starts, not at its first deploy.
#[derive(Clone, Default)]
pub struct DeployEnv(std::collections::BTreeMap<&'static str, String>);

impl std::fmt::Debug for DeployEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

impl DeployEnv {
    /// Every variable a deploy reads.
    pub const VARS: &'static [&'static str] = &[
        "GIT_REPOSITORY_URL",
        "GIT_BRANCH",
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GITHUB_APP_ID",
        "GITHUB_APP_PRIVATE_KEY_B64",
        "GITHUB_APP_PRIVATE_KEY_PATH",
        "GITHUB_TOKEN",
        "GITHUB_API_URL",
        "GITHUB_HOST",
        "ATG_GIT_TIMEOUT",
        "ATG_ALLOWED_REPOSITORIES",
    ];

    /// The deploy variables of `env`, checked: the settings a deploy would use are built once
    /// (a key file that cannot be read, a key that is not a key, a bad timeout is an error
    /// here).
    pub fn read(env: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let mut vars = std::collections::BTreeMap::new();
        for k in Self::VARS {
            if let Some(v) = non_empty(env(k)) {
                vars.insert(*k, v);
            }
        }
        if !vars.contains_key("GITHUB_APP_PRIVATE_KEY_B64")
            && let Some(path) = vars.remove("GITHUB_APP_PRIVATE_KEY_PATH")
        {
            let pem = std::fs::read(&path).map_err(|e| SettingsError::Invalid {
                var: "GITHUB_APP_PRIVATE_KEY_PATH",
                detail: format!("cannot read {path}: {e}"),
            })?;
            vars.insert(
                "GITHUB_APP_PRIVATE_KEY_B64",
                base64::engine::general_purpose::STANDARD.encode(pem),
            );
        }
        let this = Self(vars);
        let repo = this
            .get("GIT_REPOSITORY_URL")
            .unwrap_or_else(|| "https://github.com/example/site.git".into());
        GitSettings::from_env(Some(repo), None, |k| this.get(k))?;
        Ok(this)
    }

    /// A variable as it was at start-up.
    pub fn get(&self, k: &str) -> Option<String> {
        self.0.get(k).cloned()
    }
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

impl GitSettings {
    /// These settings, publishing into `dir` of the repository (`""` for its root).
    pub fn in_dir(mut self, dir: &str) -> Self {
        self.target.dir = dir.trim_matches('/').to_string();
        self
    }

    /// The operator's deploy (the CLI): `repo` (else `GIT_REPOSITORY_URL`) is trusted as the
    /// operator's own choice. Reads `GIT_BRANCH` (unless `branch`), `GIT_AUTHOR_NAME`,
    /// `GIT_AUTHOR_EMAIL`, `GITHUB_APP_ID` with `GITHUB_APP_PRIVATE_KEY_B64` or
    /// `GITHUB_APP_PRIVATE_KEY_PATH`, `GITHUB_TOKEN`, `GITHUB_API_URL`, `ATG_GIT_TIMEOUT`
    /// through `env`. Credentials written into the URL are taken out of it and used as the
    /// token for that URL's host.
    pub fn from_env(
        repo: Option<String>,
        branch: Option<String>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, SettingsError> {
        let get = |k: &str| non_empty(env(k));
        let operator = non_empty(repo)
            .or_else(|| get("GIT_REPOSITORY_URL"))
            .ok_or(SettingsError::NoRepository)?;
        Self::build(&operator, &operator, branch, &env)
    }

    /// The deploy of a site whose configuration names its own repository (`site_repo`), by
    /// the CLI: the operator's token (`GITHUB_TOKEN`, or one written into `--git-repo` /
    /// `GIT_REPOSITORY_URL`) goes only to the host of the repository the operator named that
    /// way (github.com when they named none), never to a host only a config file names.
    /// A credential the site's configuration wrote into its repository URL (split out when
    /// it was loaded) is used for that repository's host only.
    pub fn for_site(
        site: &atg_core::PublishSettings,
        operator_repo: Option<String>,
        branch: Option<String>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, SettingsError> {
        let get = |k: &str| non_empty(env(k));
        let operator = non_empty(operator_repo).or_else(|| get("GIT_REPOSITORY_URL"));
        let target = non_empty(site.repository.clone())
            .or_else(|| operator.clone())
            .ok_or(SettingsError::NoRepository)?;
        let operator = operator.unwrap_or_else(|| "https://github.com/".to_string());
        let mut settings = Self::build(&target, &operator, branch, &env)?;
        if let (Some(own), Some(_)) = (&site.credential, &site.repository) {
            settings.credential_scope = Origin::of(&settings.target.url);
            settings.auth = Auth::Token(own.clone());
        }
        Ok(settings)
    }

    /// A deploy a workflow asked for: `requested` is honoured only when the worker's
    /// [`RepositoryPolicy`] allows it (else the worker's own `GIT_REPOSITORY_URL`), and the
    /// worker's credentials stay scoped to the worker's own repository's host.
    pub fn for_workflow(
        policy: &RepositoryPolicy,
        requested: Option<String>,
        branch: Option<String>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, SettingsError> {
        // The worker's own URL as its operator wrote it (a token in it is the operator's).
        let own = non_empty(env("GIT_REPOSITORY_URL")).or_else(|| policy.own.clone());
        let target = match policy.choose(requested.as_deref())? {
            Some(t) => t,
            None => own.clone().ok_or(SettingsError::NoRepository)?,
        };
        Self::build(&target, own.as_deref().unwrap_or(&target), branch, &env)
    }

    fn build(
        target: &str,
        operator: &str,
        branch: Option<String>,
        env: &impl Fn(&str) -> Option<String>,
    ) -> Result<Self, SettingsError> {
        let get = |k: &str| non_empty(env(k));
        let target = split_credentials(target);
        let operator = split_credentials(operator);
        let url = target.url;
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
        let api_url = get("GITHUB_API_URL").unwrap_or_else(|| DEFAULT_API_URL.into());
        // The App's signed JWT goes to this URL: TLS only (plain http only on loopback).
        if matches!(auth, Auth::App(_)) && !atg_core::secret_may_travel_to(&api_url) {
            return Err(SettingsError::Invalid {
                var: "GITHUB_API_URL",
                detail: format!("{api_url} is not https: the App's key is not sent in the clear"),
            });
        }
        // A token written into the URL is for that URL; one from the environment is for the
        // operator's repository (github.com when that is not an http(s) URL).
        let operator_scope =
            || Some(Origin::of(&operator.url).unwrap_or_else(|| Origin::https("github.com")));
        let (auth, credential_scope) = match (target.credential, operator.credential, auth) {
            (Some(t), _, _) => (Auth::Token(t), Origin::of(&url)),
            (None, Some(t), _) => (Auth::Token(t), operator_scope()),
            (None, None, auth @ Auth::Token(_)) => (auth, operator_scope()),
            (None, None, auth @ Auth::App(_)) => (
                auth,
                Some(match get("GITHUB_HOST") {
                    Some(host) => Origin::https(&host),
                    None => github_web_origin(&api_url),
                }),
            ),
            (None, None, Auth::None) => (Auth::None, None),
        };
        let timeout = match get("ATG_GIT_TIMEOUT") {
            None => DEFAULT_GIT_TIMEOUT,
            Some(v) => match v.parse::<u64>() {
                Ok(s) if (1..=3600).contains(&s) => Duration::from_secs(s),
                _ => {
                    return Err(SettingsError::Invalid {
                        var: "ATG_GIT_TIMEOUT",
                        detail: format!("{v:?} is not a number of seconds from 1 to 3600"),
                    });
                }
            },
        };
        Ok(Self {
            target: GitTarget {
                url,
                branch,
                dir: SITE_DIR.to_string(),
            },
            identity,
            auth,
            api_url,
            max_attempts: 3,
            workdir: None,
            credential_scope,
            timeout,
        })
    }

    /// Whether this deploy's credential may go to its target; `Err` says why not.
    pub fn credential_allowed(&self) -> Result<(), String> {
        match &self.credential_scope {
            None => Ok(()),
            Some(scope) => may_carry_credentials(&self.target.url, scope),
        }
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

    /// The token for this deploy, minting one for a GitHub App; none when the target is not
    /// where the credential may go (the push then runs without it, and the reason is logged).
    pub async fn token(&self, now: DateTime<Utc>) -> Result<Option<Secret>, AuthError> {
        match &self.auth {
            Auth::None => Ok(None),
            // ssh and local targets need no token; any other host must not get it.
            Auth::Token(t) => match self.credential_allowed() {
                Ok(()) => Ok(Some(t.clone())),
                Err(why) => {
                    tracing::warn!(target = %self.target.url, "deploying without the token: {why}");
                    Ok(None)
                }
            },
            Auth::App(app) => {
                let (owner, repo) = github_repo(&self.target.url)
                    .ok_or_else(|| AuthError::NotGitHub(self.target.url.clone()))?;
                self.credential_allowed().map_err(AuthError::WrongHost)?;
                app.installation_token(&self.api_url, &owner, &repo, now.timestamp())
                    .await
                    .map(Some)
            }
        }
    }
}

/// The original's commit message, on the site's clock (the original's is Pacific).
pub fn commit_message(now: DateTime<Utc>, zone: chrono_tz::Tz) -> String {
    format!(
        "🚚 Update food truck data - {}",
        now.with_timezone(&zone).format("%Y-%m-%d %H:%M")
    )
}

/// Publishes `site` into the site directory of the target repository.
pub async fn deploy(
    settings: &GitSettings,
    site: std::sync::Arc<Site>,
    now: DateTime<Utc>,
) -> Result<Deployed, DeployError> {
    tracing::info!(target = %settings.summary(), "deploying");
    let message = commit_message(now, site.zone);
    git_work(settings, now, message, move |job| deploy_site(job, &site)).await
}

/// The bytes of `file` in the site directory of the target branch, if it is there (the
/// `health.json` a run carries on from).
pub async fn read_published(
    settings: &GitSettings,
    file: &str,
    now: DateTime<Utc>,
) -> Result<Option<Vec<u8>>, DeployError> {
    let file = file.to_string();
    // A read makes no commit: no message.
    git_work(settings, now, String::new(), move |job| {
        read_published_file(job, &file)
    })
    .await
}

/// `work` on the target repository off the async runtime, with the deploy's credentials and
/// deadline. Dropping the future (a cancelled or timed-out activity, Ctrl-C) raises the cancel
/// flag, and the git work stops before it can push.
async fn git_work<T: Send + 'static>(
    settings: &GitSettings,
    now: DateTime<Utc>,
    message: String,
    work: impl FnOnce(&GitDeploy) -> Result<T, GitError> + Send + 'static,
) -> Result<T, DeployError> {
    let token = tokio::time::timeout(settings.timeout, settings.token(now))
        .await
        .map_err(|_| AuthError::Timeout(settings.timeout.as_secs()))??;
    let cancel = CancelOnDrop(Arc::new(AtomicBool::new(false)));
    let job = GitDeploy {
        target: settings.target.clone(),
        token,
        identity: settings.identity.clone(),
        message,
        time: now.timestamp(),
        max_attempts: settings.max_attempts,
        workdir: settings.workdir.clone(),
        timeout: settings.timeout,
        cancel: cancel.0.clone(),
    };
    tokio::task::spawn_blocking(move || work(&job))
        .await
        .map_err(|e| DeployError::Task(e.to_string()))?
        .map_err(DeployError::from)
}

struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// The web host whose repositories a GitHub App's tokens are for: github.com for GitHub's API,
/// the API's own host for GitHub Enterprise (`https://ghe.example/api/v3`).
fn github_web_origin(api_url: &str) -> Origin {
    match Origin::of(api_url) {
        Some(o) if o.host == "api.github.com" => Origin::https("github.com"),
        Some(o) => o,
        None => Origin::https("github.com"),
    }
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
    fn commit_message_is_on_the_sites_clock() {
        let t = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 26, 6, 30, 0).unwrap();
        assert_eq!(
            commit_message(t, atg_core::PACIFIC),
            "🚚 Update food truck data - 2026-11-25 22:30"
        );
        assert_eq!(
            commit_message(t, chrono_tz::America::New_York),
            "🚚 Update food truck data - 2026-11-26 01:30"
        );
    }
}
