//! The pipeline's steps, in the order they run. Both front ends (the CLI and the Temporal
//! activities) call these and nothing else: scrape → [`Schedule`] → (AI) → [`render`] a
//! [`Site`] → [`publish`] it. A step takes typed values and returns typed values; no step
//! reads another's rendered output back.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use atg_core::{Clock, ConfigError, Schedule, Site, SiteConfig, SiteList};
use atg_deploy::{DeployError, Deployed, GitSettings, LocalError};
use atg_scrapers::{Coordinator, FetchError, ScrapeOptions, Source};
use atg_web::{HealthRecord, RenderError};
use chrono::{DateTime, Utc};

/// A configuration loaded, checked and compiled: its sites, and each brewery's source compiled
/// once (checking a configuration and scraping it use the same compiled value).
#[derive(Debug, Clone)]
pub struct Sites {
    /// The sites as configured.
    pub list: SiteList,
    /// `sources[i][j]` reads `list.sites[i].breweries[j]`.
    sources: Vec<Arc<[Source]>>,
}

/// One site of [`Sites`]: its configuration and its breweries' compiled sources.
#[derive(Debug, Clone, Copy)]
pub struct CompiledSite<'a> {
    /// The site's configuration.
    pub config: &'a SiteConfig,
    /// Its breweries' sources, in the configuration's order.
    pub sources: &'a Arc<[Source]>,
}

impl Sites {
    /// No site at all.
    pub fn empty() -> Self {
        Self {
            list: SiteList { sites: Vec::new() },
            sources: Vec::new(),
        }
    }

    /// Compiles every site of `list`: an unknown parser or a bad setting is refused, naming
    /// the brewery and the field.
    pub fn compile(list: SiteList) -> Result<Self, ConfigError> {
        let sources = list
            .sites
            .iter()
            .map(|site| atg_scrapers::compile(site).map(Arc::from))
            .collect::<Result<_, _>>()?;
        Ok(Self { list, sources })
    }

    fn compiled<'a>(&'a self, config: &'a SiteConfig) -> CompiledSite<'a> {
        let i = self
            .list
            .sites
            .iter()
            .position(|s| std::ptr::eq(s, config))
            .unwrap_or(0);
        CompiledSite {
            config,
            sources: &self.sources[i],
        }
    }

    /// The site `key`, or the default one (the first) for `None` ([`SiteList::site`]).
    pub fn site(&self, key: Option<&str>) -> Result<CompiledSite<'_>, ConfigError> {
        self.list.site(key).map(|c| self.compiled(c))
    }

    /// Where the site `key` ([`Sites::site`]) is in the list: its [`Sites::nth`].
    pub fn position(&self, key: Option<&str>) -> Result<usize, ConfigError> {
        let config = self.list.site(key)?;
        Ok(self
            .list
            .sites
            .iter()
            .position(|s| std::ptr::eq(s, config))
            .unwrap_or(0))
    }

    /// The `i`-th site.
    pub fn nth(&self, i: usize) -> Option<CompiledSite<'_>> {
        self.list.sites.get(i).map(|c| self.compiled(c))
    }

    /// Every site, in the configuration's order.
    pub fn all(&self) -> impl Iterator<Item = CompiledSite<'_>> {
        self.list.sites.iter().map(|c| self.compiled(c))
    }

    /// The sites `wanted` names ([`SiteList::select`]).
    pub fn select(&self, wanted: &[String]) -> Result<Vec<CompiledSite<'_>>, ConfigError> {
        Ok(self
            .list
            .select(wanted)?
            .into_iter()
            .map(|c| self.compiled(c))
            .collect())
    }
}

impl std::ops::Deref for CompiledSite<'_> {
    type Target = SiteConfig;
    fn deref(&self) -> &SiteConfig {
        self.config
    }
}

/// Every site at `path` (a file or a directory of sites; else the built-in list), every
/// brewery's source compiled: an unknown parser or a bad setting is refused here, naming the
/// brewery and the field. An original `breweries.json` takes what it leaves out from the
/// built-in list ([`SiteList::with_defaults`]; each setting only the original read is named in
/// a warning).
pub fn load_sites(path: Option<&Path>) -> Result<Sites, ConfigError> {
    let builtin = SiteList::load(None)?;
    Sites::compile(filled(SiteList::load(path)?, &builtin))
}

/// Every site of a configuration someone else named ([`SiteList::load_within`]), what it
/// leaves out taken from `defaults` (the operator's own configuration), compiled.
pub fn load_sites_within(
    requested: Option<&str>,
    dir: Option<&Path>,
    defaults: &SiteList,
) -> Result<Sites, ConfigError> {
    Sites::compile(filled(SiteList::load_within(requested, dir)?, defaults))
}

fn filled(sites: SiteList, defaults: &SiteList) -> SiteList {
    let (sites, notices) = sites.with_defaults(defaults);
    for n in notices {
        tracing::warn!("{n}");
    }
    sites
}

/// Every brewery of `site` scraped concurrently with its compiled source and merged into the
/// site's week: the day is the clock's, read in the site's zone.
pub async fn scrape(
    site: CompiledSite<'_>,
    clock: Clock,
    options: ScrapeOptions,
) -> Result<Schedule, FetchError> {
    let coordinator = Coordinator::new(options)?;
    let clock = clock.in_zone(site.config.site.timezone);
    let schedule = coordinator
        .scrape_sources(
            &site.config.site.reference(),
            &site.config.breweries,
            site.sources,
            clock,
        )
        .await;
    Ok(schedule)
}

/// The `health.json` that `target` has: none the first time (or when the file is not a
/// record: a new one starts). A repository that cannot be read is an error, so that a run
/// never replaces a record it could not see.
pub async fn previous_health(
    target: &Target,
    now: DateTime<Utc>,
) -> Result<Option<HealthRecord>, PublishError> {
    let bytes = match target {
        Target::Directory(dir) => std::fs::read(dir.join(atg_web::health::HEALTH_FILE)).ok(),
        Target::Git(settings) => {
            atg_deploy::read_published(settings, atg_web::health::HEALTH_FILE, now).await?
        }
    };
    let health = bytes.as_deref().and_then(|b| {
        let h = HealthRecord::from_json(b);
        if h.is_none() {
            tracing::warn!("the published health.json is not a health record; starting afresh");
        }
        h
    });
    Ok(health)
}

/// The site of `schedule`, made at `updated`, with today's haiku if there is one and
/// `health.json` beside `data.json`.
pub fn render(
    schedule: &Schedule,
    haiku: Option<&str>,
    health: &HealthRecord,
    updated: DateTime<Utc>,
) -> Result<Arc<Site>, RenderError> {
    atg_web::render_site_with_health(schedule, haiku, health, updated).map(Arc::new)
}

/// Where a site is published.
#[derive(Debug, Clone)]
pub enum Target {
    /// A local directory, replaced as a whole (`--preview`).
    Directory(PathBuf),
    /// The site's directory of a git repository (`public/`, or its `publish.path`), committed
    /// and pushed (`--deploy`, the workflow).
    Git(Box<GitSettings>),
}

/// What a publish did (on the wire as `{"published": "committed", "commit": …}`, the shape
/// the workflow's `publish_site` has always returned).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "published")]
pub enum Published {
    /// The directory holds the site.
    Written,
    /// A commit was pushed.
    Committed {
        /// The commit's id.
        commit: String,
    },
    /// The repository already shows this schedule: nothing was pushed.
    Unchanged,
    /// No events: the target was left as it was.
    Skipped,
}

/// Why a target did not get the site.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The local directory could not be replaced.
    #[error(transparent)]
    Local(#[from] LocalError),
    /// The repository could not be read, committed to or pushed to.
    #[error(transparent)]
    Git(#[from] DeployError),
    /// The site's health record (`health.json` where it is published) could not be read:
    /// nothing was published over it. The text is the reading's own error.
    #[error("{0}")]
    Record(String),
    /// The site could not be rendered.
    #[error("the site cannot be rendered: {0}")]
    Render(String),
}

impl PublishError {
    /// Whether trying again cannot help (credentials that do not work).
    pub fn is_settings(&self) -> bool {
        matches!(self, Self::Git(DeployError::Auth(_)))
    }
}

/// Publishes `site` to `target`, when it is [publishable](Site::publishable).
pub async fn publish(
    site: &Arc<Site>,
    target: &Target,
    now: DateTime<Utc>,
) -> Result<Published, PublishError> {
    if !site.publishable() {
        return Ok(Published::Skipped);
    }
    match target {
        Target::Directory(dir) => {
            atg_deploy::publish_dir(dir, &site.files)?;
            Ok(Published::Written)
        }
        Target::Git(settings) => Ok(
            match atg_deploy::deploy(settings, site.clone(), now).await? {
                Deployed::Committed { commit, .. } => Published::Committed { commit },
                Deployed::NoChanges => Published::Unchanged,
            },
        ),
    }
}

/// What the one publish step is given besides the schedule.
pub struct PublishPlan<'a> {
    /// The site: its zone, `stale_after`, where it goes.
    pub site: &'a atg_core::SiteInfo,
    /// Where it is published; the first git target (else the first) keeps the health record.
    pub targets: &'a [Target],
    /// Today's haiku, if one was written.
    pub haiku: Option<String>,
    /// Names for trucks known only by a logo (`ANTHROPIC_API_KEY`): the client, the cache,
    /// the names the config knows, and at most how many images one run may send.
    pub vision: Option<Vision<'a>>,
    /// When the site is made (its `updated`, the commit's time).
    pub now: DateTime<Utc>,
}

/// The AI's reading of logos, for [`publish_schedule`].
pub struct Vision<'a> {
    /// The AI client (the operator's `ANTHROPIC_API_KEY`).
    pub client: &'a atg_ai::AiClient,
    /// Names already read, by image URL.
    pub cache: &'a mut atg_ai::VisionCache,
    /// Names the configuration knows, as hints.
    pub known: Vec<String>,
    /// `ATG_VISION_MAX_PER_RUN`.
    pub max_per_run: usize,
}

/// What [`publish_schedule`] did: each target's outcome, in order, and the breweries the
/// health record flagged.
#[derive(Debug)]
pub struct PublishOutcome {
    /// What each target got, in the order they were given.
    pub targets: Vec<Result<Published, PublishError>>,
    /// The breweries flagged stale by the health record.
    pub stale: Vec<atg_web::health::SourceHealth>,
    /// The events of the site that was published.
    pub events: usize,
}

impl PublishOutcome {
    /// Whether every target got the site (or was rightly left alone: no events).
    pub fn all_published(&self) -> bool {
        self.targets.iter().all(Result::is_ok)
    }
}

/// The one publish step, for the CLI and the worker alike: a schedule without events is never
/// published (and nothing is read for it); otherwise the trucks known only by a logo are
/// named, the week is sorted again (a name changes the order), the health record is carried on
/// from the one the site has, and the site is rendered once (off the async threads) and
/// published to each target. A record that cannot be read fails every target: a run never
/// replaces a record it could not see.
pub async fn publish_schedule(mut schedule: Schedule, plan: PublishPlan<'_>) -> PublishOutcome {
    if schedule.events.is_empty() {
        return PublishOutcome {
            targets: plan
                .targets
                .iter()
                .map(|_| Ok(Published::Skipped))
                .collect(),
            stale: Vec::new(),
            events: 0,
        };
    }
    if let Some(v) = plan.vision {
        let named = crate::ai::read_vendor_images(
            &mut schedule.events,
            v.client,
            v.cache,
            &v.known,
            v.max_per_run,
        )
        .await;
        if named > 0 {
            let events = std::mem::take(&mut schedule.events);
            schedule.events = atg_core::sort_and_dedup(events, schedule.window());
        }
    }
    let fail_all = |e: PublishError| {
        let why = e.to_string();
        PublishOutcome {
            targets: plan
                .targets
                .iter()
                .map(|_| Err(PublishError::Record(why.clone())))
                .collect(),
            stale: Vec::new(),
            events: 0,
        }
    };
    let record = plan
        .targets
        .iter()
        .find(|t| matches!(t, Target::Git(_)))
        .or(plan.targets.first());
    let previous = match record {
        Some(t) => match previous_health(t, plan.now).await {
            Ok(found) => found,
            Err(e) => return fail_all(e),
        },
        None => None,
    };
    let health = HealthRecord::next(
        previous.as_ref(),
        &schedule,
        plan.site.stale_after,
        plan.now,
    );
    let stale: Vec<_> = health.stale().cloned().collect();
    let events = schedule.events.len();
    let now = plan.now;
    let haiku = plan.haiku;
    // Rendered off the async threads (a region's site is thousands of files); the schedule
    // and the health records go with it, so publishing holds only the file list.
    let rendered =
        tokio::task::spawn_blocking(move || render(&schedule, haiku.as_deref(), &health, now))
            .await;
    let site = match rendered {
        Ok(Ok(site)) => site,
        Ok(Err(e)) => return fail_all(PublishError::Render(e.to_string())),
        Err(e) => return fail_all(PublishError::Render(format!("rendering stopped: {e}"))),
    };
    let mut targets = Vec::with_capacity(plan.targets.len());
    for t in plan.targets {
        targets.push(publish(&site, t, plan.now).await);
    }
    PublishOutcome {
        targets,
        stale,
        events,
    }
}
