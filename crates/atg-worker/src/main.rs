//! `atg-worker`: polls the food-truck task queue and runs `FoodTruckWorkflow` and its
//! activities until SIGINT or SIGTERM. Configured by the environment (TEMPORAL_*, .env).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use atg_cli::{self as cli, LogFormat};
use atg_temporal_config::TemporalSettings;
use atg_workflows::activities::ActivitySettings;
use atg_workflows::worker::{WorkerRuntime, WorkerSettings, build_workers, run_until_signal};
use clap::Parser;

mod liveness;

/// Run the Around the Grounds Temporal worker.
#[derive(Debug, Parser)]
#[command(name = "atg-worker", version, about)]
struct Cli {
    /// Activities run at the same time.
    #[arg(long, value_name = "N", env = "ATG_MAX_CONCURRENT_ACTIVITIES", default_value_t = 10,
          value_parser = clap::value_parser!(u16).range(1..))]
    max_concurrent_activities: u16,

    /// Workflows kept in memory between tasks.
    #[arg(long, value_name = "N", env = "ATG_MAX_CACHED_WORKFLOWS", default_value_t = 50,
          value_parser = clap::value_parser!(u16).range(1..))]
    max_cached_workflows: u16,

    /// After SIGTERM or SIGINT, running activities get this long (seconds) to finish before
    /// they are cancelled and the worker exits.
    #[arg(
        long,
        value_name = "SECONDS",
        env = "ATG_SHUTDOWN_GRACE",
        default_value_t = 30
    )]
    shutdown_grace: u64,

    /// How long to wait for the Temporal server at start-up, in seconds.
    #[arg(
        long,
        value_name = "SECONDS",
        env = "ATG_CONNECT_WAIT",
        default_value_t = 30
    )]
    connect_wait: u64,

    /// Log lines as text or as JSON objects.
    #[arg(long, value_enum, env = "ATG_LOG_FORMAT", default_value_t = LogFormat::Pretty)]
    log_format: LogFormat,

    /// Serve Prometheus metrics at ADDR (e.g. 0.0.0.0:9464).
    #[arg(long, value_name = "ADDR", env = "ATG_METRICS_ADDR")]
    metrics_addr: Option<SocketAddr>,

    /// Answer `GET /healthz` at ADDR (e.g. 127.0.0.1:9465) with 200 while the worker polls.
    #[arg(long, value_name = "ADDR", env = "ATG_HEALTH_ADDR")]
    health_addr: Option<SocketAddr>,

    /// Ask a running worker's health endpoint (`--health-addr`, default 127.0.0.1:9465) and
    /// exit 0 if it is polling, 1 if not: a container's HEALTHCHECK.
    #[arg(long)]
    health: bool,

    /// More logging.
    #[arg(short, long)]
    verbose: bool,
}

fn main() -> ExitCode {
    let (cli, runtime) = match cli::start::<Cli>(true) {
        Ok(started) => started,
        Err(code) => return code,
    };
    // Without --verbose the worker still says when it starts and stops.
    if cli.verbose {
        cli::init_logging(true, cli.log_format);
    } else {
        cli::init_logging_with(cli.log_format, "warn,atg_worker=info,atg_workflows=info");
    }
    if cli.health {
        return runtime.block_on(liveness::check(cli.health_addr));
    }
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    // Lines for people on stderr, as the original printed them; `--log-format json` keeps
    // only the structured log.
    let people = cli.log_format != LogFormat::Json;
    let say = |line: &str| {
        if people {
            eprintln!("{line}");
        }
    };
    let env = |k: &str| std::env::var(k).ok();
    let settings = TemporalSettings::from_env(|k| std::env::var(k).ok());
    settings
        .validate()
        .map_err(|e| anyhow::anyhow!("❌ Configuration validation failed: {e}"))?;
    // Every setting the activities use, read and checked now: a bad key stops the worker here.
    let activities = ActivitySettings::from_env(env)?;
    say("✅ Configuration validation passed");
    say(&settings.connecting_block());
    tracing::info!(
        mode = settings.mode(),
        "connecting to Temporal: {}",
        settings.summary()
    );
    if settings.api_key_in_clear() {
        tracing::warn!(
            "TEMPORAL_TLS=false: the API key is sent without TLS; only do this to a local proxy that adds TLS"
        );
    }

    let runtime = WorkerRuntime::new(cli.metrics_addr)?;
    if let Some(addr) = runtime.metrics_addr() {
        tracing::info!(%addr, "Prometheus metrics at http://{addr}/metrics");
    }

    let identity = format!("atg-worker@{}:{}", hostname(), std::process::id());
    let client = settings
        .connect_with_wait(&identity, Duration::from_secs(cli.connect_wait))
        .await?;
    say(&format!("✅ Connected to Temporal at {}", settings.address));
    if !activities.seal.is_shared() {
        tracing::warn!(
            "results are sealed with a key of this worker alone: set the same ATG_RESULT_KEY on every worker of a fleet (docs/TEMPORAL.md)"
        );
    }
    let worker_settings = WorkerSettings {
        task_queue: settings.task_queue.clone(),
        own_task_queue: env("ATG_OWN_TASK_QUEUE").filter(|q| !q.trim().is_empty()),
        max_concurrent_activities: usize::from(cli.max_concurrent_activities),
        max_cached_workflows: usize::from(cli.max_cached_workflows),
        graceful_shutdown: Duration::from_secs(cli.shutdown_grace),
        activities,
        ..WorkerSettings::default()
    };
    tracing::info!(
        "what workflows may choose: {}",
        worker_settings.activities.trust.summary()
    );
    say("🔧 Starting Temporal worker for food truck workflows...");
    let [main_queue, own_queue] = worker_settings.queues();
    let workers = build_workers(&runtime, client, &worker_settings)?;
    let _health = match cli.health_addr {
        Some(addr) => Some(liveness::serve(addr).await?),
        None => None,
    };
    say(&format!(
        "📋 Task queue: {main_queue} (this version's own steps: {own_queue})"
    ));
    say(&format!(
        "💼 Max workers: {}",
        worker_settings.max_concurrent_activities
    ));
    say("Worker ready to process tasks!");
    tracing::info!(
        task_queue = %main_queue,
        own_task_queue = %own_queue,
        max_concurrent_activities = worker_settings.max_concurrent_activities,
        "worker ready: polling for food-truck workflows"
    );
    run_until_signal(workers).await?;
    say("🛑 Worker stopped");
    tracing::info!("worker stopped");
    Ok(())
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}
