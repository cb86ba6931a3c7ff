//! `atg-worker`: polls the food-truck task queue and runs `FoodTruckWorkflow` and its
//! activities until SIGINT or SIGTERM. Configured by the environment (TEMPORAL_*, .env).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use around_the_grounds::cli::{self, LogFormat};
use atg_temporal_config::{ConnectError, TemporalSettings};
use atg_workflows::activities::WorkerTrust;
use atg_workflows::worker::{WorkerSettings, build_worker, run_until_signal};
use clap::Parser;
use temporalio_sdk::Runtime;
use temporalio_sdk::runtime::RuntimeOptions;

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

/// Where `--health` looks when no `--health-addr` is given.
const DEFAULT_HEALTH_ADDR: &str = "127.0.0.1:9465";

fn main() -> ExitCode {
    let cli = match cli::parse_args::<Cli>() {
        Ok(c) => c,
        Err(code) => return code,
    };
    // Without --verbose the worker still says when it starts and stops.
    if cli.verbose {
        cli::init_logging(true, cli.log_format);
    } else {
        cli::init_logging_with(cli.log_format, "warn,atg_worker=info,atg_workflows=info");
    }
    let runtime = match cli::runtime(true) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if cli.health {
        return runtime.block_on(health_check(cli.health_addr));
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
    let settings = TemporalSettings::from_process_env();
    settings
        .validate()
        .map_err(|e| anyhow::anyhow!("❌ Configuration validation failed: {e}"))?;
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

    let mut meter = None;
    let _metrics_server = match cli.metrics_addr {
        Some(addr) => {
            let server = temporalio_common::telemetry::start_prometheus_metric_exporter(
                temporalio_common::telemetry::PrometheusExporterOptions::builder()
                    .socket_addr(addr)
                    .build(),
            )
            .with_context(|| format!("cannot serve metrics on {addr}"))?;
            tracing::info!(addr = %server.bound_addr, "Prometheus metrics at http://{}/metrics", server.bound_addr);
            meter = Some(server.meter.clone() as Arc<_>);
            Some(server)
        }
        None => None,
    };
    let runtime_options = RuntimeOptions::builder()
        .telemetry_options(
            temporalio_common::telemetry::TelemetryOptions::builder()
                .maybe_metrics(meter)
                .build(),
        )
        .build()
        .map_err(|e| anyhow::anyhow!("cannot configure the Temporal runtime: {e}"))?;
    let runtime = Runtime::from_current_tokio(runtime_options)?;

    let identity = format!("atg-worker@{}:{}", hostname(), std::process::id());
    let client =
        connect_with_wait(&settings, &identity, Duration::from_secs(cli.connect_wait)).await?;
    let worker_settings = WorkerSettings {
        task_queue: settings.task_queue.clone(),
        max_concurrent_activities: usize::from(cli.max_concurrent_activities),
        max_cached_workflows: usize::from(cli.max_cached_workflows),
        trust: WorkerTrust::from_env(|k| std::env::var(k).ok()),
        ..WorkerSettings::default()
    };
    tracing::info!(
        "what workflows may choose: {}",
        worker_settings.trust.summary()
    );
    let worker = build_worker(&runtime, client, &worker_settings)?;
    let _health = match cli.health_addr {
        Some(addr) => Some(serve_health(addr).await?),
        None => None,
    };
    tracing::info!(
        task_queue = %worker_settings.task_queue,
        max_concurrent_activities = worker_settings.max_concurrent_activities,
        "worker ready: polling for food-truck workflows"
    );
    run_until_signal(worker).await?;
    tracing::info!("worker stopped");
    Ok(())
}

/// Connects, retrying for up to `wait` while the server is not there yet.
async fn connect_with_wait(
    settings: &TemporalSettings,
    identity: &str,
    wait: Duration,
) -> anyhow::Result<temporalio_client::Client> {
    let started = Instant::now();
    loop {
        match settings.connect(identity).await {
            Ok(c) => return Ok(c),
            Err(ConnectError::Unreachable { .. }) if started.elapsed() < wait => {
                tracing::warn!(address = %settings.address, "Temporal server not reachable yet; retrying");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Serves `GET /healthz` → 200 `ok` until the worker stops (the task ends with the process).
async fn serve_health(addr: SocketAddr) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot serve the health endpoint on {addr}"))?;
    let app = axum::Router::new().route("/healthz", axum::routing::get(|| async { "ok\n" }));
    tracing::info!(%addr, "health endpoint at http://{addr}/healthz");
    Ok(tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::warn!(error = %e, "the health endpoint stopped");
        }
    }))
}

/// `--health`: 0 when the worker's health endpoint answers 200 within 3 s, else 1.
async fn health_check(addr: Option<SocketAddr>) -> ExitCode {
    let addr = addr.map_or_else(|| DEFAULT_HEALTH_ADDR.to_string(), |a| a.to_string());
    let url = format!("http://{addr}/healthz");
    let answer = async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(3))
            .build()?;
        client.get(&url).send().await?.error_for_status()
    };
    match answer.await {
        Ok(_) => {
            println!("healthy: {url}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("unhealthy: {url}: {}", e.without_url());
            ExitCode::from(1)
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}
