//! The activities: a few lines of (de)serialisation around one library call each, and the
//! mapping of that call's error to a Temporal failure type. No schedule logic lives here.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use around_the_grounds::ai_client::{AiClient, HaikuPrompt, VisionCache, generate_haiku};
use around_the_grounds::core::{
    Brewery, BreweryConfig, BreweryRef, Clock, FoodTruckEvent, Schedule, SiteInfo, SiteRef,
};
use around_the_grounds::deploy::{GitSettings, RepositoryPolicy};
use around_the_grounds::scrapers::{Coordinator, ScrapeOptions};
use around_the_grounds::web::WebData;
use around_the_grounds::{PublishError, Published, Site, Target};
use futures::FutureExt;
use sha2::{Digest, Sha256};
use temporalio_client::{
    Client, NamespacedClient, WorkflowExecutionInfo, WorkflowGetResultOptions,
};
use temporalio_common::telemetry::metrics::{
    CoreMeter, Counter, MetricKeyValue, MetricParameters, NewAttributes,
};
use temporalio_macros::activities;
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

use crate::types::{
    DeployInput, ErrorDict, HaikuInput, PartInput, PartRun, PlanInput, PublishInput, PublishReport,
    RunPlan, ScheduleSource, ScrapeChunk, ScrapeInput, ScrapeResult, VisionInput, WebDataInput,
};

/// Failure types the workflow's retry policies know.
pub mod failure_type {
    pub const CONFIGURATION: &str = "ConfigurationError";
    /// A haiku request that failed and may succeed on a retry.
    pub const TRANSIENT: &str = "TransientError";
    pub const DEPLOY_SETTINGS: &str = "DeploySettingsError";
    pub const DEPLOY: &str = "DeployError";
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

/// The worker's own metric: publishes in which a brewery was flagged (it had trucks and has
/// listed none for its site's `stale_after` runs), by `site` and `brewery`.
pub const STALE_METRIC: &str = "atg_stale_breweries_total";

/// What the activities share: one HTTP client for every scrape, the AI client when a key is
/// configured, the vision cache, and the worker's metrics.
pub struct FoodTruckActivities {
    /// Made on first use, so an idle worker holds no HTTP client (nor its TLS roots).
    coordinator: std::sync::OnceLock<Coordinator>,
    scrape_options: ScrapeOptions,
    ai: Option<AiClient>,
    vision_cache: tokio::sync::Mutex<VisionCache>,
    trust: WorkerTrust,
    /// [`STALE_METRIC`], when the worker serves metrics.
    stale: Option<(Arc<dyn CoreMeter>, Counter)>,
    /// One configuration read at a time: the parts of a split run all read theirs at once,
    /// and a region's list is megabytes.
    config_reads: tokio::sync::Semaphore,
}

impl FoodTruckActivities {
    /// A request is retried as the CLI retries it (the fetcher's transient-failure policy,
    /// inside the scrape's deadline); Temporal retries an activity that did not finish.
    /// `meter`: the worker's metrics (its Prometheus endpoint), if any.
    pub fn new(trust: WorkerTrust, meter: Option<Arc<dyn CoreMeter>>) -> Self {
        let env = |k: &str| std::env::var(k).ok();
        let stale = meter.map(|m| {
            let counter = m.counter(
                MetricParameters::builder()
                    .name(STALE_METRIC)
                    .description("Publishes in which a brewery that had trucks had listed none for its site's stale_after runs")
                    .build(),
            );
            (m, counter)
        });
        Self {
            coordinator: std::sync::OnceLock::new(),
            scrape_options: ScrapeOptions::default(),
            ai: AiClient::from_process_env(),
            vision_cache: tokio::sync::Mutex::new(VisionCache::open(VisionCache::default_path(
                env,
            ))),
            trust,
            stale,
            config_reads: tokio::sync::Semaphore::new(1),
        }
    }

    /// Counts a flagged brewery of `site`.
    fn count_stale(&self, site: &str, brewery: &str) {
        if let Some((meter, counter)) = &self.stale {
            let labels = meter.new_attributes(NewAttributes::new(vec![
                MetricKeyValue::new("site", site.to_string()),
                MetricKeyValue::new("brewery", brewery.to_string()),
            ]));
            counter.add(1, &labels);
        }
    }

    fn coordinator(&self) -> Result<&Coordinator, ActivityError> {
        if let Some(c) = self.coordinator.get() {
            return Ok(c);
        }
        let c =
            Coordinator::new(self.scrape_options.clone()).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(self.coordinator.get_or_init(|| c))
    }

    /// The site of the configuration a workflow named (its default site when `site` is
    /// none), read as the operator allows.
    async fn config(
        &self,
        requested: Option<String>,
        site: Option<String>,
    ) -> Result<BreweryConfig, ActivityError> {
        let dir = self.trust.config_dir.clone();
        let _one_at_a_time = self
            .config_reads
            .acquire()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        tokio::task::spawn_blocking(move || {
            around_the_grounds::load_sites_within(requested.as_deref(), dir.as_deref())?
                .site(site.as_deref())
                .cloned()
        })
        .await
        .map_err(|e| anyhow::anyhow!("config loading stopped: {e}"))?
        .map_err(|e| failure(e.to_string(), failure_type::CONFIGURATION, true))
    }

    /// The schedule a publish is given, fetched from the part workflows' results when it was
    /// split (their ids come from this run's own workflow code, never from its input).
    async fn schedule(
        &self,
        client: &Client,
        source: ScheduleSource,
        site: SiteRef,
        as_of: chrono::NaiveDate,
    ) -> Result<Schedule, ActivityError> {
        let runs = match source {
            ScheduleSource::Inline(s) => return Ok(s),
            ScheduleSource::Parts(runs) => runs,
        };
        let mut parts = Vec::with_capacity(runs.len());
        for PartRun {
            workflow_id,
            run_id,
        } in runs
        {
            let info = WorkflowExecutionInfo::builder()
                .namespace(client.namespace())
                .workflow_id(workflow_id.clone())
                .run_id(run_id)
                .build();
            // Read untyped: the part workflow's code is the workflow module's, which calls
            // these activities; its result is a schedule in the default JSON encoding.
            let raw = info
                .bind_untyped(client.clone())
                .get_result(
                    WorkflowGetResultOptions::builder()
                        .follow_runs(false)
                        .build(),
                )
                .await
                .map_err(|e| anyhow::anyhow!("cannot read the result of {workflow_id}: {e}"))?;
            let part: Schedule = raw
                .payloads
                .first()
                .and_then(|p| serde_json::from_slice(&p.data).ok())
                .ok_or_else(|| anyhow::anyhow!("{workflow_id} did not return a schedule"))?;
            parts.push(part);
        }
        Ok(Schedule::combine(site, as_of, parts))
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
    let work = AssertUnwindSafe(work).catch_unwind();
    tokio::pin!(work);
    // The first beat after a period, not at once: most activities end well before it.
    let mut beat = tokio::time::interval_at(
        tokio::time::Instant::now() + HEARTBEAT_EVERY,
        HEARTBEAT_EVERY,
    );
    loop {
        tokio::select! {
            r = &mut work => {
                return r.unwrap_or_else(|panic| Err(failure(
                    format!(
                        "the activity failed on its input ({})",
                        around_the_grounds::scrapers::coordinator::panic_message(panic.as_ref())
                    ),
                    failure_type::CONFIGURATION,
                    true,
                )));
            }
            () = ctx.cancelled() => return Err(ActivityError::cancelled()),
            _ = beat.tick() => { let _ = ctx.record_heartbeat(progress()).await; }
        }
    }
}

/// A digest of the breweries of a configuration, so the parts of a split run can tell they
/// read the list their plan was made from.
fn config_digest(breweries: &[Brewery]) -> Result<String, ActivityError> {
    let bytes = serde_json::to_vec(breweries).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

fn publish_failure(e: &PublishError) -> ActivityError {
    let credentials = matches!(
        e,
        PublishError::Git(around_the_grounds::deploy::DeployError::Auth(_))
    );
    // Credentials that do not work will not start working on a retry.
    let kind = if credentials {
        failure_type::DEPLOY_SETTINGS
    } else {
        failure_type::DEPLOY
    };
    failure(format!("Failed to deploy to git: {e}"), kind, credentials)
}

#[activities]
impl FoodTruckActivities {
    #[activity(name = "test_connectivity")]
    pub async fn test_connectivity(_ctx: ActivityContext) -> Result<String, ActivityError> {
        Ok("Activity connectivity test successful".to_string())
    }

    /// The original's: the whole brewery list. (The workflow now asks for a [`RunPlan`].)
    #[activity(name = "load_brewery_config")]
    pub async fn load_brewery_config(
        self: Arc<Self>,
        _ctx: ActivityContext,
        config_path: Option<String>,
    ) -> Result<Vec<Brewery>, ActivityError> {
        Ok(self.config(config_path, None).await?.breweries)
    }

    /// How big the run is, and the breweries themselves when they fit one part.
    #[activity(name = "plan_run")]
    pub async fn plan_run(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: PlanInput,
    ) -> Result<RunPlan, ActivityError> {
        let BreweryConfig {
            site, breweries, ..
        } = self.config(input.config_path, input.site).await?;
        let count = u32::try_from(breweries.len()).unwrap_or(u32::MAX);
        Ok(RunPlan {
            breweries: count,
            config_digest: config_digest(&breweries)?,
            inline: (count <= input.breweries_per_part).then_some(breweries),
            site: Some(site),
        })
    }

    /// One part of the brewery list a plan described; refused if the list changed since.
    #[activity(name = "load_breweries")]
    pub async fn load_breweries(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: PartInput,
    ) -> Result<Vec<Brewery>, ActivityError> {
        let breweries = self.config(input.config_path, input.site).await?.breweries;
        if config_digest(&breweries)? != input.config_digest {
            return Err(failure(
                "the brewery list changed while the run was going; the next run reads the new one"
                    .into(),
                failure_type::CONFIGURATION,
                true,
            ));
        }
        let first = input.first as usize;
        let last = first
            .saturating_add(input.count as usize)
            .min(breweries.len());
        Ok(breweries.get(first..last).unwrap_or_default().to_vec())
    }

    /// The original's: one brewery, its events or its error (as data: one brewery's failure
    /// never fails a run).
    #[activity(name = "scrape_single_brewery")]
    pub async fn scrape_single_brewery(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: ScrapeInput,
    ) -> Result<ScrapeResult, ActivityError> {
        let clock = input.as_of.map_or_else(Clock::system, Clock::as_of);
        let coordinator = self.coordinator()?;
        supervised(&ctx, async {
            Ok(ScrapeResult::from(
                coordinator.scrape_one(&input.brewery, clock).await,
            ))
        })
        .await
    }

    /// Breweries one after another (a lane of the workflow's window takes a chunk at a time),
    /// each with its events or its error. Every heartbeat carries the results so far, and a
    /// retried attempt (the worker was lost) resumes after them.
    #[activity(name = "scrape_breweries")]
    pub async fn scrape_breweries(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: ScrapeChunk,
    ) -> Result<Vec<ScrapeResult>, ActivityError> {
        let clock = Clock::as_of_in(input.as_of, input.timezone);
        let coordinator = self.coordinator()?;
        let resumed: Vec<ScrapeResult> = ctx
            .heartbeat_details()
            .deserialize::<Vec<ScrapeResult>>()
            .ok()
            .flatten()
            .filter(|done| done.len() <= input.breweries.len())
            .unwrap_or_default();
        let done = std::sync::Mutex::new(resumed);
        let progress = || done.lock().map(|d| d.clone()).unwrap_or_default();
        supervised_with(&ctx, progress, async {
            let from = done.lock().map(|d| d.len()).unwrap_or(0);
            for brewery in input.breweries.iter().skip(from) {
                let result = ScrapeResult::from(coordinator.scrape_one(brewery, clock).await);
                if let Ok(mut d) = done.lock() {
                    d.push(result);
                }
            }
            Ok(())
        })
        .await?;
        Ok(done.into_inner().unwrap_or_default())
    }

    /// The original's legacy activity: every brewery in one go, `[events, errors]`.
    #[activity(name = "scrape_food_trucks")]
    pub async fn scrape_food_trucks(
        self: Arc<Self>,
        _ctx: ActivityContext,
        breweries: Vec<Brewery>,
    ) -> Result<(Vec<FoodTruckEvent>, Vec<ErrorDict>), ActivityError> {
        let schedule = self
            .coordinator()?
            .scrape_all(&breweries, Clock::system())
            .await;
        let errors = schedule.errors.iter().map(ErrorDict::from).collect();
        Ok((schedule.events, errors))
    }

    /// Names trucks known only by an image (with the worker's `ANTHROPIC_API_KEY`; without one
    /// the events come back as they were).
    #[activity(name = "read_vendor_images")]
    pub async fn read_vendor_images(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: VisionInput,
    ) -> Result<Vec<FoodTruckEvent>, ActivityError> {
        let mut events = input.events;
        if let Some(ai) = &self.ai {
            let mut cache = self.vision_cache.lock().await;
            around_the_grounds::ai::read_vendor_images(
                &mut events,
                ai,
                &mut cache,
                &input.known_vendors,
            )
            .await;
        }
        Ok(events)
    }

    /// Today's haiku (with the worker's `ANTHROPIC_API_KEY`), or null.
    #[activity(name = "generate_haiku")]
    pub async fn generate_haiku(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: HaikuInput,
    ) -> Result<Option<String>, ActivityError> {
        let Some(ai) = &self.ai else { return Ok(None) };
        let prompt = HaikuPrompt::from_env(|k| std::env::var(k).ok());
        // A failed attempt fails the activity, so Temporal's policy retries it.
        let noon = input.today.and_time(chrono::NaiveTime::MIN) + chrono::Duration::hours(12);
        let now = input.now.unwrap_or(noon);
        generate_haiku(ai, &prompt, now, input.weather.as_ref(), &input.events)
            .await
            .map_err(|e| failure(e.to_string(), failure_type::TRANSIENT, false))
    }

    /// Renders the site of a schedule, with its sources' health carried on from the published
    /// `health.json`, and publishes it into the site's directory of the target repository.
    /// The repository (the workflow's `repository_url`, else the site's) is used only when
    /// the worker's operator allowed it (`GIT_REPOSITORY_URL`, `ATG_ALLOWED_REPOSITORIES`);
    /// otherwise the run is not deployed. Flagged breweries are logged and counted.
    #[activity(name = "publish_site")]
    pub async fn publish_site(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: PublishInput,
    ) -> Result<PublishReport, ActivityError> {
        let info = input.site.unwrap_or_default();
        let schedule = self
            .schedule(&ctx.client(), input.schedule, info.reference(), input.as_of)
            .await?;
        // A run without events publishes nothing (not even health.json), whatever the target.
        if schedule.events.is_empty() {
            return Ok(PublishReport::Skipped);
        }
        let repository = input.repository_url.or(info.publish.repository.clone());
        let target = self.git_target(repository, info.publish.branch.clone(), &info)?;
        let now = chrono::Utc::now();
        let previous = supervised(&ctx, async {
            around_the_grounds::previous_health(&target, now)
                .await
                .map_err(|e| publish_failure(&e))
        })
        .await?;
        let health =
            around_the_grounds::health(previous.as_ref(), &schedule, info.stale_after, now);
        for stale in health.stale() {
            tracing::warn!(site = %info.key, brewery = %stale.key, runs = stale.runs_without_events, "{}", stale.warning(schedule.as_of));
            self.count_stale(&info.key, &stale.key);
        }
        // Rendered off the async threads (a region's site is thousands of files); the schedule
        // and the health records go with it, so the git step holds only the file list.
        let haiku = input.haiku;
        let site = tokio::task::spawn_blocking(move || {
            around_the_grounds::render(&schedule, haiku.as_deref(), &health, now)
        })
        .await
        .map_err(|e| anyhow::anyhow!("rendering the site stopped: {e}"))?
        .map_err(|e| failure(e.to_string(), failure_type::CONFIGURATION, true))?;
        self.publish(&ctx, &site, &target, now).await
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
        let mut schedule = Schedule::merge(SiteRef::default(), as_of, breweries);
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

    /// The original's: publishes a whole `data.json` (true when the published site is this
    /// one).
    #[activity(name = "deploy_to_git")]
    pub async fn deploy_to_git(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: DeployInput,
    ) -> Result<bool, ActivityError> {
        let site = around_the_grounds::web::render_data(input.web_data)
            .map(Arc::new)
            .map_err(|e| failure(e.to_string(), failure_type::CONFIGURATION, true))?;
        if !site.publishable() {
            return Ok(false);
        }
        let target = self.git_target(input.repository_url, input.branch, &SiteInfo::default())?;
        let report = self
            .publish(&ctx, &site, &target, chrono::Utc::now())
            .await?;
        Ok(report != PublishReport::Skipped)
    }
}

impl FoodTruckActivities {
    /// The repository a workflow asked for, as the operator's policy allows it, and the
    /// site's directory in it.
    fn git_target(
        &self,
        repository_url: Option<String>,
        branch: Option<String>,
        site: &SiteInfo,
    ) -> Result<Target, ActivityError> {
        GitSettings::for_workflow(&self.trust.repositories, repository_url, branch, |k| {
            std::env::var(k).ok()
        })
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
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<PublishReport, ActivityError> {
        let done = supervised(ctx, async {
            Ok(around_the_grounds::publish(site, target, now).await)
        })
        .await?;
        match done.map_err(|e| publish_failure(&e))? {
            Published::Committed { commit } => {
                tracing::info!(%commit, "deployed");
                Ok(PublishReport::Committed { commit })
            }
            Published::Written | Published::Unchanged => Ok(PublishReport::Unchanged),
            Published::Skipped => Ok(PublishReport::Skipped),
        }
    }
}
