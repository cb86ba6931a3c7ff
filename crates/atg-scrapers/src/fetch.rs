//! The one HTTP client every source uses: per-request timeout, body-size cap, redirect limit,
//! a User-Agent, and retries with exponential backoff and jitter for transient failures only.

use std::time::Duration;

use atg_core::ErrorKind;
use bytes::BytesMut;
use reqwest::{Method, StatusCode, header::HeaderMap};

/// The User-Agent of requests that set none of their own.
pub use atg_http::USER_AGENT;

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
    /// Internal hosts the operator's configuration names: the only ones on this machine or a
    /// private network a request may go to.
    pub internal: InternalHosts,
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
            internal: InternalHosts::default(),
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

pub use atg_http::{InternalHosts, is_internal_host};

/// Why a redirect from `previous` (first requested as `first`) to `next` is not followed,
/// under the default policy ([`atg_http::Outbound::redirect_refusal`]).
pub fn redirect_refusal(first: &url::Url, previous: &url::Url, next: &url::Url) -> Option<String> {
    atg_http::Outbound::default().redirect_refusal(first, previous, next)
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

impl FetchOptions {
    /// The project's outbound policy with these timeouts and hosts.
    pub fn outbound(&self) -> atg_http::Outbound {
        atg_http::Outbound {
            timeout: self.request_timeout,
            connect_timeout: self.connect_timeout,
            max_redirects: self.max_redirects,
            user_agent: USER_AGENT.to_string(),
            internal: self.internal.clone(),
            resolve: self.resolve.clone(),
        }
    }
}

/// The shared HTTP client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    outbound: atg_http::Outbound,
    options: FetchOptions,
}

impl Fetcher {
    pub fn new(options: FetchOptions) -> Result<Self, FetchError> {
        let outbound = options.outbound();
        let client = outbound.client().map_err(|e| FetchError::Network {
            url: String::new(),
            detail: format!("cannot build the HTTP client: {e}"),
            retryable: false,
        })?;
        Ok(Self {
            client,
            outbound,
            options,
        })
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
        self.outbound
            .check(&req.url)
            .map_err(|why| FetchError::Network {
                url: req.url.clone(),
                detail: why.0,
                retryable: false,
            })?;
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
