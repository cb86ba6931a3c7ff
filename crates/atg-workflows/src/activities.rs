//! The activities: a few lines of (de)serialisation around the library's pipeline functions.
//! No schedule logic lives here.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use around_the_grounds::core::{Brewery, BreweryConfig, Clock, FoodTruckEvent, ScheduleWindow};
use around_the_grounds::deploy::{DeployError, Deployed, GitSettings, RepositoryPolicy};
use around_the_grounds::scrapers::{Coordinator, FetchOptions, ScrapeOptions};
use around_the_grounds::web::{WebData, WebInput};
use around_the_grounds::{Published, publish_to_git};
use futures::FutureExt;
use temporalio_macros::activities;
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

use crate::types::{
    DeployInput, ErrorDict, HaikuInput, ScrapeInput, ScrapeResult, VisionInput, WebDataInput,
    user_message_of,
};
use around_the_grounds::ai_client::{AiClient, HaikuPrompt, VisionCache, generate_haiku};

/// Failure types the workflow's retry policies know.
pub mod failure_type {
    pub const CONFIGURATION: &str = "ConfigurationError";
    pub const PARSER: &str = "ParserError";
    pub const TRANSIENT: &str = "TransientScrapeError";
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

/// What the activities share: one HTTP client for every scrape, the AI client when a key is
/// configured, and the vision cache.
pub struct FoodTruckActivities {
    /// Made on first use, so an idle worker holds no HTTP client (nor its TLS roots).
    coordinator: std::sync::OnceLock<Coordinator>,
    scrape_options: ScrapeOptions,
    ai: Option<AiClient>,
    vision_cache: tokio::sync::Mutex<VisionCache>,
    trust: WorkerTrust,
}

impl FoodTruckActivities {
    /// Inside an activity the coordinator makes one attempt per request: Temporal's retry
    /// policy does the retrying, visibly, with backoff.
    pub fn new(trust: WorkerTrust) -> anyhow::Result<Self> {
        let options = ScrapeOptions {
            fetch: FetchOptions {
                max_attempts: 1,
                ..FetchOptions::default()
            },
            ..ScrapeOptions::default()
        };
        let env = |k: &str| std::env::var(k).ok();
        Ok(Self {
            coordinator: std::sync::OnceLock::new(),
            scrape_options: options,
            ai: AiClient::from_process_env(),
            vision_cache: tokio::sync::Mutex::new(VisionCache::open(VisionCache::default_path(
                env,
            ))),
            trust,
        })
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

/// `--as-of` style date, else now.
fn clock_for(as_of: Option<&str>) -> Result<Clock, ActivityError> {
    match as_of {
        None => Ok(Clock::system()),
        Some(d) => around_the_grounds::core::parse_as_of(d)
            .map(Clock::as_of)
            .map_err(|e| failure(format!("as_of {e}"), failure_type::CONFIGURATION, true)),
    }
}

/// Runs an activity's work: heart-beating every 2 s (so Temporal notices a dead worker and can
/// deliver a cancellation), stopping when the activity is cancelled (the work's future is
/// dropped, which for a deploy means it cannot push afterwards), and turning a panic into a
/// non-retryable failure instead of a crashed worker.
async fn supervised<T>(
    ctx: &ActivityContext,
    work: impl Future<Output = Result<T, ActivityError>>,
) -> Result<T, ActivityError> {
    let work = AssertUnwindSafe(work).catch_unwind();
    tokio::pin!(work);
    let mut beat = tokio::time::interval(Duration::from_secs(2));
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
            _ = beat.tick() => { let _ = ctx.record_heartbeat(()).await; }
        }
    }
}

impl FoodTruckActivities {
    fn coordinator(&self) -> Result<&Coordinator, ActivityError> {
        if let Some(c) = self.coordinator.get() {
            return Ok(c);
        }
        let c =
            Coordinator::new(self.scrape_options.clone()).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(self.coordinator.get_or_init(|| c))
    }
}

/// This attempt is the retry policy's last.
fn final_attempt(ctx: &ActivityContext) -> bool {
    let info = ctx.info();
    info.retry_policy
        .as_ref()
        .is_some_and(|p| p.maximum_attempts() > 0 && info.attempt >= p.maximum_attempts())
}

#[activities]
impl FoodTruckActivities {
    #[activity(name = "test_connectivity")]
    pub async fn test_connectivity(_ctx: ActivityContext) -> Result<String, ActivityError> {
        Ok("Activity connectivity test successful".to_string())
    }

    #[activity(name = "load_brewery_config")]
    pub async fn load_brewery_config(
        self: Arc<Self>,
        _ctx: ActivityContext,
        config_path: Option<String>,
    ) -> Result<Vec<Brewery>, ActivityError> {
        // Whoever starts a workflow names the file; the worker's operator decides where from.
        let dir = self.trust.config_dir.clone();
        let config = tokio::task::spawn_blocking(move || {
            BreweryConfig::load_within(config_path.as_deref(), dir.as_deref())
        })
        .await
        .map_err(|e| anyhow::anyhow!("config loading stopped: {e}"))?
        .map_err(|e| failure(e.to_string(), failure_type::CONFIGURATION, true))?;
        Ok(config.breweries)
    }

    /// One brewery. Transient failures fail the attempt so Temporal retries them; on the last
    /// attempt, and for failures no retry can fix, the failure is returned as data.
    #[activity(name = "scrape_single_brewery")]
    pub async fn scrape_single_brewery(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: ScrapeInput,
    ) -> Result<ScrapeResult, ActivityError> {
        let clock = clock_for(input.as_of.as_deref())?;
        let coordinator = self.coordinator()?;
        let result = supervised(&ctx, async {
            Ok(coordinator.scrape_one(&input.brewery, clock).await)
        })
        .await?;
        match result {
            Ok(events) => Ok(ScrapeResult {
                events,
                error: None,
            }),
            Err(e) if e.retryable && !final_attempt(&ctx) => Err(failure(
                format!("{}: {}", e.kind, e.message),
                failure_type::TRANSIENT,
                false,
            )),
            Err(e) => Ok(ScrapeResult {
                events: Vec::new(),
                error: Some(ErrorDict::from(&e)),
            }),
        }
    }

    /// The original's legacy activity: every brewery in one go, `[events, errors]`.
    #[activity(name = "scrape_food_trucks")]
    pub async fn scrape_food_trucks(
        self: Arc<Self>,
        _ctx: ActivityContext,
        breweries: Vec<Brewery>,
    ) -> Result<(Vec<FoodTruckEvent>, Vec<ErrorDict>), ActivityError> {
        let out = self
            .coordinator()?
            .scrape_all(&breweries, Clock::system())
            .await;
        Ok((out.events, out.errors.iter().map(ErrorDict::from).collect()))
    }

    #[activity(name = "generate_web_data")]
    pub async fn generate_web_data(
        ctx: ActivityContext,
        input: WebDataInput,
    ) -> Result<WebData, ActivityError> {
        let clock = clock_for(input.as_of.as_deref())?;
        let mut messages: Vec<String> = input.errors.iter().filter_map(user_message_of).collect();
        messages.dedup();
        supervised(&ctx, async {
            Ok(WebData::new(WebInput {
                events: &input.events,
                errors: &[],
                extra_errors: &messages,
                haiku: input.haiku.as_deref(),
                updated: chrono::Utc::now(),
                window: ScheduleWindow::starting(clock.today()),
                breweries: &input.breweries,
            }))
        })
        .await
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
            around_the_grounds::read_vendor_images(
                &mut events,
                ai,
                &mut cache,
                &input.known_vendors,
            )
            .await;
            if let Err(e) = cache.save() {
                tracing::warn!(error = %e, "the vision cache could not be saved");
            }
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
        let today = around_the_grounds::core::parse_as_of(&input.today)
            .map_err(|e| failure(format!("today {e}"), failure_type::CONFIGURATION, true))?;
        let prompt = HaikuPrompt::from_env(|k| std::env::var(k).ok());
        // A failed attempt fails the activity, so Temporal's policy retries it.
        generate_haiku(ai, &prompt, today, &input.events)
            .await
            .map_err(|e| failure(e.to_string(), failure_type::TRANSIENT, false))
    }

    /// Publishes `web_data` to the target repository; true when the published site is this one.
    /// The workflow's `repository_url` is honoured only when the worker's operator allowed it
    /// (`GIT_REPOSITORY_URL`, `ATG_ALLOWED_REPOSITORIES`); otherwise the run is not deployed.
    #[activity(name = "deploy_to_git")]
    pub async fn deploy_to_git(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: DeployInput,
    ) -> Result<bool, ActivityError> {
        let settings = GitSettings::for_workflow(
            &self.trust.repositories,
            input.repository_url,
            input.branch,
            |k| std::env::var(k).ok(),
        )
        .map_err(|e| {
            failure(
                format!("Failed to deploy to git: {e}"),
                failure_type::DEPLOY_SETTINGS,
                true,
            )
        })?;
        let deployed = supervised(&ctx, async {
            Ok(publish_to_git(&input.web_data, &settings, chrono::Utc::now()).await)
        })
        .await?;
        match deployed {
            Ok(Published::Done(Deployed::Committed { commit, .. })) => {
                tracing::info!(%commit, target = %settings.summary(), "deployed");
                Ok(true)
            }
            Ok(Published::Done(Deployed::NoChanges)) => Ok(true),
            Ok(Published::Skipped) => Ok(false),
            // Credentials that do not work will not start working on a retry.
            Err(e @ DeployError::Auth(_)) => Err(failure(
                format!("Failed to deploy to git: {e}"),
                failure_type::DEPLOY_SETTINGS,
                true,
            )),
            Err(e) => Err(failure(
                format!("Failed to deploy to git: {e}"),
                failure_type::DEPLOY,
                false,
            )),
        }
    }
}
