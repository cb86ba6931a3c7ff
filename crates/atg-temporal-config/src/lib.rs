//! Temporal connection settings, read the way the original read them (`TEMPORAL_ADDRESS`,
//! `TEMPORAL_NAMESPACE`, `TEMPORAL_TASK_QUEUE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS_CERT`,
//! `TEMPORAL_TLS_KEY`, plus `TEMPORAL_TLS_CA` and `TEMPORAL_TLS_SERVER_NAME`), validated with the
//! original's rules and messages, and turned into the SDK's connection options.
//!
//! Not here: workflows, workers, schedules.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use atg_core::Secret;
use temporalio_client::{
    Client, ClientOptions, ClientTlsOptions, Connection, ConnectionOptions, TlsOptions, Url,
};

pub const DEFAULT_ADDRESS: &str = "localhost:7233";
pub const DEFAULT_NAMESPACE: &str = "default";
pub const DEFAULT_TASK_QUEUE: &str = "food-truck-task-queue";

/// How the client authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    None,
    ApiKey,
    Mtls,
}

impl AuthMethod {
    pub fn label(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::ApiKey => "api_key",
            Self::Mtls => "mtls",
        }
    }
}

/// Where and how to reach Temporal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemporalSettings {
    pub address: String,
    pub namespace: String,
    pub task_queue: String,
    pub api_key: Option<Secret>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// A private CA for the server's certificate.
    pub tls_ca: Option<PathBuf>,
    /// The name to expect in the server's certificate (SNI), when it differs from the address.
    pub tls_server_name: Option<String>,
    /// `TEMPORAL_TLS`: `true` forces TLS, `false` forbids it (an API key then travels in the
    /// clear: only for a local proxy that adds TLS itself, and said loudly); unset, TLS is
    /// used with an API key, client certificates or a CA.
    pub tls: Option<bool>,
    /// `TEMPORAL_TLS` held a value that is not a yes/no.
    pub tls_unreadable: Option<String>,
}

/// Why the Temporal connection settings cannot be used (the original's messages where it had
/// one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("Cannot use both mTLS and API key authentication. Please set only one.")]
    BothAuth,
    #[error(
        "TLS certificate provided but key is missing. Both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY are required."
    )]
    CertWithoutKey,
    #[error(
        "TLS key provided but certificate is missing. Both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY are required."
    )]
    KeyWithoutCert,
    #[error("TLS certificate file not found: {0}")]
    CertMissing(String),
    #[error("TLS key file not found: {0}")]
    KeyMissing(String),
    #[error("TLS CA file not found: {0}")]
    CaMissing(String),
    #[error("cannot read {what} {path}: {detail}")]
    Read {
        what: &'static str,
        path: String,
        detail: String,
    },
    #[error("TEMPORAL_ADDRESS {0:?} is not an address like localhost:7233 or https://host:7233")]
    BadAddress(String),
    #[error(
        "TEMPORAL_API_KEY would be sent without TLS to {0}: use an https:// address, or set TEMPORAL_TLS=false if a local proxy adds TLS"
    )]
    ApiKeyWithoutTls(String),
    #[error("TEMPORAL_TLS={0:?} is not true or false")]
    BadTlsFlag(String),
    #[error("TEMPORAL_TLS=false cannot be used with client certificates (TEMPORAL_TLS_CERT)")]
    CertWithoutTls,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(
        "cannot reach the Temporal server at {address}: {detail}. Start a local one with `cargo xtask dev-server` (or `temporal server start-dev`), or point TEMPORAL_ADDRESS at yours"
    )]
    Unreachable { address: String, detail: String },
    #[error("connected to {address}, but the client could not be set up: {detail}")]
    Client { address: String, detail: String },
    #[error(
        "the Temporal server at {address} did not accept the connection ({reason}): check TEMPORAL_API_KEY, or TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY, and TEMPORAL_TLS_CA for the server's certificate"
    )]
    Refused { address: String, reason: String },
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

impl Default for TemporalSettings {
    fn default() -> Self {
        Self::from_env(|_| None)
    }
}

impl TemporalSettings {
    /// Reads the settings through `env` (e.g. `|k| std::env::var(k).ok()`).
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Self {
        let get = |k: &str| non_empty(env(k));
        Self {
            address: get("TEMPORAL_ADDRESS").unwrap_or_else(|| DEFAULT_ADDRESS.into()),
            namespace: get("TEMPORAL_NAMESPACE").unwrap_or_else(|| DEFAULT_NAMESPACE.into()),
            task_queue: get("TEMPORAL_TASK_QUEUE").unwrap_or_else(|| DEFAULT_TASK_QUEUE.into()),
            api_key: get("TEMPORAL_API_KEY").map(Secret::new),
            tls_cert: get("TEMPORAL_TLS_CERT").map(PathBuf::from),
            tls_key: get("TEMPORAL_TLS_KEY").map(PathBuf::from),
            tls_ca: get("TEMPORAL_TLS_CA").map(PathBuf::from),
            tls_server_name: get("TEMPORAL_TLS_SERVER_NAME"),
            tls: get("TEMPORAL_TLS").and_then(|v| yes_no(&v)),
            tls_unreadable: get("TEMPORAL_TLS").filter(|v| yes_no(v).is_none()),
        }
    }

    pub fn auth_method(&self) -> AuthMethod {
        if self.api_key.is_some() {
            AuthMethod::ApiKey
        } else if self.tls_cert.is_some() {
            AuthMethod::Mtls
        } else {
            AuthMethod::None
        }
    }

    /// The original's checks, in its order and with its messages.
    pub fn validate(&self) -> Result<(), SettingsError> {
        match (&self.tls_cert, &self.tls_key, &self.api_key) {
            (Some(_), Some(_), Some(_)) => return Err(SettingsError::BothAuth),
            (Some(_), None, _) => return Err(SettingsError::CertWithoutKey),
            (None, Some(_), _) => return Err(SettingsError::KeyWithoutCert),
            _ => {}
        }
        if let Some(c) = &self.tls_cert
            && !c.is_file()
        {
            return Err(SettingsError::CertMissing(c.display().to_string()));
        }
        if let Some(k) = &self.tls_key
            && !k.is_file()
        {
            return Err(SettingsError::KeyMissing(k.display().to_string()));
        }
        if let Some(ca) = &self.tls_ca
            && !ca.is_file()
        {
            return Err(SettingsError::CaMissing(ca.display().to_string()));
        }
        if let Some(v) = &self.tls_unreadable {
            return Err(SettingsError::BadTlsFlag(v.clone()));
        }
        if self.tls == Some(false) && self.tls_cert.is_some() {
            return Err(SettingsError::CertWithoutTls);
        }
        let url = self.url()?;
        if self.api_key.is_some() && url.scheme() == "http" && self.tls != Some(false) {
            return Err(SettingsError::ApiKeyWithoutTls(url.to_string()));
        }
        Ok(())
    }

    fn uses_tls(&self) -> bool {
        match (self.tls, self.address.split_once("://")) {
            (_, Some((scheme, _))) => scheme.eq_ignore_ascii_case("https"),
            (Some(forced), None) => forced,
            (None, None) => {
                self.api_key.is_some() || self.tls_cert.is_some() || self.tls_ca.is_some()
            }
        }
    }

    /// The API key goes over a plain connection (`TEMPORAL_TLS=false`).
    pub fn api_key_in_clear(&self) -> bool {
        self.api_key.is_some() && !self.uses_tls()
    }

    /// The server URL: the address with `https://` when TLS is used, `http://` otherwise.
    pub fn url(&self) -> Result<Url, SettingsError> {
        let raw = if self.address.contains("://") {
            self.address.clone()
        } else if self.uses_tls() {
            format!("https://{}", self.address)
        } else {
            format!("http://{}", self.address)
        };
        match Url::from_str(&raw) {
            Ok(u) if u.host_str().is_some() => Ok(u),
            _ => Err(SettingsError::BadAddress(self.address.clone())),
        }
    }

    /// The SDK's connection options for these settings.
    pub fn connection_options(&self, identity: &str) -> Result<ConnectionOptions, SettingsError> {
        self.validate()?;
        let read = |what: &'static str, p: &Path| {
            std::fs::read(p).map_err(|e| SettingsError::Read {
                what,
                path: p.display().to_string(),
                detail: e.to_string(),
            })
        };
        let ca = self
            .tls_ca
            .as_deref()
            .map(|p| read("TLS CA", p))
            .transpose()?;
        let client_tls = match (&self.tls_cert, &self.tls_key) {
            (Some(c), Some(k)) => Some(
                ClientTlsOptions::builder()
                    .client_cert(read("TLS certificate", c)?)
                    .client_private_key(read("TLS key", k)?)
                    .build(),
            ),
            _ => None,
        };
        let tls = self.uses_tls().then(|| {
            TlsOptions::builder()
                .maybe_client_tls_options(client_tls)
                .maybe_server_root_ca_cert(ca)
                .maybe_domain(self.tls_server_name.clone())
                .build()
        });
        Ok(ConnectionOptions::new(self.url()?)
            .identity(identity.to_string())
            .connect_timeout(Duration::from_secs(5))
            .maybe_api_key(self.api_key.as_ref().map(|k| k.expose().to_string()))
            .maybe_tls_options(tls)
            .build())
    }

    /// Connects and binds the namespace.
    /// [`connect`](Self::connect), retrying for up to `wait` while the server is not there
    /// yet (a worker that starts before its server).
    pub async fn connect_with_wait(
        &self,
        identity: &str,
        wait: std::time::Duration,
    ) -> Result<Client, ConnectError> {
        let started = std::time::Instant::now();
        loop {
            match self.connect(identity).await {
                Ok(c) => return Ok(c),
                Err(ConnectError::Unreachable { .. }) if started.elapsed() < wait => {
                    tracing::warn!(address = %self.address, "Temporal server not reachable yet; retrying");
                    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    pub async fn connect(&self, identity: &str) -> Result<Client, ConnectError> {
        let opts = self.connection_options(identity)?;
        let connection = Connection::connect(opts).await.map_err(|e| {
            let detail = one_line(&e);
            match refusal(&detail) {
                Some(reason) => ConnectError::Refused {
                    address: self.address.clone(),
                    reason,
                },
                None => ConnectError::Unreachable {
                    address: self.address.clone(),
                    detail,
                },
            }
        })?;
        Client::new(
            connection,
            ClientOptions::new(self.namespace.clone()).build(),
        )
        .map_err(|e| ConnectError::Client {
            address: self.address.clone(),
            detail: one_line(&e),
        })
    }

    /// The original's connection summary, secrets masked.
    pub fn summary(&self) -> Summary {
        Summary {
            address: self.address.clone(),
            namespace: self.namespace.clone(),
            task_queue: self.task_queue.clone(),
            auth_method: self.auth_method(),
            tls_cert_path: self.tls_cert.as_ref().map(|p| p.display().to_string()),
            tls_key_path: self.tls_key.as_ref().map(|p| p.display().to_string()),
            api_key: self.api_key.as_ref().map(Secret::masked),
            api_key_in_clear: self.api_key_in_clear(),
        }
    }

    /// The original's "connecting" block, for people (stderr): address, namespace, task queue,
    /// mode, the API key masked, and how the connection authenticates.
    pub fn connecting_block(&self) -> String {
        let mut lines = vec![
            "🔗 Connecting to Temporal server:".to_string(),
            format!("   Address: {}", self.address),
            format!("   Namespace: {}", self.namespace),
            format!("   Task Queue: {}", self.task_queue),
            format!("   Mode: {}", self.mode()),
        ];
        if let Some(key) = &self.api_key {
            lines.push(format!("   API Key: {}", key.masked()));
        }
        lines.push(format!(
            "   Authentication: {}",
            match self.auth_method() {
                AuthMethod::ApiKey => "API key (TLS)",
                AuthMethod::Mtls => "mTLS client certificate",
                AuthMethod::None => "none",
            }
        ));
        lines.join("\n")
    }

    /// `Local development (no authentication)` for the default local address.
    pub fn mode(&self) -> &'static str {
        if self.address == DEFAULT_ADDRESS && self.auth_method() == AuthMethod::None {
            "Local development (no authentication)"
        } else {
            "Remote server"
        }
    }
}

/// What the settings are, safe to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub address: String,
    pub namespace: String,
    pub task_queue: String,
    pub auth_method: AuthMethod,
    pub tls_cert_path: Option<String>,
    pub tls_key_path: Option<String>,
    /// At most the first 4 characters.
    pub api_key: Option<String>,
    /// The key travels without TLS (`TEMPORAL_TLS=false`): said in every summary.
    pub api_key_in_clear: bool,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "address={} namespace={} task_queue={} auth={}",
            self.address,
            self.namespace,
            self.task_queue,
            self.auth_method.label()
        )?;
        if let Some(k) = &self.api_key {
            write!(f, " api_key={k}")?;
        }
        if let Some(c) = &self.tls_cert_path {
            write!(f, " tls_cert={c}")?;
        }
        if self.api_key_in_clear {
            write!(
                f,
                " ⚠️ WARNING: the API key is sent WITHOUT TLS (TEMPORAL_TLS=false)"
            )?;
        }
        Ok(())
    }
}

/// A connection error that says the server (or its front door) would not have this client:
/// a credential problem, not a server that is not there. The short reason, when it is one.
fn refusal(detail: &str) -> Option<String> {
    let d = detail.to_ascii_lowercase();
    let reasons = [
        (
            "unauthenticated",
            "not authenticated: the API key or certificate was not accepted",
        ),
        ("permissiondenied", "permission denied"),
        ("401 unauthorized", "401 Unauthorized"),
        ("403 forbidden", "403 Forbidden"),
        (
            "400 bad request",
            "the front door rejected the request, as for a client certificate it does not accept",
        ),
        ("certificate required", "a client certificate is required"),
        (
            "unknown ca",
            "the client certificate is not from a CA the server trusts",
        ),
        ("bad certificate", "the client certificate was not accepted"),
        (
            "invalid peer certificate",
            "the server's certificate is not trusted (TEMPORAL_TLS_CA)",
        ),
        (
            "unknownissuer",
            "the server's certificate is not trusted (TEMPORAL_TLS_CA)",
        ),
        (
            "notvalidforname",
            "the server's certificate is for another name (TEMPORAL_TLS_SERVER_NAME)",
        ),
    ];
    reasons
        .iter()
        .find(|(needle, _)| d.contains(needle))
        .map(|(_, reason)| (*reason).to_string())
}

fn yes_no(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn one_line(e: &(dyn std::error::Error + 'static)) -> String {
    atg_core::error_chain(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> TemporalSettings {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        TemporalSettings::from_env(move |k| {
            vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_are_the_originals() {
        let s = settings(&[]);
        assert_eq!(
            (
                s.address.as_str(),
                s.namespace.as_str(),
                s.task_queue.as_str()
            ),
            ("localhost:7233", "default", "food-truck-task-queue")
        );
        assert_eq!(s.auth_method(), AuthMethod::None);
        assert_eq!(s.url().unwrap().as_str(), "http://localhost:7233/");
        assert_eq!(s.mode(), "Local development (no authentication)");
        assert!(s.validate().is_ok());
    }

    #[test]
    fn validation_messages_in_the_originals_order() {
        let dir = tempfile::tempdir().unwrap();
        let cert = dir.path().join("c.pem");
        let key = dir.path().join("k.pem");
        std::fs::write(&cert, "c").unwrap();
        std::fs::write(&key, "k").unwrap();
        let (c, k) = (cert.to_str().unwrap(), key.to_str().unwrap());
        let e = |v: &[(&str, &str)]| settings(v).validate().unwrap_err().to_string();
        assert_eq!(
            e(&[
                ("TEMPORAL_TLS_CERT", c),
                ("TEMPORAL_TLS_KEY", k),
                ("TEMPORAL_API_KEY", "x")
            ]),
            "Cannot use both mTLS and API key authentication. Please set only one."
        );
        assert_eq!(
            e(&[("TEMPORAL_TLS_CERT", c)]),
            "TLS certificate provided but key is missing. Both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY are required."
        );
        assert_eq!(
            e(&[("TEMPORAL_TLS_KEY", k)]),
            "TLS key provided but certificate is missing. Both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY are required."
        );
        assert_eq!(
            e(&[
                ("TEMPORAL_TLS_CERT", "/no/cert.pem"),
                ("TEMPORAL_TLS_KEY", k)
            ]),
            "TLS certificate file not found: /no/cert.pem"
        );
        assert_eq!(
            e(&[
                ("TEMPORAL_TLS_CERT", c),
                ("TEMPORAL_TLS_KEY", "/no/key.pem")
            ]),
            "TLS key file not found: /no/key.pem"
        );
        assert_eq!(
            e(&[("TEMPORAL_TLS_CA", "/no/ca.pem")]),
            "TLS CA file not found: /no/ca.pem"
        );
        assert!(
            settings(&[("TEMPORAL_TLS_CERT", c), ("TEMPORAL_TLS_KEY", k)])
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn api_key_implies_tls_and_is_masked() {
        let s = settings(&[
            ("TEMPORAL_ADDRESS", "ns.acct.tmprl.cloud:7233"),
            ("TEMPORAL_NAMESPACE", "ns.acct"),
            ("TEMPORAL_API_KEY", "eyJhbGciOiJFUzI1NiJ9.secret"),
        ]);
        assert_eq!(s.auth_method(), AuthMethod::ApiKey);
        assert_eq!(
            s.url().unwrap().as_str(),
            "https://ns.acct.tmprl.cloud:7233/"
        );
        let text = s.summary().to_string();
        assert!(
            text.contains("api_key=eyJh…") && !text.contains("secret") && !text.contains("eyJhb"),
            "{text}"
        );
        assert!(!format!("{s:?}").contains("secret"));
        assert_eq!(s.mode(), "Remote server");
        let opts = s.connection_options("test").unwrap();
        assert_eq!(opts.api_key.as_deref(), Some("eyJhbGciOiJFUzI1NiJ9.secret"));
        assert!(opts.tls_options.is_some(), "an API key must go over TLS");
    }

    #[test]
    fn mtls_builds_client_tls_with_the_files() {
        let dir = tempfile::tempdir().unwrap();
        for (n, body) in [("c.pem", "CERT"), ("k.pem", "KEY"), ("ca.pem", "CA")] {
            std::fs::write(dir.path().join(n), body).unwrap();
        }
        let p = |n: &str| dir.path().join(n).display().to_string();
        let s = settings(&[
            ("TEMPORAL_ADDRESS", "temporal.internal:7233"),
            ("TEMPORAL_TLS_CERT", &p("c.pem")),
            ("TEMPORAL_TLS_KEY", &p("k.pem")),
            ("TEMPORAL_TLS_CA", &p("ca.pem")),
            ("TEMPORAL_TLS_SERVER_NAME", "temporal.example"),
        ]);
        assert_eq!(s.auth_method(), AuthMethod::Mtls);
        let opts = s.connection_options("test").unwrap();
        assert_eq!(opts.target.as_str(), "https://temporal.internal:7233/");
        let tls = opts.tls_options.unwrap();
        let client = tls.client_tls_options.unwrap();
        assert_eq!(client.client_cert, b"CERT");
        assert_eq!(client.client_private_key, b"KEY");
        assert_eq!(tls.server_root_ca_cert.as_deref(), Some(&b"CA"[..]));
        assert_eq!(tls.domain.as_deref(), Some("temporal.example"));
        assert!(opts.api_key.is_none());
    }

    #[test]
    fn an_api_key_never_travels_in_the_clear_unless_the_operator_says_so() {
        let key = ("TEMPORAL_API_KEY", "eyJhbGciOiJFUzI1NiJ9.secret");
        let e = settings(&[("TEMPORAL_ADDRESS", "http://temporal.example:7233"), key])
            .validate()
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(
                "TEMPORAL_API_KEY would be sent without TLS to http://temporal.example:7233/"
            ),
            "{e}"
        );
        assert!(!e.contains("secret"), "{e}");
        let e = settings(&[
            ("TEMPORAL_ADDRESS", "temporal.example:7233"),
            ("TEMPORAL_TLS", "off"),
            key,
        ]);
        assert!(e.validate().is_ok());
        assert!(e.api_key_in_clear());
        let text = e.summary().to_string();
        assert!(text.contains("WITHOUT TLS (TEMPORAL_TLS=false)"), "{text}");
        assert!(e.connection_options("t").unwrap().tls_options.is_none());
        // Forcing TLS on without any credential works; nonsense values are refused.
        let s = settings(&[("TEMPORAL_TLS", "true")]);
        assert_eq!(s.url().unwrap().scheme(), "https");
        assert!(!settings(&[key]).api_key_in_clear());
        assert_eq!(
            settings(&[("TEMPORAL_TLS", "maybe")])
                .validate()
                .unwrap_err()
                .to_string(),
            "TEMPORAL_TLS=\"maybe\" is not true or false"
        );
    }

    #[tokio::test]
    async fn an_unreachable_server_says_how_to_start_one() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let s = settings(&[("TEMPORAL_ADDRESS", &format!("127.0.0.1:{port}"))]);
        let e = s.connect("test").await.unwrap_err().to_string();
        assert!(
            e.starts_with(&format!(
                "cannot reach the Temporal server at 127.0.0.1:{port}"
            )),
            "{e}"
        );
        assert!(e.contains("cargo xtask dev-server"), "{e}");
        assert_eq!(e.lines().count(), 1, "{e}");
    }
}
