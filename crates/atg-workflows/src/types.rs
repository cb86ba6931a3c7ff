//! The payloads. The workflow's input and result, and the inputs and outputs of the original's
//! activities, keep the original's JSON field names and defaults (spec §9.2, §9.4), so the
//! original's starters, schedules and `temporal workflow start --input` keep working. The
//! payloads of the steps this port added are typed and compact: a workflow's history holds
//! each of them, and its size has limits (docs/TEMPORAL.md).

use atg_pipeline::ai_client::WeatherQuery;
use atg_pipeline::core::{
    Brewery, BreweryRef, ErrorKind, FoodTruckEvent, Limit, PACIFIC, Schedule, ScrapeError,
    SiteInfo, SiteRef, tz_name,
};
use atg_pipeline::web::WebData;
use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

pub const WORKFLOW_TYPE: &str = "FoodTruckWorkflow";

/// Above this many breweries a run is split into child workflows of at most this many each.
pub const DEFAULT_BREWERIES_PER_PART: u32 = 500;

/// The workflow's input. Every field may be missing and then takes its default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkflowParams {
    /// A config file on the worker's machine; null means the built-in configuration.
    pub config_path: Option<String>,
    pub deploy: bool,
    /// The target repository; absent means the worker's `GIT_REPOSITORY_URL`. There is no
    /// built-in default: a deploy without either is reported as not deployed. Left out of
    /// the JSON when absent (never `null`): the original types it as a string, and its worker
    /// cannot decode a `null` there (its own default then applies, which this worker reads as
    /// "the operator's own repository").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git_repository_url: Option<String>,
    /// At most this many breweries are scraped at once.
    pub max_parallel_scrapes: u32,
    /// Added: the Pacific day to treat as today (`YYYY-MM-DD`); default: the workflow's time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    /// Added: a run of more breweries than this is split into child workflows of at most
    /// this many each (default [`DEFAULT_BREWERIES_PER_PART`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breweries_per_part: Option<u32>,
    /// Added: the key of the configuration's site to run; null means its default (first)
    /// site, so the original's starters and schedules run the site they always did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
}

impl Default for WorkflowParams {
    fn default() -> Self {
        Self {
            config_path: None,
            deploy: false,
            git_repository_url: None,
            max_parallel_scrapes: 10,
            as_of: None,
            breweries_per_part: None,
            site: None,
        }
    }
}

impl WorkflowParams {
    /// Refuses what must not be written into a workflow's history, where anyone who can read
    /// the namespace sees it: a repository URL with credentials in it.
    pub fn check_for_history(&self) -> Result<(), String> {
        match self.git_repository_url.as_deref() {
            Some(url)
                if atg_pipeline::deploy::split_credentials(url)
                    .credential
                    .is_some() =>
            {
                Err("the repository URL must not contain credentials (they would be stored in the workflow's history): give the worker GITHUB_TOKEN or a GitHub App instead".into())
            }
            _ => Ok(()),
        }
    }

    pub fn breweries_per_part(&self) -> u32 {
        self.breweries_per_part
            .filter(|n| *n > 0)
            .unwrap_or(DEFAULT_BREWERIES_PER_PART)
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
    pub as_of: Option<NaiveDate>,
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
    pub kind: Option<ErrorKind>,
    /// Whether a later run may succeed (sent since this port carries it as data; absent in
    /// older payloads, where the kind decides).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retryable: Option<bool>,
    /// The limit on untrusted input the source went over, when that is why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<Limit>,
}

impl From<&ScrapeError> for ErrorDict {
    fn from(e: &ScrapeError) -> Self {
        Self {
            brewery_name: e.brewery_name.clone(),
            message: e.message.clone(),
            user_message: e.user_message(),
            brewery_key: e.brewery_key.clone(),
            kind: Some(e.kind),
            retryable: Some(e.retryable),
            limit: e.limit,
        }
    }
}

impl ErrorDict {
    /// The failure of `brewery` this dict describes.
    pub fn to_scrape_error(&self, brewery: &Brewery) -> ScrapeError {
        self.to_scrape_error_of(&BreweryRef::from(brewery))
    }

    /// The failure of the brewery `b` this dict describes.
    pub fn to_scrape_error_of(&self, b: &BreweryRef) -> ScrapeError {
        ScrapeError {
            brewery_key: b.key.clone(),
            brewery_name: b.name.clone(),
            kind: self.kind.unwrap_or(ErrorKind::ParserError),
            message: self.message.clone(),
            // Payloads recorded before it was carried: the kind's usual answer.
            retryable: self.retryable.unwrap_or_else(|| {
                self.kind.is_some_and(|k| {
                    matches!(
                        k,
                        ErrorKind::NetworkTimeout | ErrorKind::NetworkError | ErrorKind::HttpStatus
                    )
                })
            }),
            limit: self.limit,
        }
    }
}

/// `scrape_single_brewery`'s output, and one brewery's in `scrape_breweries`'.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScrapeResult {
    pub events: Vec<FoodTruckEvent>,
    pub error: Option<ErrorDict>,
    /// Entries of the source that could not be read while the rest was (this port's sealed
    /// results only: absent from the original's shape, and when there are none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<Unreadable>,
}

/// How many entries of a brewery's source could not be read, and why the first could not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unreadable {
    pub entries: u32,
    pub first: String,
}

impl From<Result<Vec<FoodTruckEvent>, ScrapeError>> for ScrapeResult {
    fn from(outcome: Result<Vec<FoodTruckEvent>, ScrapeError>) -> Self {
        match outcome {
            Ok(events) => Self {
                events,
                error: None,
                unreadable: None,
            },
            Err(e) => Self {
                events: Vec::new(),
                error: Some(ErrorDict::from(&e)),
                unreadable: None,
            },
        }
    }
}

impl From<atg_pipeline::scrapers::coordinator::Read> for ScrapeResult {
    fn from(read: atg_pipeline::scrapers::coordinator::Read) -> Self {
        Self {
            unreadable: read.partial.map(|p| Unreadable {
                entries: p.unreadable,
                first: p.first,
            }),
            ..Self::from(read.outcome)
        }
    }
}

/// `scrape_breweries`' input: breweries scraped one after another in one activity, on the
/// site's day in its zone (Pacific when a recorded run named none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScrapeChunk {
    pub breweries: Vec<Brewery>,
    pub as_of: NaiveDate,
    #[serde(default = "pacific", with = "tz_name")]
    pub timezone: Tz,
}

fn pacific() -> Tz {
    PACIFIC
}

/// An entry of `generate_web_data`'s `errors`: an error dict, or a plain message (spec §9.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ErrorEntry {
    Dict(ErrorDict),
    /// A dict that is not a whole error dict: its `user_message`, else its `brewery_name`.
    Partial {
        #[serde(default)]
        user_message: Option<String>,
        #[serde(default)]
        brewery_name: Option<String>,
    },
    Text(String),
}

impl ErrorEntry {
    /// The reader-facing message: a dict's `user_message`, else one made from its
    /// `brewery_name`, or a plain string as it is.
    pub fn user_message(&self) -> Option<String> {
        let non_empty = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        match self {
            Self::Dict(d) => non_empty(&d.user_message)
                .or_else(|| non_empty(&d.brewery_name).map(|n| user_message_for(&n))),
            Self::Partial {
                user_message,
                brewery_name,
            } => user_message.as_deref().and_then(non_empty).or_else(|| {
                brewery_name
                    .as_deref()
                    .and_then(non_empty)
                    .map(|n| user_message_for(&n))
            }),
            Self::Text(t) => non_empty(t),
        }
    }
}

fn user_message_for(name: &str) -> String {
    atg_pipeline::core::user_message_for(name)
}

/// `generate_web_data`'s input (the original's activity): events and errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebDataInput {
    #[serde(default)]
    pub events: Vec<FoodTruckEvent>,
    #[serde(default)]
    pub errors: Vec<ErrorEntry>,
    /// Added: `[key, name]` of every configured brewery, for filters and feeds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breweries: Vec<(String, String)>,
    /// Added: the Pacific day to treat as today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<NaiveDate>,
    /// Added: today's haiku, made by its own activity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub haiku: Option<String>,
}

/// `deploy_to_git`'s input (the original's activity): a whole `data.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeployInput {
    pub web_data: WebData,
    #[serde(default)]
    pub repository_url: Option<String>,
    /// Added: the branch (default: the worker's `GIT_BRANCH`, else `main`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
}

/// `read_vendor_images`' input: the events whose vendor is known only by an image, and names
/// the configs already know (hints).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisionInput {
    pub events: Vec<FoodTruckEvent>,
    #[serde(default)]
    pub known_vendors: Vec<String>,
}

/// `generate_haiku`'s input: today's trucks (at most `atg_ai::HAIKU_TRUCKS` of them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HaikuInput {
    pub events: Vec<FoodTruckEvent>,
    /// The site's day (`YYYY-MM-DD`).
    pub today: NaiveDate,
    /// Added: the time on the site's clock (`{time_of_day}`); none: noon of `today`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<NaiveDateTime>,
    /// Added: where the site's forecast comes from (`{weather}`), from the worker's config.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weather: Option<WeatherQuery>,
}

/// `plan_run`'s input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanInput {
    pub config_path: Option<String>,
    pub breweries_per_part: u32,
    /// The site of the configuration (none: its default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
}

/// `plan_run`'s output: how many breweries the configuration has, a digest of it (so every
/// part of a split run can check it reads the same list), and the breweries themselves when
/// they fit in one part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunPlan {
    pub breweries: u32,
    pub config_digest: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline: Option<Vec<Brewery>>,
    /// The site the run is for: its zone, title, weather and where it is published (a plan
    /// recorded before sites has none: the original's site, Ballard).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<SiteInfo>,
}

impl RunPlan {
    /// The site of the run.
    pub fn site(&self) -> SiteInfo {
        self.site.clone().unwrap_or_else(SiteInfo::original)
    }
}

impl RunPlan {
    /// The `(first, count)` ranges of the parts, `per_part` breweries each at most.
    pub fn parts(&self, per_part: u32) -> Vec<(u32, u32)> {
        let per_part = per_part.max(1);
        (0..self.breweries)
            .step_by(per_part as usize)
            .map(|first| (first, per_part.min(self.breweries - first)))
            .collect()
    }
}

/// `load_breweries`' input: one part of the configuration a plan described.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartInput {
    pub config_path: Option<String>,
    pub config_digest: String,
    pub first: u32,
    pub count: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
}

/// `FoodTruckPartWorkflow`'s input: one part of a split run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartParams {
    pub part: PartInput,
    pub as_of: NaiveDate,
    pub max_parallel_scrapes: u32,
    /// The site whose breweries the part scrapes (its zone and name for the part's schedule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<SiteRef>,
}

/// A finished part of a split run, whose result (a [`Schedule`]) the publish step reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartRun {
    pub workflow_id: String,
    pub run_id: String,
}

/// Where the schedule to publish is: in the payload (a run in one part), or in the results of
/// the part workflows (a split run: the whole schedule never travels in one payload).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleSource {
    Inline(Schedule),
    Parts(Vec<PartRun>),
}

/// `publish_site`'s input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishInput {
    pub schedule: ScheduleSource,
    pub as_of: NaiveDate,
    #[serde(default)]
    pub haiku: Option<String>,
    /// The workflow's `git_repository_url`, else the site's `publish.repository` (either only
    /// as the worker's operator allows).
    #[serde(default)]
    pub repository_url: Option<String>,
    /// The site: its directory and branch in the repository, and `stale_after`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<SiteInfo>,
}

// ---- The sealed shape (patch `sealed-results`) --------------------------------------------

/// `plan`'s input: which configuration and site, and whose breweries to name (a range, or all
/// when the list is no longer than `refs_up_to`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRequest {
    pub config_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// `(first, count)`: the breweries of one part of a split run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<(u32, u32)>,
    /// Without a range: name the breweries when there are at most this many.
    #[serde(default)]
    pub refs_up_to: u32,
}

/// `plan`'s output: how many breweries the site has, a digest of them (every step of the run
/// checks it reads the same list), the site, and the keys and names of the breweries asked
/// for. Never an address: every step reads those from the worker's own configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub breweries: u32,
    pub config_digest: String,
    pub site: SiteInfo,
    #[serde(default)]
    pub refs: Vec<BreweryRef>,
}

/// `scrape_range`'s input: breweries by their place in the configuration the plan read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScrapeRange {
    pub config_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    pub config_digest: String,
    pub first: u32,
    pub count: u32,
    pub as_of: NaiveDate,
}

/// What one `scrape_range` found, sealed for its run (`purpose` "scrape"): each brewery of
/// the range, in order, with its events or its error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RangeResult {
    pub first: u32,
    pub config_digest: String,
    pub as_of: NaiveDate,
    pub results: Vec<(BreweryRef, ScrapeResult)>,
}

/// `FoodTruckRangeWorkflow`'s input: one part of a split run, scraped as a run in one part
/// is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeParams {
    pub config_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    pub config_digest: String,
    pub first: u32,
    pub count: u32,
    pub as_of: NaiveDate,
    pub max_parallel_scrapes: u32,
}

/// What a part of a split run found, summed up (its schedule stays in its scrapes' sealed
/// results, where the publish step reads it): its events, its failures, the trucks today's
/// haiku may name, and whether a scrape of it gave up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartOutcome {
    pub events: u32,
    pub errors: Vec<ScrapeError>,
    pub haiku_trucks: Vec<FoodTruckEvent>,
    /// Breweries lost because their scrape could not be run (not the brewery's doing).
    #[serde(default)]
    pub lost: u32,
}

/// `write_haiku`'s input: today's trucks (at most `atg_ai::HAIKU_TRUCKS`), the site (whose
/// forecast the worker reads from its own configuration) and the time on its clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HaikuRequest {
    pub config_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    pub trucks: Vec<FoodTruckEvent>,
    pub now: NaiveDateTime,
}

/// `publish_run`'s input: which site, and where (the repository only as the worker's
/// operator allows it). The schedule is not in it: the step reads it from this run's own
/// sealed results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishRequest {
    pub config_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    pub config_digest: String,
    pub as_of: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_url: Option<String>,
    /// Today's haiku, sealed by the worker that wrote it (`purpose` "haiku").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub haiku: Option<crate::seal::Sealed>,
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
        // The original decodes this (its `git_repository_url` is a string: never sent null).
        assert_eq!(
            v,
            json!({"config_path": null, "deploy": false, "max_parallel_scrapes": 10})
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
        let i: ScrapeInput = serde_json::from_value(
            json!({"key": "o", "name": "O", "url": "https://o.test/", "as_of": "2026-11-25"}),
        )
        .unwrap();
        assert_eq!(i.as_of, NaiveDate::from_ymd_opt(2026, 11, 25));
    }

    #[test]
    fn user_messages_from_dicts_and_strings() {
        let entry = |v: serde_json::Value| serde_json::from_value::<ErrorEntry>(v).unwrap();
        assert_eq!(
            entry(json!({"user_message": "U", "brewery_name": "B", "message": "m"}))
                .user_message()
                .as_deref(),
            Some("U")
        );
        assert_eq!(
            entry(json!({"brewery_name": "Obec"}))
                .user_message()
                .as_deref(),
            Some("Failed to fetch information for brewery: Obec")
        );
        assert_eq!(
            entry(json!("plain")).user_message().as_deref(),
            Some("plain")
        );
        assert_eq!(entry(json!({"message": "only"})).user_message(), None);
        assert_eq!(entry(json!(" ")).user_message(), None);
        // The kind travels as the original's label.
        let d = entry(
            json!({"brewery_name": "B", "message": "m", "user_message": "u", "kind": "HTTP Error"}),
        );
        assert!(matches!(
            d,
            ErrorEntry::Dict(ErrorDict {
                kind: Some(ErrorKind::HttpStatus),
                ..
            })
        ));
    }

    #[test]
    fn payloads_recorded_before_sites_read_as_the_default_site() {
        let chunk: ScrapeChunk =
            serde_json::from_value(json!({"breweries": [], "as_of": "2026-11-25"})).unwrap();
        assert_eq!(chunk.timezone, PACIFIC);
        let plan: RunPlan =
            serde_json::from_value(json!({"breweries": 2, "config_digest": "x"})).unwrap();
        assert_eq!(plan.site().key, "ballard");
        let p: WorkflowParams = serde_json::from_value(json!({"site": "brooklyn"})).unwrap();
        assert_eq!(p.site.as_deref(), Some("brooklyn"));
        let h: HaikuInput =
            serde_json::from_value(json!({"events": [], "today": "2026-11-25"})).unwrap();
        assert_eq!((h.now, h.weather), (None, None));
        let chunk = ScrapeChunk {
            breweries: vec![],
            as_of: NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
            timezone: "America/New_York".parse().unwrap(),
        };
        assert_eq!(
            serde_json::to_value(&chunk).unwrap()["timezone"],
            "America/New_York"
        );
    }

    #[test]
    fn parts_cover_the_breweries_once() {
        let plan = |n| RunPlan {
            breweries: n,
            config_digest: String::new(),
            inline: None,
            site: None,
        };
        assert_eq!(plan(1200).parts(500), [(0, 500), (500, 500), (1000, 200)]);
        assert_eq!(plan(500).parts(500), [(0, 500)]);
        assert!(plan(0).parts(500).is_empty());
    }
}
