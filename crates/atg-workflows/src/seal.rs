//! What a worker vouches for. Anyone who can write to the namespace can complete an activity
//! (`temporal activity complete --result …`) or start one on its own, so a result that reaches
//! `publish_site` is trusted only when it carries a seal: an HMAC-SHA256, under a key only the
//! fleet's workers hold, over the result's exact bytes and the run it was made for. A forged
//! completion has no valid seal; a result made for one run does not open in another.
//!
//! The key is `ATG_RESULT_KEY` (or the file `ATG_RESULT_KEY_FILE`), the same on every worker
//! of a fleet; without one a worker makes a key of its own at start-up, which serves a single
//! worker (a run whose publish lands on another worker, or on this one after a restart, is
//! then not deployed, and says why).

use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The fleet's key. Never printed: its `Debug` shows where it came from only.
#[derive(Clone)]
pub struct SealKey {
    key: Vec<u8>,
    origin: &'static str,
}

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealKey({})", self.origin)
    }
}

/// A key shorter than this is refused: it could be guessed.
pub const MIN_KEY_BYTES: usize = 16;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealKeyError {
    #[error(
        "{0}: shorter than {MIN_KEY_BYTES} bytes; use 32 random bytes (`openssl rand -hex 32`)"
    )]
    TooShort(&'static str),
    #[error("ATG_RESULT_KEY_FILE: cannot read {path}: {reason}")]
    File { path: String, reason: String },
    #[error("cannot make a random key: {0}")]
    Random(String),
}

impl SealKey {
    /// `ATG_RESULT_KEY`, else the contents of `ATG_RESULT_KEY_FILE`, else a random key of
    /// this process (whether it is shared is [`SealKey::is_shared`]).
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Self, SealKeyError> {
        let given = |v: String, origin: &'static str| {
            let v = v.trim().as_bytes().to_vec();
            if v.len() < MIN_KEY_BYTES {
                Err(SealKeyError::TooShort(origin))
            } else {
                Ok(Self { key: v, origin })
            }
        };
        if let Some(v) = env("ATG_RESULT_KEY").filter(|v| !v.trim().is_empty()) {
            return given(v, "ATG_RESULT_KEY");
        }
        if let Some(path) = env("ATG_RESULT_KEY_FILE").filter(|v| !v.trim().is_empty()) {
            let text = std::fs::read_to_string(path.trim()).map_err(|e| SealKeyError::File {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            return given(text, "ATG_RESULT_KEY_FILE");
        }
        Self::random()
    }

    /// A key of this process alone.
    pub fn random() -> Result<Self, SealKeyError> {
        let mut key = vec![0u8; 32];
        getrandom::fill(&mut key).map_err(|e| SealKeyError::Random(e.to_string()))?;
        Ok(Self {
            key,
            origin: "a key of this worker alone",
        })
    }

    /// A key from fixed bytes (tests, tools).
    pub fn from_bytes(key: &[u8]) -> Self {
        Self {
            key: key.to_vec(),
            origin: "given",
        }
    }

    /// Whether the operator gave the key (so other workers of the fleet can have it too).
    pub fn is_shared(&self) -> bool {
        matches!(
            self.origin,
            "ATG_RESULT_KEY" | "ATG_RESULT_KEY_FILE" | "given"
        )
    }

    /// Where the key came from, for the start-up log.
    pub fn origin(&self) -> &'static str {
        self.origin
    }

    /// The MAC of a body for a run (HMAC takes a key of any length; a key it refused would
    /// seal nothing and open nothing).
    fn mac(&self, purpose: &str, run: &RunRef, body: &str) -> Option<Hmac<Sha256>> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).ok()?;
        for part in ["atg-seal-v1", purpose, &run.workflow_id, &run.run_id, body] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        Some(mac)
    }

    /// `value`, sealed for `run`.
    pub fn seal<T: Serialize>(
        &self,
        purpose: &str,
        run: &RunRef,
        value: &T,
    ) -> Result<Sealed, SealError> {
        let body = serde_json::to_string(value).map_err(|e| SealError::Body(e.to_string()))?;
        let tag = self
            .mac(purpose, run, &body)
            .ok_or(SealError::Forged)?
            .finalize()
            .into_bytes();
        Ok(Sealed {
            seal: hex(&tag),
            purpose: purpose.to_string(),
            body,
        })
    }

    /// The value inside `sealed`, when its seal is this key's for `purpose` and `run`.
    pub fn open<T: DeserializeOwned>(
        &self,
        purpose: &str,
        run: &RunRef,
        sealed: &Sealed,
    ) -> Result<T, SealError> {
        if sealed.purpose != purpose {
            return Err(SealError::Purpose(sealed.purpose.clone()));
        }
        let tag = unhex(&sealed.seal).ok_or(SealError::Forged)?;
        self.mac(purpose, run, &sealed.body)
            .ok_or(SealError::Forged)?
            .verify_slice(&tag)
            .map_err(|_| SealError::Forged)?;
        serde_json::from_str(&sealed.body).map_err(|e| SealError::Body(e.to_string()))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The run a result was made for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRef {
    pub workflow_id: String,
    pub run_id: String,
}

/// A result and its seal, as it travels in a payload: the body is the exact JSON text the seal
/// covers (so nothing depends on how it is decoded and encoded again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub purpose: String,
    pub body: String,
    pub seal: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error(
        "its seal does not verify: it was not made for this run by a worker of this fleet (a forged completion, or a worker with another ATG_RESULT_KEY)"
    )]
    Forged,
    #[error("it is sealed for {0:?}, not for this use")]
    Purpose(String),
    #[error("its sealed body cannot be read: {0}")]
    Body(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: &str) -> RunRef {
        RunRef {
            workflow_id: "wf".into(),
            run_id: id.into(),
        }
    }

    #[test]
    fn a_seal_opens_only_with_its_key_its_purpose_and_its_run() {
        let key = SealKey::from_bytes(b"0123456789abcdef0123456789abcdef");
        let sealed = key.seal("scrape", &run("r1"), &vec![1, 2, 3]).unwrap();
        assert_eq!(
            key.open::<Vec<i32>>("scrape", &run("r1"), &sealed).unwrap(),
            [1, 2, 3]
        );
        assert_eq!(
            key.open::<Vec<i32>>("scrape", &run("r2"), &sealed),
            Err(SealError::Forged)
        );
        assert!(matches!(
            key.open::<Vec<i32>>("haiku", &run("r1"), &sealed),
            Err(SealError::Purpose(_))
        ));
        let other = SealKey::from_bytes(b"another key, just as long as it");
        assert_eq!(
            other.open::<Vec<i32>>("scrape", &run("r1"), &sealed),
            Err(SealError::Forged)
        );
        let mut forged = sealed.clone();
        forged.body = "[1,2,3,4]".into();
        assert_eq!(
            key.open::<Vec<i32>>("scrape", &run("r1"), &forged),
            Err(SealError::Forged)
        );
        forged.seal = "zz".into();
        assert_eq!(
            key.open::<Vec<i32>>("scrape", &run("r1"), &forged),
            Err(SealError::Forged)
        );
    }

    #[test]
    fn keys_come_from_the_operator_or_are_made_here() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let k = SealKey::from_env(env(&[("ATG_RESULT_KEY", "0123456789abcdef0123")])).unwrap();
        assert!(k.is_shared());
        assert!(!format!("{k:?}").contains("0123"));
        assert_eq!(
            SealKey::from_env(env(&[("ATG_RESULT_KEY", "short")])).unwrap_err(),
            SealKeyError::TooShort("ATG_RESULT_KEY")
        );
        let mine = SealKey::from_env(env(&[])).unwrap();
        assert!(!mine.is_shared());
        assert!(matches!(
            SealKey::from_env(env(&[("ATG_RESULT_KEY_FILE", "/nonexistent/key")])),
            Err(SealKeyError::File { .. })
        ));
    }
}
