//! The activities: a few lines of (de)serialisation around one library call each, and the
//! mapping of that call's error to a Temporal failure type. No schedule logic lives here.
//!
//! Activities do not trust their inputs: anyone who can write to the namespace can start one
//! on its own or complete one with a result of their making (docs/TEMPORAL.md, "Trust"). So
//! every address a scrape fetches comes from the worker's own configuration (an input names
//! breweries, never where they are), the publish step reads the schedule only from this run's
//! own sealed results ([`crate::seal`]), and the original's `deploy_to_git`, which publishes
//! whatever `data.json` it is handed, does so only when the operator opts in.

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use atg_pipeline::ai_client::{AiClient, AiSettings, HaikuPrompt, VisionCache};
use atg_pipeline::core::{
    Brewery, BreweryRef, Clock, ConfigError, ErrorKind, FoodTruckEvent, Limit, Schedule,
    ScrapeError, SiteInfo, SiteList, SiteRef,
};
use atg_pipeline::deploy::{DeployEnv, GitSettings, RepositoryPolicy, SettingsError};
use atg_pipeline::scrapers::{Coordinator, ScrapeOptions};
use atg_pipeline::web::WebData;
use atg_pipeline::{CompiledSite, PublishError, Published, Site, Sites, Target};
use futures::FutureExt;
use sha2::{Digest, Sha256};
use temporalio_common::telemetry::metrics::{
    CoreMeter, Counter, MetricKeyValue, MetricParameters, NewAttributes,
};
use temporalio_macros::activities;
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

use crate::history;
use crate::seal::{RunRef, SealKey, Sealed};
use crate::types::{
    DeployInput, ErrorDict, HaikuInput, HaikuRequest, PartInput, Plan, PlanInput, PlanRequest,
    PublishInput, PublishRequest, RangeResult, RunPlan, ScrapeChunk, ScrapeInput, ScrapeRange,
    ScrapeResult, VisionInput, WebDataInput,
};

/// Failure types the workflow's retry policies know.
pub mod failure_type {
    /// The configuration a run names cannot be read or used (or changed during the run).
    pub const CONFIGURATION: &str = "ConfigurationError";
    /// A haiku request that failed and may succeed on a retry.
    pub const TRANSIENT: &str = "TransientError";
    pub const DEPLOY_SETTINGS: &str = "DeploySettingsError";
    pub const DEPLOY: &str = "DeployError";
    /// A result that is not this fleet's (a forged completion), or a step asked for outside a
    /// run: never retried.
    pub const UNTRUSTED: &str = "UntrustedInput";
    /// A fault of this program on its input (a panic caught in the activity): the same input
    /// fails the same way, so never retried; the worker itself keeps running.
    pub const INTERNAL: &str = "InternalError";
    /// The site could not be rendered from the data handed in.
    pub const RENDER: &str = "RenderError";
}

/// What the worker's operator decided, and a workflow's input cannot change: which directory
/// a `config_path` may name a file in, and which repositories a `git_repository_url` may name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkerTrust {
    /// `ATG_CONFIG_DIR`; none: a workflow runs the built-in configuration only.
    pub config_dir: Option<PathBuf>,
    /// `GIT_REPOSITORY_URL` and `ATG_ALLOWED_REPOSITORIES`; nothing: no deploy to any other.
    pub repositories: RepositoryPolicy,
}

impl WorkerTrust {
    /// Reads `ATG_CONFIG_DIR`, `GIT_REPOSITORY_URL` and `ATG_ALLOWED_REPOSITORIES`.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            config_dir: env("ATG_CONFIG_DIR")
                .filter(|d| !d.trim().is_empty())
                .map(PathBuf::from),
            repositories: RepositoryPolicy::from_env(&env),
        }
    }

    /// One line for the worker's start-up log.
    pub fn summary(&self) -> String {
        let configs = self
            .config_dir
            .as_ref()
            .map_or("built-in only".to_string(), |d| {
                format!("from {}", d.display())
            });
        format!(
            "configs {configs}; publishes to {}",
            if self.repositories.allowed.is_empty() {
                "no repository".to_string()
            } else {
                self.repositories.allowed.join(", ")
            }
        )
    }
}

/// Everything the activities need from the worker's environment, read once at start-up (a bad
/// value stops the worker there, in one line).
#[derive(Debug, Clone)]
pub struct ActivitySettings {
    pub trust: WorkerTrust,
    /// How breweries are scraped (`ATG_MAX_EVENTS_PER_BREWERY`, …).
    pub scrape: ScrapeOptions,
    /// The AI (`ANTHROPIC_API_KEY`, …); none: no names from logos, no haiku.
    pub ai: Option<AiSettings>,
    pub haiku_prompt: HaikuPrompt,
    /// Where the names read from logos are kept between runs.
    pub vision_cache: Option<PathBuf>,
    /// `ATG_VISION_MAX_PER_RUN`.
    pub vision_max_per_run: usize,
    /// `ATG_PAYLOAD_BUDGET`: the most bytes one activity's result may carry.
    pub payload_budget: usize,
    /// The fleet's key for sealing results (`ATG_RESULT_KEY`).
    pub seal: SealKey,
    /// `ATG_LEGACY_ACTIVITIES=on`: the original's `deploy_to_git` publishes what it is given.
    pub legacy_activities: bool,
    /// The deploy variables, as they were at start-up.
    pub deploy: DeployEnv,
    /// The worker's own configuration (`ATG_CONFIG`, else the built-in list): what a
    /// workflow without a `config_path` runs, where the original's activities find the
    /// breweries they are named, and what an original `breweries.json` leaves out.
    pub own: Arc<Sites>,
}

/// What one activity's result may carry unless `ATG_PAYLOAD_BUDGET` says otherwise: half of
/// Temporal's 2 MB payload limit.
pub const DEFAULT_PAYLOAD_BUDGET: usize = 1024 * 1024;

/// Why the worker's settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{var}: {detail}")]
    Invalid { var: &'static str, detail: String },
    #[error(transparent)]
    Deploy(#[from] SettingsError),
    #[error(transparent)]
    Seal(#[from] crate::seal::SealKeyError),
}

impl ActivitySettings {
    /// Reads and checks the worker's environment through `env`.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Self, StartError> {
        let number =
            |var: &'static str, default: u64, range: std::ops::RangeInclusive<u64>| match env(var)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
            {
                None => Ok(default),
                Some(v) => v
                    .parse::<u64>()
                    .ok()
                    .filter(|n| range.contains(n))
                    .ok_or_else(|| StartError::Invalid {
                        var,
                        detail: format!(
                            "{v:?} is not a number from {} to {}",
                            range.start(),
                            range.end()
                        ),
                    }),
            };
        let defaults = atg_pipeline::scrapers::Limits::default();
        let mut scrape = ScrapeOptions::default();
        scrape.limits.events_per_week = number(
            "ATG_MAX_EVENTS_PER_BREWERY",
            defaults.events_per_week,
            1..=1_000_000,
        )?;
        scrape.limits.vendors_per_week = number(
            "ATG_MAX_VENDORS_PER_BREWERY",
            defaults.vendors_per_week,
            1..=1_000_000,
        )?;
        let legacy = match env("ATG_LEGACY_ACTIVITIES").as_deref().map(str::trim) {
            None | Some("" | "off" | "0" | "false") => false,
            Some("on" | "1" | "true") => true,
            Some(other) => {
                return Err(StartError::Invalid {
                    var: "ATG_LEGACY_ACTIVITIES",
                    detail: format!("{other:?} is not on or off"),
                });
            }
        };
        Ok(Self {
            trust: WorkerTrust::from_env(&env),
            scrape,
            ai: AiSettings::from_env(&env),
            haiku_prompt: HaikuPrompt::from_env(&env),
            vision_cache: VisionCache::default_path(&env),
            vision_max_per_run: usize::try_from(number(
                "ATG_VISION_MAX_PER_RUN",
                atg_pipeline::ai::DEFAULT_VISION_MAX_PER_RUN as u64,
                0..=10_000,
            )?)
            .unwrap_or(usize::MAX),
            payload_budget: usize::try_from(number(
                "ATG_PAYLOAD_BUDGET",
                DEFAULT_PAYLOAD_BUDGET as u64,
                16 * 1024..=1536 * 1024,
            )?)
            .unwrap_or(DEFAULT_PAYLOAD_BUDGET),
            seal: SealKey::from_env(&env)?,
            legacy_activities: legacy,
            deploy: DeployEnv::read(&env)?,
            own: Arc::new(
                atg_pipeline::load_sites(
                    env("ATG_CONFIG")
                        .filter(|p| !p.trim().is_empty())
                        .map(PathBuf::from)
                        .as_deref(),
                )
                .map_err(|e| StartError::Invalid {
                    var: "ATG_CONFIG",
                    detail: e.to_string(),
                })?,
            ),
        })
    }

    /// Settings for a test or a tool: nothing from the environment, `trust` as given.
    pub fn for_test(trust: WorkerTrust) -> Self {
        Self {
            trust,
            scrape: ScrapeOptions::default(),
            ai: None,
            haiku_prompt: HaikuPrompt::default(),
            vision_cache: None,
            vision_max_per_run: atg_pipeline::ai::DEFAULT_VISION_MAX_PER_RUN,
            payload_budget: DEFAULT_PAYLOAD_BUDGET,
            seal: SealKey::from_bytes(b"a test key that is long enough"),
            legacy_activities: false,
            deploy: DeployEnv::default(),
            own: Arc::new(atg_pipeline::load_sites(None).unwrap_or_else(|_| Sites::empty())),
        }
    }

    /// These settings with `own` as the worker's own configuration.
    pub fn with_own(mut self, own: SiteList) -> Result<Self, ConfigError> {
        self.own = Arc::new(Sites::compile(own)?);
        Ok(self)
    }
}

/// The worker's own metric: publishes in which a brewery was flagged (it had trucks and has
/// listed none for its site's `stale_after` runs), by `site` and `brewery`.
pub const STALE_METRIC: &str = "atg_stale_breweries_total";
/// Scrapes that went over a limit on untrusted input, by `site`, `brewery` and `limit`.
pub const BUDGET_METRIC: &str = "atg_budget_hits_total";

/// The worker's own metric: entries of a brewery's source that could not be read while the
/// rest was, by `site` and `brewery` (a calendar losing series before it empties).
pub const UNREADABLE_METRIC: &str = "atg_unreadable_entries_total";

/// The longest a configuration read may hold the one read permit: a file that never ends (a
/// FIFO swapped in, a stuck network file system) fails that run, never the next.
pub const CONFIG_READ_DEADLINE: Duration = Duration::from_secs(10);

/// A configuration loaded, with the files it came from as they were then.
#[derive(Debug)]
struct Loaded {
    stamp: Vec<atg_pipeline::core::FileStamp>,
    sites: Arc<Sites>,
}

/// One site of a loaded configuration, held with the configuration it came from (which
/// holds its compiled sources).
struct Held {
    sites: Arc<Sites>,
    index: usize,
}

impl Held {
    fn site(&self) -> Result<CompiledSite<'_>, ActivityError> {
        self.sites
            .nth(self.index)
            .ok_or_else(|| anyhow::anyhow!("the site is gone from its configuration").into())
    }
}

/// The activities, registered on each of a worker's task queues: cheap to clone, every clone
/// sharing one [`Activities`].
#[derive(Clone)]
pub struct FoodTruckActivities(Arc<Activities>);

impl std::ops::Deref for FoodTruckActivities {
    type Target = Activities;
    fn deref(&self) -> &Activities {
        &self.0
    }
}

impl FoodTruckActivities {
    /// A request is retried as the CLI retries it (the fetcher's transient-failure policy,
    /// inside the scrape's deadline); Temporal retries an activity that did not finish.
    /// `meter`: the worker's metrics (its Prometheus endpoint), if any.
    pub fn new(settings: ActivitySettings, meter: Option<Arc<dyn CoreMeter>>) -> Self {
        Self(Arc::new(Activities::new(settings, meter)))
    }
}

/// What the activities share: one HTTP client for every scrape, the AI client when a key is
/// configured, the vision cache, the worker's metrics and its recent configurations.
pub struct Activities {
    /// Made on first use, so an idle worker holds no HTTP client (nor its TLS roots).
    coordinator: std::sync::OnceLock<Coordinator>,
    settings: ActivitySettings,
    ai: Option<AiClient>,
    vision_cache: tokio::sync::Mutex<VisionCache>,
    metrics: Option<Metrics>,
    /// One configuration read at a time: the parts of a split run all read theirs at once,
    /// and a region's list is megabytes.
    config_reads: tokio::sync::Semaphore,
    /// The configurations read lately, by `config_path`: every scrape of a run reads the one
    /// its plan read, and a file is parsed again only when it changed.
    configs: Mutex<HashMap<Option<String>, Arc<Loaded>>>,
}

struct Metrics {
    meter: Arc<dyn CoreMeter>,
    stale: Counter,
    budget: Counter,
    unreadable: Counter,
}

impl Activities {
    fn new(settings: ActivitySettings, meter: Option<Arc<dyn CoreMeter>>) -> Self {
        let metrics = meter.map(|m| {
            let counter = |name: &'static str, description: &'static str| {
                m.counter(
                    MetricParameters::builder()
                        .name(name)
                        .description(description)
                        .build(),
                )
            };
            Metrics {
                stale: counter(
                    STALE_METRIC,
                    "Publishes in which a brewery that had trucks had listed none for its site's stale_after runs",
                ),
                budget: counter(
                    BUDGET_METRIC,
                    "Scrapes refused for going over a limit on untrusted input",
                ),
                unreadable: counter(
                    UNREADABLE_METRIC,
                    "Entries of a source that could not be read while the rest was (a feed degrading)",
                ),
                meter: m,
            }
        });
        let ai = settings.ai.clone().and_then(|s| AiClient::new(s).ok());
        Self {
            coordinator: std::sync::OnceLock::new(),
            vision_cache: tokio::sync::Mutex::new(VisionCache::open(settings.vision_cache.clone())),
            ai,
            settings,
            metrics,
            config_reads: tokio::sync::Semaphore::new(1),
            configs: Mutex::new(HashMap::new()),
        }
    }

    fn count(&self, which: impl Fn(&Metrics) -> &Counter, labels: Vec<(&str, String)>) {
        self.add(which, 1, labels);
    }

    fn add(&self, which: impl Fn(&Metrics) -> &Counter, n: u64, labels: Vec<(&str, String)>) {
        if let Some(m) = &self.metrics {
            let labels = m.meter.new_attributes(NewAttributes::new(
                labels
                    .into_iter()
                    .map(|(k, v)| MetricKeyValue::new(k, v))
                    .collect(),
            ));
            which(m).add(n, &labels);
        }
    }

    fn coordinator(&self) -> Result<&Coordinator, ActivityError> {
        if let Some(c) = self.coordinator.get() {
            return Ok(c);
        }
        let c =
            Coordinator::new(self.settings.scrape.clone()).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(self.coordinator.get_or_init(|| c))
    }

    /// The configuration a workflow named (the built-in one when it named none), read as the
    /// operator allows: inside `ATG_CONFIG_DIR`, regular files only, within
    /// [`CONFIG_READ_DEADLINE`]; parsed again only when a file of it changed.
    async fn sites(&self, requested: Option<String>) -> Result<Arc<Sites>, ActivityError> {
        let requested = requested.filter(|r| !r.trim().is_empty());
        if requested.is_none() {
            return Ok(self.settings.own.clone());
        }
        let dir = self.settings.trust.config_dir.clone();
        let own = self.settings.own.clone();
        let refused = |e: String| failure(e, failure_type::CONFIGURATION, true);
        let cached = self
            .configs
            .lock()
            .ok()
            .and_then(|c| c.get(&requested).cloned());
        let stamp_of = {
            let (requested, dir) = (requested.clone(), dir.clone());
            move || SiteList::stamp_within(requested.as_deref(), dir.as_deref())
        };
        let _one_at_a_time = self
            .config_reads
            .acquire()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let read = {
            let requested = requested.clone();
            tokio::task::spawn_blocking(move || {
                let stamp = stamp_of().map_err(|e| e.to_string())?;
                if let Some(c) = cached.filter(|c| c.stamp == stamp) {
                    return Ok(c);
                }
                let sites = atg_pipeline::load_sites_within(
                    requested.as_deref(),
                    dir.as_deref(),
                    &own.list,
                )
                .map_err(|e| e.to_string())?;
                Ok::<_, String>(Arc::new(Loaded {
                    stamp,
                    sites: Arc::new(sites),
                }))
            })
        };
        // The permit is let go at the deadline whatever the read is doing.
        let loaded = match tokio::time::timeout(CONFIG_READ_DEADLINE, read).await {
            Err(_) => {
                return Err(refused(format!(
                    "config_path {:?}: not read within {}s",
                    requested.as_deref().unwrap_or("(built-in)"),
                    CONFIG_READ_DEADLINE.as_secs()
                )));
            }
            Ok(joined) => joined
                .map_err(|e| anyhow::anyhow!("config loading stopped: {e}"))?
                .map_err(refused)?,
        };
        // The hosts of the operator's own configuration are theirs to name, on their network
        // too (a local mirror).
        for site in &loaded.sites.list.sites {
            for b in &site.breweries {
                self.settings.scrape.fetch.internal.add_urls(b.urls());
            }
        }
        if let Ok(mut c) = self.configs.lock() {
            c.insert(requested, loaded.clone());
        }
        Ok(loaded.sites.clone())
    }

    /// The site `site` of a configuration (its default site when none), compiled.
    async fn held(
        &self,
        requested: Option<String>,
        site: Option<String>,
    ) -> Result<Held, ActivityError> {
        let sites = self.sites(requested).await?;
        let index = sites
            .position(site.as_deref())
            .map_err(|e| failure(e.to_string(), failure_type::CONFIGURATION, true))?;
        Ok(Held { sites, index })
    }

    /// `brewery`, scraped as the worker's own configuration describes the brewery of its key
    /// (`ATG_CONFIG`, else the built-in list). What an input says of the brewery (its address)
    /// is not used; a key the worker's configuration does not have is not scraped.
    async fn scrape_own(&self, brewery: &Brewery, clock: Clock) -> ScrapeResult {
        let own = self.settings.own.all().find_map(|site| {
            let i = site.breweries.iter().position(|b| b.key == brewery.key)?;
            Some((site, i))
        });
        let scraped = match (own, self.coordinator()) {
            (Some((site, i)), Ok(c)) => {
                let (b, source) = (&site.breweries[i], &site.sources[i]);
                c.scrape_source(b, source, clock).await
            }
            (None, _) => Err(ScrapeError {
                brewery_key: brewery.key.clone(),
                brewery_name: brewery.name.clone(),
                kind: ErrorKind::ConfigurationError,
                message: format!(
                    "brewery {:?} is not in this worker's own configuration (ATG_CONFIG, else its built-in list): not scraped",
                    brewery.key
                ),
                retryable: false,
                limit: None,
            }),
            (_, Err(e)) => Err(ScrapeError {
                brewery_key: brewery.key.clone(),
                brewery_name: brewery.name.clone(),
                kind: ErrorKind::WorkerError,
                message: format!("{e:?}"),
                retryable: true,
                limit: None,
            }),
        };
        ScrapeResult::from(scraped)
    }

    /// The run an activity is part of; none for an activity started on its own.
    fn run_of(ctx: &ActivityContext) -> Result<RunRef, ActivityError> {
        let info = ctx.info();
        let given = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
        match (given(&info.workflow_id), given(&info.workflow_run_id)) {
            (Some(workflow_id), Some(run_id)) => Ok(RunRef {
                workflow_id,
                run_id,
            }),
            _ => Err(failure(
                format!(
                    "{} runs only as a step of a FoodTruckWorkflow run, not on its own",
                    info.activity_type
                ),
                failure_type::UNTRUSTED,
                true,
            )),
        }
    }

    /// One brewery's result, or its error when it is larger than its share of the payload.
    fn within_share(&self, b: &BreweryRef, r: ScrapeResult, share: usize) -> ScrapeResult {
        let size = serde_json::to_vec(&r).map_or(usize::MAX, |v| v.len());
        if size <= share {
            return r;
        }
        let e = atg_pipeline::scrapers::Budget::over(Limit::Payload, share as u64);
        ScrapeResult::from(Err(ScrapeError {
            brewery_key: b.key.clone(),
            brewery_name: b.name.clone(),
            kind: ErrorKind::ParserError,
            message: e.message,
            retryable: false,
            limit: Some(Limit::Payload),
        }))
    }
}

fn failure(message: String, type_name: &str, non_retryable: bool) -> ActivityError {
    ActivityError::application(
        ApplicationFailure::builder(anyhow::anyhow!(message))
            .type_name(type_name.to_string())
            .non_retryable(non_retryable)
            .build(),
    )
}

/// How often a running activity tells Temporal it is alive (and learns whether it has been
/// cancelled): with the worker's heartbeat throttle of one second, a cancelled workflow's
/// activities stop within a second or two.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(1);

/// Runs an activity's work: heart-beating (so Temporal notices a dead worker and can deliver a
/// cancellation), stopping when the activity is cancelled (the work's future is dropped, which
/// for a deploy means it cannot push afterwards), and turning a panic into a non-retryable
/// failure instead of a crashed worker.
async fn supervised<T>(
    ctx: &ActivityContext,
    work: impl Future<Output = Result<T, ActivityError>>,
) -> Result<T, ActivityError> {
    supervised_with(ctx, || (), work).await
}

/// [`supervised`], each heartbeat carrying `progress()`: what a retried attempt resumes from.
async fn supervised_with<T, P: serde::Serialize + Send + Sync + 'static>(
    ctx: &ActivityContext,
    progress: impl Fn() -> P,
    work: impl Future<Output = Result<T, ActivityError>>,
) -> Result<T, ActivityError> {
    let work = guarded(work);
    tokio::pin!(work);
    // The first beat after a period, not at once: most activities end well before it.
    let mut beat = tokio::time::interval_at(
        tokio::time::Instant::now() + HEARTBEAT_EVERY,
        HEARTBEAT_EVERY,
    );
    loop {
        tokio::select! {
            r = &mut work => return r,
            () = ctx.cancelled() => return Err(ActivityError::cancelled()),
            _ = beat.tick() => { let _ = ctx.record_heartbeat(progress()).await; }
        }
    }
}

/// `work`, a panic in it caught and ended as this activity's [`failure_type::INTERNAL`]
/// failure (not retried: the same input panics again), never the worker's end.
async fn guarded<T>(
    work: impl Future<Output = Result<T, ActivityError>>,
) -> Result<T, ActivityError> {
    AssertUnwindSafe(work)
        .catch_unwind()
        .await
        .unwrap_or_else(|panic| {
            Err(failure(
                format!(
                    "the activity failed on its input ({})",
                    atg_pipeline::scrapers::coordinator::panic_message(panic.as_ref())
                ),
                failure_type::INTERNAL,
                true,
            ))
        })
}

/// A digest of the breweries of a configuration, so every step of a run can tell it reads
/// the list the plan was made from.
pub fn config_digest(breweries: &[Brewery]) -> Result<String, ActivityError> {
    let bytes = serde_json::to_vec(breweries).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

fn changed() -> ActivityError {
    failure(
        "the brewery list changed while the run was going; the next run reads the new one".into(),
        failure_type::CONFIGURATION,
        true,
    )
}

fn publish_failure(e: &PublishError) -> ActivityError {
    // Credentials that do not work will not start working on a retry.
    let kind = if e.is_settings() {
        failure_type::DEPLOY_SETTINGS
    } else {
        failure_type::DEPLOY
    };
    failure(
        format!("Failed to deploy to git: {e}"),
        kind,
        e.is_settings(),
    )
}

/// The original workflow's shape of a sealed purpose: a scrape of a range.
pub const SCRAPE_SEAL: &str = "scrape";
/// A scrape's progress, carried by its heartbeats for a retried attempt.
pub const PROGRESS_SEAL: &str = "scrape-progress";
/// Today's haiku.
pub const HAIKU_SEAL: &str = "haiku";

#[activities]
impl FoodTruckActivities {
    #[activity(name = "test_connectivity")]
    pub async fn test_connectivity(_ctx: ActivityContext) -> Result<String, ActivityError> {
        Ok("Activity connectivity test successful".to_string())
    }

    /// The original's: the whole brewery list. (The workflow now asks for a [`Plan`].)
    #[activity(name = "load_brewery_config")]
    pub async fn load_brewery_config(
        self: Arc<Self>,
        _ctx: ActivityContext,
        config_path: Option<String>,
    ) -> Result<Vec<Brewery>, ActivityError> {
        let held = self.held(config_path, None).await?;
        Ok(held.site()?.breweries.clone())
    }

    /// What a run scrapes: how many breweries, their digest, the site, and the keys and
    /// names of the breweries asked for (never their addresses).
    #[activity(name = "plan")]
    pub async fn plan(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: PlanRequest,
    ) -> Result<Plan, ActivityError> {
        let held = self.held(input.config_path, input.site).await?;
        let config = held.site()?;
        let (site, breweries) = (config.site.clone(), &config.breweries);
        let count = u32::try_from(breweries.len()).unwrap_or(u32::MAX);
        let refs = match input.range {
            Some((first, n)) => slice(breweries, first, n)
                .iter()
                .map(BreweryRef::from)
                .collect(),
            None if count <= input.refs_up_to => breweries.iter().map(BreweryRef::from).collect(),
            None => Vec::new(),
        };
        Ok(Plan {
            breweries: count,
            config_digest: config_digest(breweries)?,
            site,
            refs,
        })
    }

    /// The shape before `sealed-results`: how big the run is, and the breweries themselves
    /// when they fit one part.
    #[activity(name = "plan_run")]
    pub async fn plan_run(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: PlanInput,
    ) -> Result<RunPlan, ActivityError> {
        let held = self.held(input.config_path, input.site).await?;
        let config = held.site()?;
        let count = u32::try_from(config.breweries.len()).unwrap_or(u32::MAX);
        Ok(RunPlan {
            breweries: count,
            config_digest: config_digest(&config.breweries)?,
            inline: (count <= input.breweries_per_part).then(|| config.breweries.clone()),
            site: Some(config.site.clone()),
        })
    }

    /// The shape before `sealed-results`: one part of the brewery list a plan described.
    #[activity(name = "load_breweries")]
    pub async fn load_breweries(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: PartInput,
    ) -> Result<Vec<Brewery>, ActivityError> {
        let held = self.held(input.config_path, input.site).await?;
        let breweries = &held.site()?.breweries;
        if config_digest(breweries)? != input.config_digest {
            return Err(changed());
        }
        Ok(slice(breweries, input.first, input.count).to_vec())
    }

    /// The original's: one brewery, its events or its error (as data: one brewery's failure
    /// never fails a run). The brewery is the worker's own entry of that key.
    #[activity(name = "scrape_single_brewery")]
    pub async fn scrape_single_brewery(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: ScrapeInput,
    ) -> Result<ScrapeResult, ActivityError> {
        let clock = input.as_of.map_or_else(Clock::system, Clock::as_of);
        supervised(&ctx, async {
            Ok(self.scrape_own(&input.brewery, clock).await)
        })
        .await
    }

    /// Breweries of a range of the configuration, one after another, each with its events or
    /// its error, each held to its share of the payload budget, the whole sealed for this run.
    /// Every heartbeat carries the (sealed) results so far, and a retried attempt (the worker
    /// was lost) resumes after them.
    #[activity(name = "scrape_range")]
    pub async fn scrape_range(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: ScrapeRange,
    ) -> Result<Sealed, ActivityError> {
        let run = Activities::run_of(&ctx)?;
        let held = self.held(input.config_path, input.site).await?;
        let config = held.site()?;
        if config_digest(&config.breweries)? != input.config_digest {
            return Err(changed());
        }
        let breweries = slice(&config.breweries, input.first, input.count);
        let sources = config
            .sources
            .get(input.first as usize..input.first as usize + breweries.len())
            .unwrap_or_default();
        let clock = Clock::as_of_in(input.as_of, config.site.timezone);
        let coordinator = self.coordinator()?;
        let key = &self.settings.seal;
        let resumed: Vec<(BreweryRef, ScrapeResult)> = ctx
            .heartbeat_details()
            .deserialize::<Sealed>()
            .ok()
            .flatten()
            .and_then(|s| key.open(PROGRESS_SEAL, &run, &s).ok())
            .filter(|done: &Vec<(BreweryRef, ScrapeResult)>| {
                done.len() <= breweries.len()
                    && done.iter().zip(breweries).all(|((r, _), b)| r.key == b.key)
            })
            .unwrap_or_default();
        let done = std::sync::Mutex::new(resumed);
        let progress = || {
            let d = done.lock().map(|d| d.clone()).unwrap_or_default();
            key.seal(PROGRESS_SEAL, &run, &d).ok()
        };
        let share = self.settings.payload_budget / breweries.len().max(1);
        let site_key = config.site.key.clone();
        supervised_with(&ctx, progress, async {
            let from = done.lock().map(|d| d.len()).unwrap_or(0);
            for (brewery, source) in breweries.iter().zip(sources).skip(from) {
                let b = BreweryRef::from(brewery);
                let result =
                    ScrapeResult::from(coordinator.read_source(brewery, source, clock).await);
                let result = self.within_share(&b, result, share);
                if let Some(u) = &result.unreadable {
                    self.add(
                        |m| &m.unreadable,
                        u64::from(u.entries),
                        vec![("site", site_key.clone()), ("brewery", b.key.clone())],
                    );
                }
                if let Some(limit) = result.error.as_ref().and_then(|e| e.limit) {
                    self.count(
                        |m| &m.budget,
                        vec![
                            ("site", site_key.clone()),
                            ("brewery", b.key.clone()),
                            ("limit", limit.name().to_string()),
                        ],
                    );
                }
                if let Ok(mut d) = done.lock() {
                    d.push((b, result));
                }
            }
            Ok(())
        })
        .await?;
        let result = RangeResult {
            first: input.first,
            config_digest: input.config_digest,
            as_of: input.as_of,
            results: done.into_inner().unwrap_or_default(),
        };
        key.seal(SCRAPE_SEAL, &run, &result)
            .map_err(|e| anyhow::anyhow!("{e}").into())
    }

    /// The shape before `sealed-results`: breweries one after another. Each is the worker's
    /// own entry of that key (the addresses in the input are not used).
    #[activity(name = "scrape_breweries")]
    pub async fn scrape_breweries(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: ScrapeChunk,
    ) -> Result<Vec<ScrapeResult>, ActivityError> {
        let clock = Clock::as_of_in(input.as_of, input.timezone);
        supervised(&ctx, async {
            let mut out = Vec::with_capacity(input.breweries.len());
            for b in &input.breweries {
                out.push(self.scrape_own(b, clock).await);
            }
            Ok(out)
        })
        .await
    }

    /// The original's legacy activity: every brewery in one go, `[events, errors]`, each the
    /// worker's own entry of its key.
    #[activity(name = "scrape_food_trucks")]
    pub async fn scrape_food_trucks(
        self: Arc<Self>,
        _ctx: ActivityContext,
        breweries: Vec<Brewery>,
    ) -> Result<(Vec<FoodTruckEvent>, Vec<ErrorDict>), ActivityError> {
        let clock = Clock::system();
        let mut outcomes = Vec::with_capacity(breweries.len());
        for b in &breweries {
            let r = self.scrape_own(b, clock).await;
            let outcome = match r.error {
                Some(e) => Err(e.to_scrape_error(b)),
                None => Ok(r.events),
            };
            outcomes.push((BreweryRef::from(b), outcome));
        }
        let schedule = Schedule::merge(SiteRef::original(), clock.today(), outcomes);
        let errors = schedule.errors.iter().map(ErrorDict::from).collect();
        Ok((schedule.events, errors))
    }

    /// The shape before `sealed-results`: names trucks known only by an image (at most the
    /// worker's `ATG_VISION_MAX_PER_RUN` images).
    #[activity(name = "read_vendor_images")]
    pub async fn read_vendor_images(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: VisionInput,
    ) -> Result<Vec<FoodTruckEvent>, ActivityError> {
        let mut events = input.events;
        if let Some(ai) = &self.ai {
            let mut cache = self.vision_cache.lock().await;
            atg_pipeline::ai::read_vendor_images(
                &mut events,
                ai,
                &mut cache,
                &input.known_vendors,
                self.settings.vision_max_per_run,
            )
            .await;
        }
        Ok(events)
    }

    /// The shape before `sealed-results`: today's haiku, without weather (the input's
    /// forecast address is not the worker's to trust).
    #[activity(name = "generate_haiku")]
    pub async fn generate_haiku(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: HaikuInput,
    ) -> Result<Option<String>, ActivityError> {
        let Some(ai) = &self.ai else { return Ok(None) };
        let noon = input.today.and_time(chrono::NaiveTime::MIN) + chrono::Duration::hours(12);
        let now = input.now.unwrap_or(noon);
        atg_pipeline::ai_client::generate_haiku(
            ai,
            &self.settings.haiku_prompt,
            now,
            None,
            &input.events,
        )
        .await
        .map_err(|e| failure(e.to_string(), failure_type::TRANSIENT, false))
    }

    /// Today's haiku from the run's trucks, with the site's weather from the worker's own
    /// configuration, sealed for this run; null without the worker's `ANTHROPIC_API_KEY`.
    #[activity(name = "write_haiku")]
    pub async fn write_haiku(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: HaikuRequest,
    ) -> Result<Option<Sealed>, ActivityError> {
        let run = Activities::run_of(&ctx)?;
        let Some(ai) = &self.ai else { return Ok(None) };
        let held = self.held(input.config_path, input.site).await?;
        let site = held.site()?.site.clone();
        let weather = atg_pipeline::ai_client::WeatherQuery::for_site(&site);
        // A failed attempt fails the activity, so Temporal's policy retries it.
        let haiku = atg_pipeline::ai_client::generate_haiku(
            ai,
            &self.settings.haiku_prompt,
            input.now,
            weather.as_ref(),
            &input.trucks,
        )
        .await
        .map_err(|e| failure(e.to_string(), failure_type::TRANSIENT, false))?;
        haiku
            .map(|h| self.settings.seal.seal(HAIKU_SEAL, &run, &h))
            .transpose()
            .map_err(|e| anyhow::anyhow!("{e}").into())
    }

    /// Publishes this run's schedule: read from the run's own history (and its parts'), each
    /// scrape's result opened with the fleet's key (a result whose seal does not verify
    /// stops the publish: nothing is published), the breweries resolved from the worker's
    /// own configuration, then the library's one publish step (names from logos, health,
    /// render, publish) into the repository the operator allows.
    #[activity(name = "publish_run")]
    pub async fn publish_run(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: PublishRequest,
    ) -> Result<Published, ActivityError> {
        let run = Activities::run_of(&ctx)?;
        let held = self.held(input.config_path, input.site).await?;
        let config = held.site()?;
        if config_digest(&config.breweries)? != input.config_digest {
            return Err(changed());
        }
        let untrusted = |why: String| failure(why, failure_type::UNTRUSTED, true);
        let haiku: Option<String> = match &input.haiku {
            None => None,
            Some(s) => Some(
                self.settings
                    .seal
                    .open(HAIKU_SEAL, &run, s)
                    .map_err(|e| untrusted(format!("not published: today's haiku: {e}")))?,
            ),
        };
        let client = ctx.client();
        let schedule = supervised(&ctx, async {
            let found = history::sealed_results(&client, &run, &self.settings.seal, SCRAPE_SEAL)
                .await
                .map_err(|e| match e {
                    history::HistoryError::Untrusted(why) => {
                        untrusted(format!("not published: {why}"))
                    }
                    history::HistoryError::Read(why) => anyhow::anyhow!(why).into(),
                })?;
            Ok(history::schedule_of(
                &config,
                input.as_of,
                input.config_digest.as_str(),
                found,
            ))
        })
        .await?;
        let target = self.git_target(
            input
                .repository_url
                .or(config.site.publish.repository.clone()),
            config.site.publish.branch.clone(),
            &config.site,
        )?;
        let now = chrono::Utc::now();
        let targets = [target];
        let mut cache = self.vision_cache.lock().await;
        let known = atg_pipeline::ai::known_vendors(&config.breweries);
        let plan = atg_pipeline::PublishPlan {
            site: &config.site,
            targets: &targets,
            haiku,
            vision: self.ai.as_ref().map(|client| atg_pipeline::Vision {
                client,
                cache: &mut cache,
                known,
                max_per_run: self.settings.vision_max_per_run,
            }),
            now,
        };
        let done = supervised(&ctx, async {
            Ok(atg_pipeline::publish_schedule(schedule, plan).await)
        })
        .await?;
        for stale in &done.stale {
            tracing::warn!(site = %config.site.key, brewery = %stale.key, runs = stale.runs_without_events, "{}", stale.warning(input.as_of));
            self.count(
                |m| &m.stale,
                vec![
                    ("site", config.site.key.clone()),
                    ("brewery", stale.key.clone()),
                ],
            );
        }
        match done.targets.into_iter().next() {
            Some(Ok(p)) => {
                if let Published::Committed { commit } = &p {
                    tracing::info!(%commit, "deployed");
                }
                Ok(p)
            }
            Some(Err(e)) => Err(publish_failure(&e)),
            None => Ok(Published::Skipped),
        }
    }

    /// The shape before `sealed-results` handed this step a schedule (or the parts to read
    /// it from) that nothing vouches for: such a run is not published by this version.
    #[activity(name = "publish_site")]
    pub async fn publish_site(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: PublishInput,
    ) -> Result<Published, ActivityError> {
        let _ = &input.schedule;
        Err(failure(
            "not published: this run began on an older version, whose publish step took a schedule from its input; the next run publishes".into(),
            failure_type::UNTRUSTED,
            true,
        ))
    }

    /// The original's: `data.json` for events and errors (error dicts or plain messages).
    #[activity(name = "generate_web_data")]
    pub async fn generate_web_data(
        _ctx: ActivityContext,
        input: WebDataInput,
    ) -> Result<WebData, ActivityError> {
        let as_of = input.as_of.unwrap_or_else(|| Clock::system().today());
        let breweries = input
            .breweries
            .into_iter()
            .map(|(key, name)| (BreweryRef { key, name }, Ok(Vec::new())));
        let mut schedule = Schedule::merge(SiteRef::original(), as_of, breweries);
        schedule.events = input.events;
        let mut data = WebData::new(&schedule, input.haiku.as_deref(), chrono::Utc::now());
        data.errors = Vec::new();
        for m in input.errors.iter().filter_map(|e| e.user_message()) {
            if !data.errors.contains(&m) {
                data.errors.push(m);
            }
        }
        Ok(data)
    }

    /// The original's: publishes a whole `data.json` it is handed (true when the published
    /// site is this one). Anyone who can start an activity can hand it one, so it publishes
    /// only when the operator opted in (`ATG_LEGACY_ACTIVITIES=on`, for a fleet that still
    /// runs the original's workflow).
    #[activity(name = "deploy_to_git")]
    pub async fn deploy_to_git(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: DeployInput,
    ) -> Result<bool, ActivityError> {
        if !self.settings.legacy_activities {
            return Err(failure(
                "Failed to deploy to git: deploy_to_git publishes a data.json it is handed, which this worker does only with ATG_LEGACY_ACTIVITIES=on (docs/MIGRATING.md)".into(),
                failure_type::DEPLOY_SETTINGS,
                true,
            ));
        }
        let site = atg_pipeline::web::render_data(input.web_data)
            .map(Arc::new)
            .map_err(|e| failure(e.to_string(), failure_type::RENDER, true))?;
        if !site.publishable() {
            return Ok(false);
        }
        let target = self.git_target(input.repository_url, input.branch, &SiteInfo::original())?;
        let done = self.publish(&ctx, &site, &target).await?;
        Ok(done != Published::Skipped)
    }
}

/// `breweries[first..first + count]`, as far as the list goes.
fn slice(breweries: &[Brewery], first: u32, count: u32) -> &[Brewery] {
    let first = first as usize;
    let last = first.saturating_add(count as usize).min(breweries.len());
    breweries.get(first..last).unwrap_or_default()
}

impl Activities {
    /// The repository a workflow asked for, as the operator's policy allows it, and the
    /// site's directory in it.
    fn git_target(
        &self,
        repository_url: Option<String>,
        branch: Option<String>,
        site: &SiteInfo,
    ) -> Result<Target, ActivityError> {
        let deploy = &self.settings.deploy;
        GitSettings::for_workflow(
            &self.settings.trust.repositories,
            repository_url,
            branch,
            |k| deploy.get(k),
        )
        .map(|git| Target::Git(Box::new(git.in_dir(site.publish.dir()))))
        .map_err(|e| {
            failure(
                format!("Failed to deploy to git: {e}"),
                failure_type::DEPLOY_SETTINGS,
                true,
            )
        })
    }

    async fn publish(
        &self,
        ctx: &ActivityContext,
        site: &Arc<Site>,
        target: &Target,
    ) -> Result<Published, ActivityError> {
        let now = chrono::Utc::now();
        let done = supervised(ctx, async {
            Ok(atg_pipeline::publish(site, target, now).await)
        })
        .await?;
        let done = done.map_err(|e| publish_failure(&e))?;
        if let Published::Committed { commit } = &done {
            tracing::info!(%commit, "deployed");
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_in_an_activity_is_its_internal_error_and_not_retried() {
        let r: Result<(), ActivityError> = guarded(async { panic!("index out of bounds") }).await;
        let Err(ActivityError::Application(f)) = r else {
            panic!("expected an application failure, got {r:?}");
        };
        assert_eq!(f.type_name(), Some(failure_type::INTERNAL));
        assert!(f.is_non_retryable());
        assert!(f.source_error().to_string().contains("index out of bounds"));
        let ok: Result<u8, ActivityError> = guarded(async { Ok(7) }).await;
        assert_eq!(ok.ok(), Some(7));
    }
}
