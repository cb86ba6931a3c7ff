//! A secret that cannot be printed by accident.

/// A credential (token, key). `Debug` and `Display` show only that it is set.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself: only to hand it to the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `ghs_…` style summary: at most the first 4 characters, for connection summaries.
    pub fn masked(&self) -> String {
        let head: String = self.0.chars().take(4).collect();
        if self.0.chars().count() > 8 {
            format!("{head}…")
        } else {
            "****".to_string()
        }
    }

    /// `text` with every occurrence of the secret replaced.
    pub fn redact(&self, text: &str) -> String {
        if self.0.is_empty() {
            text.to_string()
        } else {
            text.replace(&self.0, "***")
        }
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// A repository URL with any credentials taken out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryUrl {
    /// The URL without user name or password.
    pub url: String,
    /// The password, or the user name alone (`https://TOKEN@github.com/…`), when there was one.
    pub credential: Option<Secret>,
}

/// Takes the credentials out of `raw`. Anything that is not a URL with a host (a local path,
/// `git@host:owner/repo`) is kept as written.
pub fn split_credentials(raw: &str) -> RepositoryUrl {
    let raw = raw.trim();
    let plain = |url: &str| RepositoryUrl {
        url: url.to_string(),
        credential: None,
    };
    let Ok(mut u) = url::Url::parse(raw) else {
        return plain(raw);
    };
    if u.host().is_none() || (u.username().is_empty() && u.password().is_none()) {
        return plain(raw);
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .ok()
            .filter(|s| !s.is_empty())
            .map(|s| Secret::new(s.into_owned()))
    };
    // An ssh user (`ssh://git@host/…`) is a name, not a credential.
    let credential = match u.password() {
        Some(p) => decode(p),
        None if u.scheme() == "ssh" => None,
        None => decode(u.username()),
    };
    if credential.is_none() {
        return plain(raw);
    }
    let _ = u.set_password(None);
    let _ = u.set_username("");
    RepositoryUrl {
        url: u.to_string(),
        credential,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let s = Secret::new("ghs_supersecretvalue");
        assert_eq!(format!("{s:?} {s}"), "Secret(***) ***");
        assert_eq!(s.masked(), "ghs_…");
        assert_eq!(Secret::new("short").masked(), "****");
        assert_eq!(s.redact("x ghs_supersecretvalue y"), "x *** y");
    }
}
