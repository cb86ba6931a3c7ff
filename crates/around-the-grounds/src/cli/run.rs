//! The `around-the-grounds` run: each site chosen, scraped, printed, and published to its
//! targets — every step a call into the pipeline.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;

use atg_pipeline::ai_client::{AiClient, AiSettings, HaikuPrompt, VisionCache};
use atg_pipeline::core::{Clock, RunStatus, Schedule, SiteConfig};
use atg_pipeline::deploy::GitSettings;
use atg_pipeline::scrapers::ScrapeOptions;
use atg_pipeline::web::Report;
use chrono::NaiveDate;

use atg_pipeline::{CompiledSite, Target, ai};

/// What the command line asked for.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub config: Option<PathBuf>,
    /// `--site` keys (`all` for every site); none: the default site.
    pub sites: Vec<String>,
    pub as_of: Option<NaiveDate>,
    pub json: bool,
    pub scrape: ScrapeOptions,
    pub preview: bool,
    pub out: PathBuf,
    pub serve: Option<SocketAddr>,
    pub deploy: bool,
    pub git_repo: Option<String>,
    pub git_branch: Option<String>,
    /// At most this many logos sent to the AI per site and run (`ATG_VISION_MAX_PER_RUN`).
    pub vision_max_per_run: usize,
}

/// Runs every chosen site; the exit status is the worst of theirs (0, 2, 1).
pub fn run(o: &RunOptions, rt: &tokio::runtime::Runtime) -> anyhow::Result<u8> {
    let env = |k: &str| std::env::var(k).ok();
    let list = atg_pipeline::load_sites(o.config.as_deref())?;
    let sites = list.select(&o.sites)?;
    let many = sites.len() > 1;
    // Where each site goes is settled (and a bad deploy setting refused) before anything is
    // fetched.
    let mut plans: Vec<(CompiledSite<'_>, Vec<Target>)> = Vec::new();
    for site in &sites {
        let mut targets = Vec::new();
        if o.preview || o.serve.is_some() {
            let dir = if many {
                o.out.join(&site.site.key)
            } else {
                o.out.clone()
            };
            targets.push(Target::Directory(dir));
        }
        if o.deploy {
            // A site's own repository wins; --git-repo / GIT_REPOSITORY_URL serve the others
            // (and alone say where the operator's token may go).
            let publish = &site.site.publish;
            let branch = publish.branch.clone().or_else(|| o.git_branch.clone());
            let git = match GitSettings::for_site(publish, o.git_repo.clone(), branch, env) {
                Ok(g) => g.in_dir(publish.dir()),
                Err(e) if many => anyhow::bail!("site {:?}: {e}", site.site.key),
                Err(e) => return Err(e.into()),
            };
            targets.push(Target::Git(Box::new(git)));
        }
        plans.push((*site, targets));
    }
    refuse_shared_places(&plans)?;
    let ai_client = AiSettings::from_env(env).and_then(|s| AiClient::new(s).ok());
    let mut worst = 0u8;
    let mut reports = Vec::new();
    for (config, targets) in &plans {
        let zone = config.site.timezone;
        let clock = o.as_of.map_or_else(
            || Clock::system().in_zone(zone),
            |d| Clock::as_of_in(d, zone),
        );
        let progress = std::io::stderr().is_terminal();
        if progress {
            eprint!("⏳ Fetching {} breweries…", config.breweries.len());
        }
        let mut schedule = rt.block_on(atg_pipeline::scrape(*config, clock, o.scrape.clone()))?;
        // AI only with a key (ANTHROPIC_API_KEY); without one nothing is sent anywhere.
        if let Some(client) = &ai_client {
            let mut cache = VisionCache::open(VisionCache::default_path(env));
            let known = ai::known_vendors(&config.breweries);
            rt.block_on(ai::read_vendor_images(
                &mut schedule.events,
                client,
                &mut cache,
                &known,
                o.vision_max_per_run,
            ));
            let events = std::mem::take(&mut schedule.events);
            schedule.events = atg_pipeline::core::sort_and_dedup(events, schedule.window());
        }
        if progress {
            eprint!("\r\x1b[2K");
        }
        if o.json {
            reports.push(schedule.clone());
        } else {
            if many {
                super::say(&format!("\n📍 {} ({})\n", config.site.title, zone.name()));
            }
            super::print_schedule(false, &schedule)?;
        }
        worst = worse(worst, schedule.status());
        // A publish that was asked for and failed is the run's failure, whatever the scrape.
        if !targets.is_empty()
            && !publish(o, rt, config, &schedule, targets, ai_client.as_ref(), clock)?
        {
            worst = 1;
        }
    }
    if o.json {
        print_reports(&reports, many)?;
    }
    if let Some(addr) = o.serve {
        let keys: Vec<String> = plans.iter().map(|(c, _)| c.site.key.clone()).collect();
        rt.block_on(super::serve(&o.out, if many { &keys } else { &[] }, addr))?;
    }
    Ok(worst)
}

/// Two sites must not replace each other: each needs its own directory (in its repository, or
/// under --out).
fn refuse_shared_places(plans: &[(CompiledSite<'_>, Vec<Target>)]) -> anyhow::Result<()> {
    let mut seen: Vec<(String, &str)> = Vec::new();
    for (config, targets) in plans {
        for t in targets {
            let place = match t {
                Target::Directory(d) => format!("{}", d.display()),
                Target::Git(g) => format!(
                    "{} (branch {}) {}/",
                    g.target.url,
                    g.target.branch,
                    if g.target.dir.is_empty() {
                        "."
                    } else {
                        &g.target.dir
                    }
                ),
            };
            if let Some((_, other)) = seen.iter().find(|(p, _)| *p == place) {
                anyhow::bail!(
                    "sites {other:?} and {:?} would both publish to {place}: give one a publish.path or publish.repository of its own",
                    config.site.key
                );
            }
            seen.push((place, &config.site.key));
        }
    }
    Ok(())
}

/// The worse of two exit statuses: 1 (all failed) over 2 (some) over 0.
fn worse(code: u8, status: RunStatus) -> u8 {
    let rank = |c: u8| match c {
        1 => 2,
        2 => 1,
        _ => 0,
    };
    let next = status.exit_code();
    if rank(next) > rank(code) { next } else { code }
}

/// One site's haiku, health and site, published to each of its targets by the library's one
/// publish step; whether every target got it (a failure is printed with its reason).
fn publish(
    o: &RunOptions,
    rt: &tokio::runtime::Runtime,
    config: &SiteConfig,
    schedule: &Schedule,
    targets: &[Target],
    ai_client: Option<&AiClient>,
    clock: Clock,
) -> anyhow::Result<bool> {
    let env = |k: &str| std::env::var(k).ok();
    // One site (and one haiku) for every target.
    let haiku = match ai_client {
        Some(client) if !schedule.events.is_empty() => rt.block_on(ai::todays_haiku(
            schedule,
            client,
            &HaikuPrompt::from_env(env),
            &config.site,
            clock,
        )),
        _ => None,
    };
    let plan = atg_pipeline::PublishPlan {
        site: &config.site,
        targets,
        haiku,
        // The trucks were named before the schedule was printed.
        vision: None,
        now: clock.now_utc(),
    };
    let done = rt.block_on(atg_pipeline::publish_schedule(schedule.clone(), plan));
    for stale in &done.stale {
        eprintln!("⚠️  {}", stale.warning(schedule.as_of));
    }
    for (target, result) in targets.iter().zip(&done.targets) {
        match result {
            Ok(p) => {
                let line = super::published(target, p, done.events);
                if o.json {
                    eprintln!("{line}");
                } else {
                    super::say(&line);
                }
            }
            Err(e) => eprintln!("{}", super::failed(target, e)),
        }
    }
    Ok(done.all_published())
}

/// `--format json`: one site's report as before; several: `{"sites": [...]}`.
fn print_reports(schedules: &[Schedule], many: bool) -> anyhow::Result<()> {
    if !many {
        if let Some(s) = schedules.first() {
            super::print_schedule(true, s)?;
        }
        return Ok(());
    }
    let sites: Vec<serde_json::Value> = schedules
        .iter()
        .map(|s| {
            let mut v = serde_json::to_value(Report::new(s))?;
            if let Some(o) = v.as_object_mut() {
                o.insert("site".into(), serde_json::to_value(&s.site)?);
            }
            Ok(v)
        })
        .collect::<Result<_, serde_json::Error>>()?;
    super::say(&serde_json::to_string_pretty(
        &serde_json::json!({ "sites": sites }),
    )?);
    Ok(())
}
