//! `around-the-grounds`: prints the coming week's food trucks at each chosen site's breweries,
//! and publishes them as sites when asked. Argument parsing and output only: every step is a call
//! into the library's pipeline.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

mod cli;

use anyhow::Context;
use atg_pipeline::core::Clock;
use atg_pipeline::scrapers::{FetchOptions, Limits, ScrapeOptions};
use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use cli::RunOptions;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// The schedule for people, by day.
    Text,
    /// One JSON document with `events` and `errors`, for scripts.
    Json,
}

/// Track food truck schedules and locations at breweries (Seattle's, and any site you add).
#[derive(Debug, Parser)]
#[command(name = "around-the-grounds", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Sites to use instead of the built-in config/breweries.json: a brewery list, a file with
    /// a `sites` list, or a directory of site files (config/sites/).
    #[arg(short, long, value_name = "PATH", env = "ATG_CONFIG")]
    config: Option<PathBuf>,
    /// The site to run (repeatable; `all` for every site of the config). Default: the first.
    #[arg(
        long = "site",
        value_name = "KEY",
        env = "ATG_SITE",
        value_delimiter = ','
    )]
    site: Vec<String>,
    /// Pretend today is this date (in each site's time zone).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = atg_cli::parse_date, global = true)]
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
          value_parser = atg_cli::parse_seconds)]
    request_timeout: Duration,
    /// Time limit of one brewery, retries included, in seconds.
    #[arg(long, value_name = "SECONDS", env = "ATG_SOURCE_DEADLINE", default_value = "20",
          value_parser = atg_cli::parse_seconds)]
    source_deadline: Duration,
    /// Attempts per request for transient failures (1 = no retry).
    #[arg(long, value_name = "N", env = "ATG_MAX_ATTEMPTS", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(1..=10))]
    max_attempts: u32,
    /// Largest response body accepted, in bytes.
    #[arg(long, value_name = "BYTES", env = "ATG_MAX_BODY_BYTES", default_value_t = 5 * 1024 * 1024)]
    max_body_bytes: usize,
    /// A brewery listing more events than this in the week fails (a flood, not a venue).
    #[arg(long, value_name = "N", env = "ATG_MAX_EVENTS_PER_BREWERY", default_value_t = 500,
          value_parser = clap::value_parser!(u64).range(1..))]
    max_events_per_brewery: u64,
    /// A brewery naming more different vendors than this in the week fails.
    #[arg(long, value_name = "N", env = "ATG_MAX_VENDORS_PER_BREWERY", default_value_t = 200,
          value_parser = clap::value_parser!(u64).range(1..))]
    max_vendors_per_brewery: u64,
    /// At most this many truck logos sent to the AI for a name, per site and run.
    #[arg(long, value_name = "N", env = "ATG_VISION_MAX_PER_RUN",
          default_value_t = atg_pipeline::ai::DEFAULT_VISION_MAX_PER_RUN)]
    vision_max_per_run: usize,
    /// Write the whole site (page, data.json, calendar feeds) into --out, when there are events.
    #[arg(short, long)]
    preview: bool,
    /// Where --preview writes the site (each site in DIR/<key> when there are several) and
    /// --serve serves it from.
    #[arg(long, value_name = "DIR", env = "ATG_SITE_DIR", default_value = "site")]
    out: PathBuf,
    /// After the run, serve --out at ADDR (default 127.0.0.1:8000) until Ctrl-C. Implies --preview.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "127.0.0.1:8000")]
    serve: Option<std::net::SocketAddr>,
    /// Commit the site under its directory (public/ unless the site's publish.path says
    /// otherwise) of the target repository and push it, when there are events.
    #[arg(short, long)]
    deploy: bool,
    /// Target repository for --deploy of a site whose config names none (any URL git
    /// understands). [env: GIT_REPOSITORY_URL]
    #[arg(long, value_name = "URL")]
    git_repo: Option<String>,
    /// Branch for --deploy. [env: GIT_BRANCH] [default: main]
    #[arg(long, value_name = "BRANCH")]
    git_branch: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Find which source reads a venue (its page, calendar feed or events address), and print
    /// the config entry that reads it.
    Probe {
        /// The address to try (http, https or webcal).
        url: String,
        /// The venue's time zone: the week shown, and the zone of times a feed or page gives
        /// without one.
        #[arg(long, value_name = "ZONE", value_parser = atg_cli::parse_zone,
              default_value = "America/Los_Angeles")]
        timezone: chrono_tz::Tz,
    },
}

fn main() -> ExitCode {
    let cli = match atg_cli::parse_args::<Cli>() {
        Ok(c) => c,
        Err(code) => return code,
    };
    atg_cli::init_logging(cli.verbose, atg_cli::LogFormat::Pretty);
    match run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<u8> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    if let Some(Command::Probe { url, timezone }) = &cli.command {
        let clock = cli.as_of.map_or_else(
            || Clock::system().in_zone(*timezone),
            |d| Clock::as_of_in(d, *timezone),
        );
        return rt.block_on(cli::probe::run(url, clock.today(), *timezone));
    }
    let options = RunOptions {
        config: cli.config.clone(),
        sites: cli.site.clone(),
        as_of: cli.as_of,
        json: matches!(cli.format, Format::Json),
        scrape: ScrapeOptions {
            concurrency: usize::from(cli.max_concurrent),
            source_deadline: cli.source_deadline,
            fetch: FetchOptions {
                request_timeout: cli.request_timeout,
                max_attempts: cli.max_attempts,
                max_body_bytes: cli.max_body_bytes,
                ..FetchOptions::default()
            },
            limits: Limits {
                events_per_week: cli.max_events_per_brewery,
                vendors_per_week: cli.max_vendors_per_brewery,
                ..Limits::default()
            },
        },
        preview: cli.preview,
        out: cli.out.clone(),
        serve: cli.serve,
        deploy: cli.deploy,
        git_repo: cli.git_repo.clone(),
        git_branch: cli.git_branch.clone(),
        vision_max_per_run: cli.vision_max_per_run,
    };
    cli::run(&options, &rt)
}
