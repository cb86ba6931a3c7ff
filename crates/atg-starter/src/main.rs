//! `atg-starter`: runs the food-truck pipeline once as a Temporal workflow and prints the result.

use std::process::ExitCode;

use atg_cli::{self as cli, LogFormat};
use atg_pipeline::RunStatus;
use atg_temporal_config::TemporalSettings;
use atg_workflows::WorkflowParams;
use atg_workflows::starter::{start, ui_link, workflow_id};
use clap::Parser;

/// Start FoodTruckWorkflow on the food-truck task queue and wait for its result.
#[derive(Debug, Parser)]
#[command(name = "atg-starter", version, about)]
struct Cli {
    /// Deploy the site to the target repository after scraping.
    #[arg(short, long)]
    deploy: bool,

    /// Brewery config file on the worker's machine (default: the built-in one).
    #[arg(short, long, value_name = "PATH")]
    config: Option<String>,

    /// The config's site to run (its key; default: the config's first site).
    #[arg(long, value_name = "KEY")]
    site: Option<String>,

    /// Workflow id (default: food-truck-workflow-YYYYMMDD-HHMMSS).
    #[arg(long, value_name = "ID")]
    workflow_id: Option<String>,

    /// Target repository for --deploy (default: the worker's own GIT_REPOSITORY_URL). The
    /// worker publishes only to repositories its operator allowed (ATG_ALLOWED_REPOSITORIES).
    #[arg(long, value_name = "URL")]
    git_repo: Option<String>,

    /// Breweries scraped at the same time.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    max_parallel_scrapes: u32,

    /// Pretend today is this date at the site (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,

    /// Split a run of more breweries than this into child workflows of at most this many.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    breweries_per_part: Option<u32>,

    /// Print the workflow id and return without waiting for the result.
    #[arg(long)]
    no_wait: bool,

    /// Deprecated: set TEMPORAL_ADDRESS instead.
    #[arg(long, value_name = "HOST:PORT", hide = true)]
    temporal_address: Option<String>,

    /// More logging.
    #[arg(short, long)]
    verbose: bool,
}

fn main() -> ExitCode {
    let (cli, runtime) = match cli::start::<Cli>(false) {
        Ok(started) => started,
        Err(code) => return code,
    };
    cli::init_logging(cli.verbose, LogFormat::Pretty);
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("❌ Starter failed: {e:#}");
            ExitCode::from(1)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<u8> {
    let mut settings = TemporalSettings::from_env(|k| std::env::var(k).ok());
    if let Some(addr) = cli.temporal_address.as_deref() {
        eprintln!("⚠️  --temporal-address is deprecated and will be removed in a future version.");
        eprintln!("⚠️  Set TEMPORAL_ADDRESS={addr} in the environment (or .env) instead.");
        settings.address = addr.to_string();
    }
    settings
        .validate()
        .map_err(|e| anyhow::anyhow!("Configuration validation failed: {e}"))?;
    eprintln!("✅ Configuration validation passed");
    eprintln!("{}", settings.connecting_block());
    if let Some(d) = cli.as_of.as_deref() {
        atg_pipeline::core::parse_as_of(d).map_err(|e| anyhow::anyhow!("--as-of {e}"))?;
    }
    let client = settings
        .connect(&format!("atg-starter@{}", std::process::id()))
        .await?;
    eprintln!("✅ Connected to Temporal successfully");
    let params = WorkflowParams {
        config_path: cli.config.clone(),
        deploy: cli.deploy,
        // Only what the user asked for: the worker knows its own repository.
        git_repository_url: cli.git_repo.clone(),
        max_parallel_scrapes: cli.max_parallel_scrapes,
        as_of: cli.as_of.clone(),
        breweries_per_part: cli.breweries_per_part,
        site: cli.site.clone(),
    };
    params
        .check_for_history()
        .map_err(|e| anyhow::anyhow!("--git-repo: {e}"))?;
    let id = cli
        .workflow_id
        .clone()
        .unwrap_or_else(|| workflow_id(chrono::Utc::now()));
    eprintln!("🚀 Starting workflow: {id}");
    let (started, result) = start(&client, &settings.task_queue, &id, params, !cli.no_wait).await?;
    let link = ui_link(
        &settings,
        std::env::var("TEMPORAL_UI_URL").ok().as_deref(),
        &started.workflow_id,
    );
    let Some(result) = result else {
        cli::say(&format!(
            "🚀 Started workflow {} (run {})",
            started.workflow_id, started.run_id
        ));
        if let Some(l) = link {
            cli::say(&format!("🔗 {l}"));
        }
        return Ok(0);
    };
    let errors = result.errors.clone().unwrap_or_default();
    if result.success {
        cli::say("✅ Workflow completed successfully!");
        cli::say(&format!(
            "📊 Found {} events",
            result.events_count.unwrap_or(0)
        ));
        if result.deployed {
            cli::say("🚀 Successfully deployed to web");
        } else if let Some((_, why)) = result.message.split_once("Not deployed: ") {
            cli::say(&format!("ℹ️  Not deployed: {why}"));
        }
        if !errors.is_empty() {
            cli::say(&format!("⚠️  {} errors occurred:", errors.len()));
            for e in &errors {
                cli::say(&format!("   • {e}"));
            }
        }
    } else {
        cli::say(&format!("❌ Workflow failed: {}", result.message));
    }
    cli::say(&format!(
        "🆔 Workflow {} (run {})",
        started.workflow_id, started.run_id
    ));
    if let Some(l) = link {
        cli::say(&format!("🔗 {l}"));
    }
    Ok(if result.success {
        let events = result.events_count.unwrap_or(0) as usize;
        RunStatus::of(events, errors.len()).exit_code()
    } else {
        1
    })
}
