//! The worker's operator is the trust boundary. Whoever starts a workflow (or edits a schedule)
//! may ask for a repository, but the worker publishes only to the ones its operator allowed, and
//! its credentials go only over TLS to the host they are for.
//!
//! - [`RepositoryPolicy`]: the worker's own `GIT_REPOSITORY_URL` plus `ATG_ALLOWED_REPOSITORIES`.
//! - [`split_credentials`]: `https://user:TOKEN@host/…` becomes the URL without them and a
//!   [`Secret`], so a token written into a URL is never printed, logged or put in argv.
//! - [`Origin`] and [`may_carry_credentials`]: the one check before a token is attached.

/// What the original's starter sends as `git_repository_url` when its user gave none: it means
/// "the default", so this worker reads it as "my own repository".
pub const ORIGINAL_DEFAULT_REPOSITORY: &str =
    "https://github.com/steveandroulakis/ballard-food-trucks.git";

pub use atg_core::{RepositoryUrl, split_credentials};

/// Two spellings of one repository: credentials, a trailing `/` or `.git`, and the case of the
/// scheme and host do not matter.
pub fn same_repository(a: &str, b: &str) -> bool {
    fn key(s: &str) -> String {
        let url = split_credentials(s).url;
        let url = match url::Url::parse(&url) {
            Ok(u) if u.host().is_some() => u.to_string(),
            _ => url,
        };
        // One `.git` at most: `/srv/x.git.git` is another repository than `/srv/x.git`.
        let url = url.trim_end_matches('/');
        url.strip_suffix(".git")
            .unwrap_or(url)
            .trim_end_matches('/')
            .to_string()
    }
    key(a) == key(b)
}

/// Why a workflow's choice of repository is not honoured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error(
        "git_repository_url {0} is not a repository this worker publishes to (the worker's GIT_REPOSITORY_URL, or one in its ATG_ALLOWED_REPOSITORIES)"
    )]
    NotAllowed(String),
    #[error(
        "git_repository_url {0} carries credentials; a workflow's input is kept in its history, so give the worker its token (GITHUB_TOKEN or a GitHub App) instead"
    )]
    CredentialsInRequest(String),
}

/// Where a worker may publish: its own repository and those its operator listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepositoryPolicy {
    /// The worker's `GIT_REPOSITORY_URL` (credentials taken out).
    pub own: Option<String>,
    /// `ATG_ALLOWED_REPOSITORIES` (comma- or space-separated), plus `own`.
    pub allowed: Vec<String>,
}

impl RepositoryPolicy {
    /// Reads `GIT_REPOSITORY_URL` and `ATG_ALLOWED_REPOSITORIES` through `env`.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Self {
        let own = env("GIT_REPOSITORY_URL")
            .map(|u| split_credentials(&u).url)
            .filter(|u| !u.is_empty());
        let mut allowed: Vec<String> = env("ATG_ALLOWED_REPOSITORIES")
            .unwrap_or_default()
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(|s| split_credentials(s).url)
            .collect();
        allowed.extend(own.clone());
        Self { own, allowed }
    }

    /// The repository a workflow asked for, if this worker may publish there; `None` means the
    /// worker's own (nothing asked, or the original starter's default).
    pub fn choose(&self, requested: Option<&str>) -> Result<Option<String>, PolicyError> {
        let Some(req) = requested.map(str::trim).filter(|r| !r.is_empty()) else {
            return Ok(None);
        };
        let split = split_credentials(req);
        if split.credential.is_some() {
            return Err(PolicyError::CredentialsInRequest(split.url));
        }
        if self.allowed.iter().any(|a| same_repository(a, req)) {
            return Ok(Some(split.url));
        }
        if same_repository(req, ORIGINAL_DEFAULT_REPOSITORY) {
            return Ok(None);
        }
        Err(PolicyError::NotAllowed(split.url))
    }
}

/// Scheme, host and port of an http(s) URL: where a credential is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub scheme: String,
    pub host: String,
    pub port: u16,
}

impl Origin {
    pub fn of(url: &str) -> Option<Self> {
        let u = url::Url::parse(url).ok()?;
        if !matches!(u.scheme(), "http" | "https") {
            return None;
        }
        Some(Self {
            scheme: u.scheme().to_string(),
            host: u.host_str()?.to_ascii_lowercase(),
            port: u.port_or_known_default()?,
        })
    }

    /// `https://host` (port 443).
    pub fn https(host: &str) -> Self {
        Self {
            scheme: "https".into(),
            host: host.to_ascii_lowercase(),
            port: 443,
        }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

/// Whether a credential for `scope` may be sent with a request to `target`: only to that same
/// host and port, and only over https (plain http only to this machine's loopback, where
/// nothing crosses a network). `Err` says why not, without the credential.
pub fn may_carry_credentials(target: &str, scope: &Origin) -> Result<(), String> {
    let Some(to) = Origin::of(target) else {
        return Err(format!(
            "{target} is not an https URL, so no token is sent with it"
        ));
    };
    if !atg_core::secret_may_travel_to(target) {
        return Err(format!(
            "{target} is not https: the token is not sent in the clear"
        ));
    }
    if to.host != scope.host || to.port != scope.port {
        return Err(format!(
            "the token is for {scope}, not {to}: it is not sent there"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_come_out_of_urls() {
        let s = split_credentials("https://x-access-token:ghs_S3cr%2Ft@github.com/a/b.git");
        assert_eq!(s.url, "https://github.com/a/b.git");
        assert_eq!(s.credential.unwrap().expose(), "ghs_S3cr/t");
        let s = split_credentials("https://ghp_token@github.com/a/b");
        assert_eq!(s.url, "https://github.com/a/b");
        assert_eq!(s.credential.unwrap().expose(), "ghp_token");
        for kept in [
            "https://github.com/a/b.git",
            "git@github.com:a/b.git",
            "ssh://git@github.com/a/b.git",
            "/srv/git/site.git",
            "file:///srv/git/site.git",
        ] {
            let s = split_credentials(kept);
            assert_eq!((s.url.as_str(), s.credential), (kept, None), "{kept}");
        }
    }

    #[test]
    fn spellings_of_one_repository() {
        assert!(same_repository(
            "https://GitHub.com/a/b.git",
            "https://github.com/a/b/"
        ));
        assert!(same_repository(
            "https://tok@github.com/a/b",
            "https://github.com/a/b.git"
        ));
        assert!(!same_repository(
            "https://github.com/a/b",
            "https://github.com/a/c"
        ));
        assert!(!same_repository(
            "https://github.com/a/b",
            "https://evil.example/a/b"
        ));
        // One `.git` is a spelling; two are another repository.
        assert!(same_repository("/srv/x.git", "/srv/x"));
        assert!(!same_repository("/srv/x.git.git", "/srv/x.git"));
        assert!(!same_repository(
            "https://h.test/x.git.git",
            "https://h.test/x"
        ));
    }

    fn policy(vars: &[(&str, &str)]) -> RepositoryPolicy {
        RepositoryPolicy::from_env(|k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn a_workflow_may_pick_only_allowed_repositories() {
        let p = policy(&[
            ("GIT_REPOSITORY_URL", "https://tok@github.com/me/site.git"),
            (
                "ATG_ALLOWED_REPOSITORIES",
                "https://github.com/me/staging, /srv/git/mirror.git",
            ),
        ]);
        assert_eq!(p.own.as_deref(), Some("https://github.com/me/site.git"));
        assert_eq!(p.choose(None), Ok(None));
        assert_eq!(p.choose(Some("  ")), Ok(None));
        assert_eq!(p.choose(Some(ORIGINAL_DEFAULT_REPOSITORY)), Ok(None));
        assert_eq!(
            p.choose(Some("https://github.com/me/site")),
            Ok(Some("https://github.com/me/site".into()))
        );
        assert_eq!(
            p.choose(Some("https://github.com/me/staging.git")),
            Ok(Some("https://github.com/me/staging.git".into()))
        );
        assert_eq!(
            p.choose(Some("/srv/git/mirror.git")),
            Ok(Some("/srv/git/mirror.git".into()))
        );
        let e = p.choose(Some("https://evil.example/x.git")).unwrap_err();
        assert!(matches!(e, PolicyError::NotAllowed(_)), "{e}");
        let e = p
            .choose(Some("https://x:stolen@github.com/me/site.git"))
            .unwrap_err();
        assert!(matches!(e, PolicyError::CredentialsInRequest(_)), "{e}");
        assert!(!e.to_string().contains("stolen"), "{e}");
        // With nothing configured, only "the default" is accepted.
        let none = policy(&[]);
        assert_eq!(none.choose(Some(ORIGINAL_DEFAULT_REPOSITORY)), Ok(None));
        assert!(none.choose(Some("/tmp/x.git")).is_err());
    }

    #[test]
    fn credentials_only_over_tls_to_their_host() {
        let gh = Origin::https("github.com");
        assert_eq!(
            may_carry_credentials("https://github.com/a/b.git", &gh),
            Ok(())
        );
        assert_eq!(
            may_carry_credentials("https://GITHUB.com:443/a/b", &gh),
            Ok(())
        );
        for refused in [
            "http://github.com/a/b.git",
            "https://evil.example/a/b.git",
            "https://github.com:8443/a/b.git",
            "git@github.com:a/b.git",
            "/srv/site.git",
        ] {
            assert!(may_carry_credentials(refused, &gh).is_err(), "{refused}");
        }
        // Plain http only on loopback, and only to the same port.
        let local = Origin::of("http://127.0.0.1:9000/site.git").unwrap();
        assert_eq!(
            may_carry_credentials("http://127.0.0.1:9000/other.git", &local),
            Ok(())
        );
        assert!(may_carry_credentials("http://127.0.0.1:9001/site.git", &local).is_err());
        let lan = Origin::of("http://192.168.1.5/site.git").unwrap();
        assert!(may_carry_credentials("http://192.168.1.5/site.git", &lan).is_err());
    }
}
