//! `POST {base}/v1/messages` with retries for 429, 5xx and "overloaded", honouring
//! `retry-after`.

use std::time::Duration;

use atg_core::Secret;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
/// The original's model.
pub const DEFAULT_MODEL: &str = "claude-sonnet-4-20250514";

/// Read from the environment; `None` from [`AiSettings::from_env`] means AI is off.
#[derive(Debug, Clone)]
pub struct AiSettings {
    pub api_key: Secret,
    pub base_url: String,
    pub model: String,
    pub timeout: Duration,
    pub max_attempts: u32,
    /// Longest wait between attempts (also caps `retry-after`).
    pub max_backoff: Duration,
    pub vision: bool,
    pub haiku: bool,
}

impl AiSettings {
    /// `ANTHROPIC_API_KEY` (none → `None`: AI off), `ANTHROPIC_BASE_URL`, `ATG_AI_MODEL`,
    /// `ATG_AI_TIMEOUT` (seconds), `ATG_AI_MAX_ATTEMPTS`, `VISION_ANALYSIS_ENABLED`,
    /// `ATG_HAIKU_ENABLED` (both default true), `ATG_AI=off` (everything off).
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let get = |k: &str| {
            env(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let on = |k: &str| {
            get(k)
                .is_none_or(|v| !matches!(v.to_lowercase().as_str(), "false" | "0" | "off" | "no"))
        };
        if !on("ATG_AI") {
            return None;
        }
        let api_key = Secret::new(get("ANTHROPIC_API_KEY")?);
        let base_url = get("ANTHROPIC_BASE_URL").unwrap_or_else(|| DEFAULT_BASE_URL.into());
        // The key goes with every request: never in the clear over a network.
        if !atg_core::secret_may_travel_to(&base_url) {
            tracing::error!(
                "ANTHROPIC_BASE_URL {base_url} is not https (plain http only to this machine): the API key is not sent there, and AI stays off"
            );
            return None;
        }
        Some(Self {
            api_key,
            base_url,
            model: get("ATG_AI_MODEL").unwrap_or_else(|| DEFAULT_MODEL.into()),
            timeout: Duration::from_secs(
                get("ATG_AI_TIMEOUT")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(30),
            ),
            max_attempts: get("ATG_AI_MAX_ATTEMPTS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(3)
                .max(1),
            max_backoff: Duration::from_secs(20),
            vision: on("VISION_ANALYSIS_ENABLED"),
            haiku: on("ATG_HAIKU_ENABLED"),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AiError {
    #[error("the Anthropic API answered {status}: {message}")]
    Status { status: u16, message: String },
    #[error("cannot reach the Anthropic API: {0}")]
    Network(String),
    #[error("the Anthropic API's reply could not be read: {0}")]
    Malformed(String),
}

impl AiError {
    fn retryable(&self) -> bool {
        match self {
            Self::Status { status, .. } => *status == 429 || *status >= 500,
            Self::Network(_) => true,
            Self::Malformed(_) => false,
        }
    }
}

/// A Messages API request: one user message.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct MessagesRequest {
    pub model: String,
    pub max_tokens: u32,
    pub messages: Vec<Message>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Message {
    pub role: &'static str,
    pub content: Value,
}

#[derive(Debug, Deserialize)]
struct MessagesResponse {
    content: Vec<ContentBlock>,
}

#[derive(Debug, Deserialize)]
struct ContentBlock {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: Option<String>,
}

/// The client. Only exists when a key is configured.
#[derive(Debug, Clone)]
pub struct AiClient {
    http: reqwest::Client,
    pub settings: AiSettings,
}

impl AiClient {
    pub fn new(settings: AiSettings) -> Result<Self, AiError> {
        // The operator's endpoint (Anthropic's, or the one they set) is the only host named.
        let http = atg_http::Outbound {
            internal: atg_http::InternalHosts::of([settings.base_url.as_str()]),
            ..atg_http::Outbound::default()
        }
        .with_timeout(settings.timeout)
        .client()
        .map_err(|e| AiError::Network(e.to_string()))?;
        Ok(Self { http, settings })
    }

    /// One user message (`content` as the API takes it) → the text of the reply.
    pub(crate) async fn ask(&self, content: Value, max_tokens: u32) -> Result<String, AiError> {
        let request = MessagesRequest {
            model: self.settings.model.clone(),
            max_tokens,
            messages: vec![Message {
                role: "user",
                content,
            }],
        };
        // String concatenation, never URL resolution: a base with a path prefix keeps it.
        let url = format!(
            "{}/v1/messages",
            self.settings.base_url.trim_end_matches('/')
        );
        let mut attempt = 1;
        loop {
            match self.send(&url, &request).await {
                Ok(text) => return Ok(text),
                Err((e, retry_after)) if e.retryable() && attempt < self.settings.max_attempts => {
                    let backoff = Duration::from_millis(500 * (1 << attempt.min(6)));
                    let wait = retry_after
                        .unwrap_or(backoff)
                        .min(self.settings.max_backoff);
                    tracing::debug!(attempt, error = %e, ?wait, "retrying the Anthropic API");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err((e, _)) => return Err(e),
            }
        }
    }

    async fn send(
        &self,
        url: &str,
        request: &MessagesRequest,
    ) -> Result<String, (AiError, Option<Duration>)> {
        let resp = self
            .http
            .post(url)
            .header("x-api-key", self.settings.api_key.expose())
            .header("anthropic-version", "2023-06-01")
            .header("content-type", "application/json")
            .body(
                serde_json::to_vec(request)
                    .map_err(|e| (AiError::Malformed(e.to_string()), None))?,
            )
            .send()
            .await
            .map_err(|e| (AiError::Network(e.without_url().to_string()), None))?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            // `Retry-After: 1e20` does not fit a Duration: such a wait is "as long as we allow".
            .and_then(|s| {
                Duration::try_from_secs_f64(s)
                    .ok()
                    .or((s > 0.0).then_some(Duration::MAX))
            });
        let body = resp
            .bytes()
            .await
            .map_err(|e| (AiError::Network(e.without_url().to_string()), None))?;
        if !(200..300).contains(&status) {
            let message = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| {
                    v.pointer("/error/message")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .unwrap_or_else(|| String::from_utf8_lossy(&body).chars().take(200).collect());
            return Err((AiError::Status { status, message }, retry_after));
        }
        let reply: MessagesResponse =
            serde_json::from_slice(&body).map_err(|e| (AiError::Malformed(e.to_string()), None))?;
        reply
            .content
            .into_iter()
            .find(|b| b.kind == "text")
            .and_then(|b| b.text)
            .ok_or_else(|| (AiError::Malformed("no text in the reply".into()), None))
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
    fn no_key_means_off() {
        assert!(AiSettings::from_env(env(&[])).is_none());
        assert!(
            AiSettings::from_env(env(&[("ANTHROPIC_API_KEY", "k"), ("ATG_AI", "off")])).is_none()
        );
        let s = AiSettings::from_env(env(&[
            ("ANTHROPIC_API_KEY", "sk-ant-secret"),
            ("VISION_ANALYSIS_ENABLED", "false"),
        ]))
        .unwrap();
        assert_eq!(s.model, DEFAULT_MODEL);
        assert_eq!(s.base_url, DEFAULT_BASE_URL);
        assert!(!s.vision && s.haiku);
        assert!(!format!("{s:?}").contains("secret"));
    }
}
