//! GitHub credentials: a GitHub App's installation token (RS256 JWT → installation of the
//! repository → access token), or a plain token.

use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};

use atg_core::Secret;

pub const DEFAULT_API_URL: &str = "https://api.github.com";

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{source_name}: not a usable RSA private key in PEM form ({detail})")]
    BadKey { source_name: String, detail: String },
    #[error(
        "GitHub App authentication needs a GitHub repository URL like https://github.com/OWNER/REPO, not {0}"
    )]
    NotGitHub(String),
    #[error(
        "the GitHub App {app_id} is not installed on {repo} (GET /repos/{repo}/installation answered 404): install it on that repository"
    )]
    NotInstalled { app_id: String, repo: String },
    #[error(
        "GitHub refused the App's credentials ({status} from {what}): check GITHUB_APP_ID, the private key and this machine's clock"
    )]
    Unauthorized { status: u16, what: String },
    #[error("GitHub answered {status} to {what}")]
    Http { status: u16, what: String },
    #[error("cannot reach the GitHub API at {base}: {detail}")]
    Network { base: String, detail: String },
    #[error("unexpected reply from GitHub to {what}: {detail}")]
    Malformed { what: String, detail: String },
    #[error("the GitHub API gave no token within {0} s")]
    Timeout(u64),
    #[error(
        "no GitHub App token is minted for this repository: {0} (GITHUB_HOST names the GitHub Enterprise host)"
    )]
    WrongHost(String),
}

/// A GitHub App that can mint installation tokens.
#[derive(Clone)]
pub struct GitHubApp {
    app_id: String,
    key: EncodingKey,
}

impl std::fmt::Debug for GitHubApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubApp")
            .field("app_id", &self.app_id)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    iat: i64,
    exp: i64,
    iss: &'a str,
}

#[derive(Deserialize)]
struct Installation {
    id: u64,
}

#[derive(Deserialize)]
struct AccessToken {
    token: String,
}

impl GitHubApp {
    /// `source_name` names where the key came from, for errors.
    pub fn new(app_id: &str, pem: &Secret, source_name: &str) -> Result<Self, AuthError> {
        let key =
            EncodingKey::from_rsa_pem(pem.expose().as_bytes()).map_err(|e| AuthError::BadKey {
                source_name: source_name.to_string(),
                detail: e.to_string(),
            })?;
        Ok(Self {
            app_id: app_id.to_string(),
            key,
        })
    }

    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The App's JWT: RS256, issued 60 s in the past (clock drift), valid 9 minutes.
    pub fn jwt(&self, now: i64) -> Result<String, AuthError> {
        let claims = Claims {
            iat: now - 60,
            exp: now + 9 * 60,
            iss: &self.app_id,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &self.key).map_err(|e| {
            AuthError::BadKey {
                source_name: "GitHub App key".into(),
                detail: e.to_string(),
            }
        })
    }

    /// An installation access token for `owner/repo`.
    pub async fn installation_token(
        &self,
        api_base: &str,
        owner: &str,
        repo: &str,
        now: i64,
    ) -> Result<Secret, AuthError> {
        let jwt = self.jwt(now)?;
        let base = api_base.trim_end_matches('/');
        let http = atg_http::Outbound {
            internal: atg_http::InternalHosts::of([base]),
            ..atg_http::Outbound::default()
        }
        .with_timeout(Duration::from_secs(30))
        .client()
        .map_err(|e| AuthError::Network {
            base: base.to_string(),
            detail: e.to_string(),
        })?;
        let full = format!("{owner}/{repo}");
        let what = format!("GET /repos/{full}/installation");
        let resp = call(
            http.get(format!("{base}/repos/{full}/installation")),
            &jwt,
            base,
        )
        .await?;
        let installation: Installation = match resp.status().as_u16() {
            200 => json(resp, &what).await?,
            404 => {
                return Err(AuthError::NotInstalled {
                    app_id: self.app_id.clone(),
                    repo: full,
                });
            }
            s => return Err(status_error(s, what)),
        };
        let what = format!("POST /app/installations/{}/access_tokens", installation.id);
        let url = format!("{base}/app/installations/{}/access_tokens", installation.id);
        let resp = call(http.post(url), &jwt, base).await?;
        let token: AccessToken = match resp.status().as_u16() {
            200 | 201 => json(resp, &what).await?,
            s => return Err(status_error(s, what)),
        };
        Ok(Secret::new(token.token))
    }
}

/// Sends one GitHub API request signed with the App's JWT; a network failure names the API base.
async fn call(
    request: reqwest::RequestBuilder,
    jwt: &str,
    base: &str,
) -> Result<reqwest::Response, AuthError> {
    request
        .bearer_auth(jwt)
        .header("accept", "application/vnd.github+json")
        .header("x-github-api-version", "2022-11-28")
        .send()
        .await
        .map_err(|e| AuthError::Network {
            base: base.to_string(),
            detail: e.without_url().to_string(),
        })
}

/// An API reply with an unexpected status: 401/403 mean the App's credentials were refused.
fn status_error(status: u16, what: String) -> AuthError {
    match status {
        401 | 403 => AuthError::Unauthorized { status, what },
        _ => AuthError::Http { status, what },
    }
}

async fn json<T: for<'de> Deserialize<'de>>(
    resp: reqwest::Response,
    what: &str,
) -> Result<T, AuthError> {
    let body = resp.bytes().await.map_err(|e| AuthError::Malformed {
        what: what.to_string(),
        detail: e.to_string(),
    })?;
    serde_json::from_slice(&body).map_err(|e| AuthError::Malformed {
        what: what.to_string(),
        detail: e.to_string(),
    })
}

/// `OWNER`, `REPO` of an https GitHub (or GitHub Enterprise) repository URL.
pub fn github_repo(url: &str) -> Option<(String, String)> {
    let u = url::Url::parse(url).ok()?;
    if !matches!(u.scheme(), "https" | "http") {
        return None;
    }
    let mut parts = u.path_segments()?.filter(|s| !s.is_empty());
    let owner = parts.next()?.to_string();
    let repo = parts.next()?.trim_end_matches(".git").to_string();
    if parts.next().is_some() || owner.is_empty() || repo.is_empty() {
        return None;
    }
    Some((owner, repo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_urls() {
        let r = |u: &str| github_repo(u).map(|(o, r)| format!("{o}/{r}"));
        assert_eq!(
            r("https://github.com/steve/ballard-food-trucks.git").as_deref(),
            Some("steve/ballard-food-trucks")
        );
        assert_eq!(
            r("https://github.com/steve/trucks").as_deref(),
            Some("steve/trucks")
        );
        assert_eq!(
            r("https://ghe.example.com/team/site.git").as_deref(),
            Some("team/site")
        );
        assert_eq!(r("git@github.com:steve/trucks.git"), None);
        assert_eq!(r("/srv/git/site.git"), None);
        assert_eq!(r("https://github.com/steve"), None);
        assert_eq!(r("https://github.com/a/b/c"), None);
    }
}
