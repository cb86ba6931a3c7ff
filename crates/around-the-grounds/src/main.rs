//! `around-the-grounds`: prints the coming week's food trucks at the configured breweries.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use around_the_grounds::core::{BreweryConfig, Clock};
use around_the_grounds::deploy::{Deployed, GitSettings};
use around_the_grounds::scrapers::{FetchOptions, ScrapeOptions};
use around_the_grounds::web::{Report, render_text};
use around_the_grounds::{Published, Schedule, collect_schedule};
use chrono::NaiveDate;
use clap::{Parser, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// The schedule for people, by day.
    Text,
    /// One JSON document with `events` and `errors`, for scripts.
    Json,
}

/// Track food truck schedules and locations at Seattle breweries.
#[derive(Debug, Parser)]
#[command(name = "around-the-grounds", version, about)]
struct Cli {
    /// Brewery list to use instead of the built-in config/breweries.json.
    #[arg(short, long, value_name = "FILE", env = "ATG_CONFIG")]
    config: Option<PathBuf>,

    /// Pretend today is this Pacific date.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    as_of: Option<NaiveDate>,

    /// Log what happens (debug level) on stderr.
    #[arg(short, long)]
    verbose: bool,

    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,

    /// Breweries fetched at the same time.
    #[arg(long, value_name = "N", env = "ATG_MAX_CONCURRENT", default_value_t = 10,
          value_parser = clap::value_parser!(u16).range(1..))]
    max_concurrent: u16,

    /// Time limit of one HTTP request, in seconds.
    #[arg(long, value_name = "SECONDS", env = "ATG_REQUEST_TIMEOUT", default_value = "15",
          value_parser = parse_seconds)]
    request_timeout: Duration,

    /// Time limit of one brewery, retries included, in seconds.
    #[arg(long, value_name = "SECONDS", env = "ATG_SOURCE_DEADLINE", default_value = "20",
          value_parser = parse_seconds)]
    source_deadline: Duration,

    /// Attempts per request for transient failures (1 = no retry).
    #[arg(long, value_name = "N", env = "ATG_MAX_ATTEMPTS", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(1..=10))]
    max_attempts: u32,

    /// Largest response body accepted, in bytes.
    #[arg(long, value_name = "BYTES", env = "ATG_MAX_BODY_BYTES", default_value_t = 5 * 1024 * 1024)]
    max_body_bytes: usize,

    /// Write the whole site (page, data.json, calendar feeds) into --out, when there are events.
    #[arg(short, long)]
    preview: bool,

    /// Where --preview writes the site and --serve serves it from.
    #[arg(long, value_name = "DIR", env = "ATG_SITE_DIR", default_value = "site")]
    out: PathBuf,

    /// After the run, serve --out at ADDR (default 127.0.0.1:8000) until Ctrl-C. Implies --preview.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "127.0.0.1:8000")]
    serve: Option<std::net::SocketAddr>,

    /// Commit the site under public/ of the target repository and push it, when there are events.
    #[arg(short, long)]
    deploy: bool,

    /// Target repository for --deploy (any URL git understands). [env: GIT_REPOSITORY_URL]
    #[arg(long, value_name = "URL")]
    git_repo: Option<String>,

    /// Branch for --deploy. [env: GIT_BRANCH] [default: main]
    #[arg(long, value_name = "BRANCH")]
    git_branch: Option<String>,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    around_the_grounds::core::parse_as_of(s).map_err(|e| e.to_string())
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 3600.0 => Ok(Duration::from_secs_f64(v)),
        _ => Err(format!(
            "{s:?} is not a number of seconds between 0 and 3600"
        )),
    }
}

fn main() -> ExitCode {
    let cli = match around_the_grounds::parse_args::<Cli>() {
        Ok(c) => c,
        Err(code) => return code,
    };
    around_the_grounds::init_logging(cli.verbose, around_the_grounds::LogFormat::Pretty);
    match run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<u8> {
    let config = BreweryConfig::load(cli.config.as_deref())?;
    // Deploy settings are read (and a bad key refused) before anything is fetched.
    let git = if cli.deploy {
        Some(GitSettings::from_env(
            cli.git_repo.clone(),
            cli.git_branch.clone(),
            |k| std::env::var(k).ok(),
        )?)
    } else {
        None
    };
    let clock = cli.as_of.map_or_else(Clock::system, Clock::as_of);
    let options = ScrapeOptions {
        concurrency: usize::from(cli.max_concurrent),
        source_deadline: cli.source_deadline,
        fetch: FetchOptions {
            request_timeout: cli.request_timeout,
            max_attempts: cli.max_attempts,
            max_body_bytes: cli.max_body_bytes,
            ..FetchOptions::default()
        },
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;

    let progress = std::io::stderr().is_terminal();
    if progress {
        eprint!("⏳ Fetching {} breweries…", config.breweries.len());
    }
    let mut schedule = runtime.block_on(collect_schedule(&config, clock, options))?;
    // AI only with a key (ANTHROPIC_API_KEY); without one nothing is sent anywhere.
    let ai = around_the_grounds::ai_client::AiClient::from_process_env();
    if let Some(ai) = &ai {
        let mut cache = around_the_grounds::ai_client::VisionCache::open(
            around_the_grounds::ai_client::VisionCache::default_path(|k| std::env::var(k).ok()),
        );
        let known = around_the_grounds::known_vendors(&config);
        runtime.block_on(around_the_grounds::read_vendor_images(
            &mut schedule.events,
            ai,
            &mut cache,
            &known,
        ));
        if let Err(e) = cache.save() {
            tracing::warn!(error = %e, "the vision cache could not be saved");
        }
    }
    if progress {
        eprint!("\r\x1b[2K");
    }
    print_schedule(cli.format, &schedule, &config)?;
    let say = |line: String| match cli.format {
        Format::Text => println!("{line}"),
        Format::Json => eprintln!("{line}"),
    };
    if cli.preview || cli.serve.is_some() || git.is_some() {
        // One data.json (and one haiku) for every target.
        let haiku = match &ai {
            Some(ai) => {
                let prompt =
                    around_the_grounds::ai_client::HaikuPrompt::from_env(|k| std::env::var(k).ok());
                runtime.block_on(around_the_grounds::todays_haiku(&schedule, ai, &prompt))
            }
            None => None,
        };
        let data = around_the_grounds::web_data(&schedule, &config, haiku.as_deref());
        if cli.preview || cli.serve.is_some() {
            match around_the_grounds::preview(&data, &cli.out) {
                Ok(Published::Done(events)) => say(format!(
                    "\n✅ Wrote the site ({events} events) to {}",
                    cli.out.display()
                )),
                Ok(Published::Skipped) => say(format!(
                    "\nℹ️  No events found: the site in {} was left as it was",
                    cli.out.display()
                )),
                // A failed publish is reported; the exit code still tells how the scrape went.
                Err(e) => eprintln!("❌ Preview failed: {e}"),
            }
        }
        if let Some(git) = &git {
            let deployed = runtime.block_on(around_the_grounds::publish_to_git(
                &data,
                git,
                schedule.clock.now_utc(),
            ));
            match deployed {
                Ok(Published::Done(Deployed::Committed { commit, .. })) => say(format!(
                    "🚀 Deployed to {} ({}): commit {}",
                    git.target.url,
                    git.target.branch,
                    commit.get(..10).unwrap_or(&commit)
                )),
                Ok(Published::Done(Deployed::NoChanges)) => {
                    say("ℹ️  No changes to deploy: the published schedule is the same".to_string())
                }
                Ok(Published::Skipped) => say(
                    "ℹ️  No events found: nothing was deployed, the published site stays"
                        .to_string(),
                ),
                Err(e) => eprintln!("❌ Deploy failed: {e}"),
            }
        }
    }
    if let Some(addr) = cli.serve {
        runtime.block_on(serve(&cli.out, addr))?;
    }
    Ok(schedule.status().exit_code())
}

/// Serves `dir` over HTTP until Ctrl-C.
async fn serve(dir: &std::path::Path, addr: std::net::SocketAddr) -> anyhow::Result<()> {
    anyhow::ensure!(
        dir.join("index.html").is_file(),
        "nothing to serve: {} has no index.html (run with --preview first)",
        dir.display()
    );
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    let app = axum::Router::new().fallback_service(tower_http::services::ServeDir::new(dir));
    println!(
        "🌐 Serving {} at http://{local}/ (Ctrl-C to stop)",
        dir.display()
    );
    std::io::stdout().flush()?;
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("the local server failed")
}

fn print_schedule(
    format: Format,
    schedule: &Schedule,
    config: &BreweryConfig,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => writeln!(
            out,
            "{}",
            Report::new(&schedule.events, &schedule.errors).to_json()
        )?,
        Format::Text => {
            writeln!(out, "🍺 Around the Grounds - Food Truck Tracker")?;
            writeln!(out, "{}\n", "=".repeat(50))?;
            if config.breweries.is_empty() {
                writeln!(out, "No breweries configured.")?;
            }
            write!(out, "{}", render_text(&schedule.events, &schedule.errors))?;
        }
    }
    out.flush()?;
    Ok(())
}
