//! The payloads, with the original's JSON field names and defaults (spec §9.2, §9.4), so the
//! original's starters, schedules and `temporal workflow start --input` keep working.

use around_the_grounds::core::{Brewery, FoodTruckEvent, ScrapeError};
use around_the_grounds::web::WebData;
use serde::{Deserialize, Serialize};

pub const WORKFLOW_TYPE: &str = "FoodTruckWorkflow";

/// The workflow's input. Every field may be missing and then takes its default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkflowParams {
    /// A config file on the worker's machine; null means the built-in configuration.
    pub config_path: Option<String>,
    pub deploy: bool,
    /// The target repository; null means the worker's `GIT_REPOSITORY_URL`. There is no
    /// built-in default: a deploy without either is reported as not deployed.
    pub git_repository_url: Option<String>,
    pub max_parallel_scrapes: u32,
    /// Added: the Pacific day to treat as today (`YYYY-MM-DD`); default: the workflow's time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
}

impl Default for WorkflowParams {
    fn default() -> Self {
        Self {
            config_path: None,
            deploy: false,
            git_repository_url: None,
            max_parallel_scrapes: 10,
            as_of: None,
        }
    }
}

impl WorkflowParams {
    /// Refuses what must not be written into a workflow's history, where anyone who can read
    /// the namespace sees it: a repository URL with credentials in it.
    pub fn check_for_history(&self) -> Result<(), String> {
        match self.git_repository_url.as_deref() {
            Some(url)
                if around_the_grounds::deploy::split_credentials(url)
                    .credential
                    .is_some() =>
            {
                Err("the repository URL must not contain credentials (they would be stored in the workflow's history): give the worker GITHUB_TOKEN or a GitHub App instead".into())
            }
            _ => Ok(()),
        }
    }
}

/// The workflow's result (spec §9.2). `success` means the workflow completed; breweries that
/// failed are listed in `errors`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowResult {
    pub success: bool,
    pub message: String,
    #[serde(default)]
    pub events_count: Option<u32>,
    #[serde(default)]
    pub errors: Option<Vec<String>>,
    #[serde(default)]
    pub deployed: bool,
}

/// `scrape_single_brewery`'s input: a brewery dict (the original's shape), optionally with the
/// day to treat as today.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScrapeInput {
    #[serde(flatten)]
    pub brewery: Brewery,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
}

/// A brewery's failure as the original's activities reported it, plus the kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDict {
    pub brewery_name: String,
    pub message: String,
    pub user_message: String,
    #[serde(default)]
    pub brewery_key: String,
    #[serde(default)]
    pub kind: String,
}

impl From<&ScrapeError> for ErrorDict {
    fn from(e: &ScrapeError) -> Self {
        Self {
            brewery_name: e.brewery_name.clone(),
            message: e.message.clone(),
            user_message: e.user_message(),
            brewery_key: e.brewery_key.clone(),
            kind: e.kind.label().to_string(),
        }
    }
}

/// `scrape_single_brewery`'s output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScrapeResult {
    pub events: Vec<FoodTruckEvent>,
    pub error: Option<ErrorDict>,
}

/// `generate_web_data`'s input: events and errors (error dicts or plain messages).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebDataInput {
    #[serde(default)]
    pub events: Vec<FoodTruckEvent>,
    #[serde(default)]
    pub errors: Vec<serde_json::Value>,
    /// Added: `[key, name]` of every configured brewery, for filters and feeds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breweries: Vec<(String, String)>,
    /// Added: the Pacific day to treat as today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    /// Added: today's haiku, made by its own activity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub haiku: Option<String>,
}

/// `read_vendor_images`'s input: the events, and names the configs already know (hints).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisionInput {
    pub events: Vec<FoodTruckEvent>,
    #[serde(default)]
    pub known_vendors: Vec<String>,
}

/// `generate_haiku`'s input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HaikuInput {
    pub events: Vec<FoodTruckEvent>,
    /// The Pacific day (`YYYY-MM-DD`).
    pub today: String,
}

/// `deploy_to_git`'s input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeployInput {
    pub web_data: WebData,
    #[serde(default)]
    pub repository_url: Option<String>,
    /// Added: the branch (default: the worker's `GIT_BRANCH`, else `main`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
}

/// The reader-facing message of an error entry: a dict's `user_message`, else one made from its
/// `brewery_name`, or a plain string as it is (spec §9.4).
pub fn user_message_of(v: &serde_json::Value) -> Option<String> {
    let s = match v {
        serde_json::Value::String(s) => s.trim().to_string(),
        serde_json::Value::Object(o) => {
            let get = |k: &str| {
                o.get(k)
                    .and_then(|x| x.as_str())
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
            };
            match (get("user_message"), get("brewery_name")) {
                (Some(m), _) => m.to_string(),
                (None, Some(n)) => around_the_grounds::core::user_message_for(n),
                _ => return None,
            }
        }
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn params_accept_the_originals_json_and_missing_fields() {
        let p: WorkflowParams =
            serde_json::from_value(json!({"config_path": null, "deploy": false})).unwrap();
        assert_eq!(p, WorkflowParams::default());
        assert_eq!(p.max_parallel_scrapes, 10);
        let p: WorkflowParams = serde_json::from_value(json!({})).unwrap();
        assert_eq!(p, WorkflowParams::default());
        let p: WorkflowParams = serde_json::from_value(json!({
            "config_path": "/etc/b.json", "deploy": true,
            "git_repository_url": "https://github.com/a/b.git", "max_parallel_scrapes": 3
        }))
        .unwrap();
        assert_eq!((p.deploy, p.max_parallel_scrapes), (true, 3));
        let v = serde_json::to_value(WorkflowParams::default()).unwrap();
        assert_eq!(
            v,
            json!({"config_path": null, "deploy": false, "git_repository_url": null, "max_parallel_scrapes": 10})
        );
    }

    #[test]
    fn result_fields_and_nullable_defaults() {
        let r: WorkflowResult =
            serde_json::from_value(json!({"success": false, "message": "x"})).unwrap();
        assert_eq!((r.events_count, r.errors, r.deployed), (None, None, false));
        let v = serde_json::to_value(WorkflowResult {
            success: true,
            message: "Workflow completed successfully. Found 2 events.".into(),
            events_count: Some(2),
            errors: Some(vec![]),
            deployed: false,
        })
        .unwrap();
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            ["success", "message", "events_count", "errors", "deployed"]
        );
    }

    #[test]
    fn scrape_input_is_a_brewery_dict() {
        let i: ScrapeInput = serde_json::from_value(json!({"key": "obec-brewing", "name": "Obec", "url": "https://o.test/", "parser_config": {}})).unwrap();
        assert_eq!(i.brewery.key, "obec-brewing");
        assert_eq!(i.as_of, None);
    }

    #[test]
    fn user_messages_from_dicts_and_strings() {
        assert_eq!(
            user_message_of(&json!({"user_message": "U", "brewery_name": "B"})).as_deref(),
            Some("U")
        );
        assert_eq!(
            user_message_of(&json!({"brewery_name": "Obec"})).as_deref(),
            Some("Failed to fetch information for brewery: Obec")
        );
        assert_eq!(user_message_of(&json!("plain")).as_deref(), Some("plain"));
        assert_eq!(user_message_of(&json!({"message": "only"})), None);
        assert_eq!(user_message_of(&json!(" ")), None);
    }
}
