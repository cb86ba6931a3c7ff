//! The one HTTP client every source uses: per-request timeout, body-size cap, redirect limit,
//! a User-Agent, and retries with exponential backoff and jitter for transient failures only.

use std::time::Duration;

use atg_core::ErrorKind;
use bytes::BytesMut;
use reqwest::{Method, StatusCode, header::HeaderMap};

/// The User-Agent of requests that set none of their own.
pub const USER_AGENT: &str = concat!(
    "Around-the-Grounds/",
    env!("CARGO_PKG_VERSION"),
    " (food-truck schedule tracker)"
);

/// How requests are made. The defaults suit the real sources.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Total time for one request, body included.
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    /// Largest body accepted; a larger one fails the request.
    pub max_body_bytes: usize,
    pub max_redirects: usize,
    /// Attempts per request (1 = no retry). Only transient failures are retried.
    pub max_attempts: u32,
    /// The first backoff; each retry doubles it, with ±50 % jitter.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Host names pinned to addresses, as `curl --resolve` does (a test, a mirror).
    pub resolve: Vec<(String, std::net::SocketAddr)>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(5),
            max_body_bytes: 5 * 1024 * 1024,
            max_redirects: 5,
            max_attempts: 3,
            backoff_base: Duration::from_millis(250),
            backoff_max: Duration::from_secs(4),
            resolve: Vec::new(),
        }
    }
}

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FetchError {
    #[error("no response from {url} within {seconds:.1}s")]
    Timeout { url: String, seconds: f64 },
    #[error("network error fetching {url}: {detail}")]
    Network {
        url: String,
        detail: String,
        retryable: bool,
    },
    #[error("HTTP {status} from {url}")]
    Status { url: String, status: u16 },
    #[error("response from {url} is larger than the {limit}-byte limit")]
    TooLarge { url: String, limit: usize },
}

impl FetchError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Timeout { .. } => ErrorKind::NetworkTimeout,
            Self::Network { .. } | Self::TooLarge { .. } => ErrorKind::NetworkError,
            Self::Status { .. } => ErrorKind::HttpStatus,
        }
    }

    /// Transient failures: worth another attempt.
    pub fn retryable(&self) -> bool {
        match self {
            Self::Timeout { .. } => true,
            Self::Network { retryable, .. } => *retryable,
            Self::Status { status, .. } => *status == 429 || *status >= 500,
            Self::TooLarge { .. } => false,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Why a redirect from `previous` (first requested as `first`) to `next` is not followed: a
/// downgrade from https to http, or a jump to a loopback, link-local, private or unique-local
/// address, which a public site has no business sending us to (unless the brewery's own URL is
/// such an address: a local mirror). `None` when it may be followed.
pub fn redirect_refusal(first: &url::Url, previous: &url::Url, next: &url::Url) -> Option<String> {
    if previous.scheme() == "https" && next.scheme() != "https" {
        return Some(format!(
            "refused a redirect from https to {}: {}",
            next.scheme(),
            next.host_str().unwrap_or("")
        ));
    }
    if !matches!(next.scheme(), "http" | "https") {
        return Some(format!("refused a redirect to a {} URL", next.scheme()));
    }
    if is_internal_host(next) && !is_internal_host(first) {
        return Some(format!(
            "refused a redirect to the internal address {}",
            next.host_str().unwrap_or("")
        ));
    }
    None
}

/// The URL names this machine or a private network: `localhost`, a loopback, link-local,
/// private (RFC 1918), shared (100.64/10), unspecified or unique-local (fc00::/7) address.
pub fn is_internal_host(u: &url::Url) -> bool {
    use std::net::{IpAddr, Ipv4Addr};
    let v4 = |ip: Ipv4Addr| {
        ip.is_loopback()
            || ip.is_private()
            || ip.is_link_local()
            || ip.is_unspecified()
            || ip.is_broadcast()
            || (ip.octets()[0] == 100 && (ip.octets()[1] & 0xc0) == 64)
    };
    let ip = match u.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            return d == "localhost" || d.ends_with(".localhost");
        }
        None => return false,
    };
    match ip {
        IpAddr::V4(ip) => v4(ip),
        IpAddr::V6(ip) => {
            let seg = ip.segments();
            ip.is_loopback()
                || ip.is_unspecified()
                || (seg[0] & 0xfe00) == 0xfc00
                || (seg[0] & 0xffc0) == 0xfe80
                || ip.to_ipv4_mapped().is_some_and(v4)
        }
    }
}

/// One request: a method, an absolute URL used exactly as written, headers and a form body.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub form: Option<Vec<(String, String)>>,
}

impl Request {
    pub fn get(url: impl Into<String>) -> Self {
        Self {
            method: Method::GET,
            url: url.into(),
            headers: Vec::new(),
            form: None,
        }
    }

    pub fn post_form(url: impl Into<String>, form: Vec<(String, String)>) -> Self {
        Self {
            method: Method::POST,
            url: url.into(),
            headers: Vec::new(),
            form: Some(form),
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// A successful (2xx) response.
#[derive(Debug, Clone)]
pub struct Response {
    pub url: String,
    pub status: u16,
    pub body: String,
}

/// The shared HTTP client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    options: FetchOptions,
}

impl Fetcher {
    pub fn new(options: FetchOptions) -> Result<Self, FetchError> {
        let max_redirects = options.max_redirects;
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            let chain = attempt.previous();
            if chain.len() > max_redirects {
                return attempt.error(format!("more than {max_redirects} redirects"));
            }
            let (Some(first), Some(previous)) = (chain.first(), chain.last()) else {
                return attempt.follow();
            };
            match redirect_refusal(first, previous, attempt.url()) {
                Some(why) => attempt.error(why),
                None => attempt.follow(),
            }
        });
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(options.request_timeout)
            .connect_timeout(options.connect_timeout)
            .redirect(policy)
            .pool_idle_timeout(Duration::from_secs(30));
        for (host, addr) in &options.resolve {
            builder = builder.resolve(host, *addr);
        }
        let client = builder.build().map_err(|e| FetchError::Network {
            url: String::new(),
            detail: format!("cannot build the HTTP client: {e}"),
            retryable: false,
        })?;
        Ok(Self { client, options })
    }

    /// Sends `req`, retrying transient failures; a non-2xx status is an error.
    pub async fn send(&self, req: &Request) -> Result<Response, FetchError> {
        let mut attempt = 1;
        loop {
            match self.send_once(req).await {
                Ok(r) => return Ok(r),
                Err(e) if e.retryable() && attempt < self.options.max_attempts => {
                    let wait = self.backoff(attempt);
                    tracing::debug!(url = %req.url, attempt, error = %e, ?wait, "retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .options
            .backoff_base
            .saturating_mul(1 << attempt.saturating_sub(1).min(16));
        exp.min(self.options.backoff_max)
            .mul_f64(0.5 + fastrand::f64())
    }

    async fn send_once(&self, req: &Request) -> Result<Response, FetchError> {
        let mut builder = self.client.request(req.method.clone(), &req.url);
        let mut headers = HeaderMap::new();
        for (name, value) in &req.headers {
            if let Ok(v) = value.parse() {
                headers.insert(*name, v);
            }
        }
        builder = builder.headers(headers);
        if let Some(form) = &req.form {
            builder = builder.form(form);
        }
        let mut resp = builder
            .send()
            .await
            .map_err(|e| self.classify(&req.url, e))?;
        let status = resp.status();
        let url = resp.url().to_string();
        if !status.is_success() {
            return Err(FetchError::Status {
                url: req.url.clone(),
                status: status.as_u16(),
            });
        }
        let limit = self.options.max_body_bytes;
        let too_large = || FetchError::TooLarge {
            url: req.url.clone(),
            limit,
        };
        if resp.content_length().is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.classify(&req.url, e))? {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response {
            url,
            status: status.as_u16(),
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }

    fn classify(&self, url: &str, e: reqwest::Error) -> FetchError {
        let e = e.without_url();
        if e.is_timeout() {
            return FetchError::Timeout {
                url: url.to_string(),
                seconds: self.options.request_timeout.as_secs_f64(),
            };
        }
        if let Some(status) = e.status().filter(|s| *s != StatusCode::OK) {
            return FetchError::Status {
                url: url.to_string(),
                status: status.as_u16(),
            };
        }
        let detail = atg_core::error_chain(&e);
        let retryable = !e.is_redirect() && !e.is_builder();
        FetchError::Network {
            url: url.to_string(),
            detail,
            retryable,
        }
    }
}
