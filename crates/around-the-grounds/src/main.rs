//! `around-the-grounds`: prints the coming week's food trucks at the configured breweries, and
//! publishes them as a site when asked. Argument parsing and output only: every step is a call
//! into the library's pipeline.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use around_the_grounds::ai_client::{AiClient, HaikuPrompt, VisionCache};
use around_the_grounds::core::Clock;
use around_the_grounds::deploy::GitSettings;
use around_the_grounds::scrapers::{FetchOptions, ScrapeOptions};
use around_the_grounds::{Target, ai, cli};
use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};

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
    #[command(subcommand)]
    command: Option<Command>,
    /// Brewery list to use instead of the built-in config/breweries.json.
    #[arg(short, long, value_name = "FILE", env = "ATG_CONFIG")]
    config: Option<PathBuf>,
    /// Pretend today is this Pacific date.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = cli::parse_date, global = true)]
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
          value_parser = cli::parse_seconds)]
    request_timeout: Duration,
    /// Time limit of one brewery, retries included, in seconds.
    #[arg(long, value_name = "SECONDS", env = "ATG_SOURCE_DEADLINE", default_value = "20",
          value_parser = cli::parse_seconds)]
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

#[derive(Debug, Subcommand)]
enum Command {
    /// Find which source reads a venue (its page, calendar feed or events address), and print
    /// the config entry that reads it.
    Probe {
        /// The address to try (http, https or webcal).
        url: String,
    },
}

fn main() -> ExitCode {
    let cli = match cli::parse_args::<Cli>() {
        Ok(c) => c,
        Err(code) => return code,
    };
    cli::init_logging(cli.verbose, cli::LogFormat::Pretty);
    match run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<u8> {
    let env = |k: &str| std::env::var(k).ok();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let clock = cli.as_of.map_or_else(Clock::system, Clock::as_of);
    if let Some(Command::Probe { url }) = &cli.command {
        return rt.block_on(cli::probe::run(url, clock.today()));
    }
    let config = around_the_grounds::load_config(cli.config.as_deref())?;
    // Where the site goes is settled (and a bad deploy setting refused) before anything is fetched.
    let mut targets = Vec::new();
    if cli.preview || cli.serve.is_some() {
        targets.push(Target::Directory(cli.out.clone()));
    }
    if cli.deploy {
        let git = GitSettings::from_env(cli.git_repo.clone(), cli.git_branch.clone(), env)?;
        targets.push(Target::Git(Box::new(git)));
    }
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
    let progress = std::io::stderr().is_terminal();
    if progress {
        eprint!("⏳ Fetching {} breweries…", config.breweries.len());
    }
    let mut schedule = rt.block_on(around_the_grounds::scrape(&config, clock, options))?;
    // AI only with a key (ANTHROPIC_API_KEY); without one nothing is sent anywhere.
    let ai_client = AiClient::from_process_env();
    if let Some(client) = &ai_client {
        let mut cache = VisionCache::open(VisionCache::default_path(env));
        let known = ai::known_vendors(&config.breweries);
        rt.block_on(ai::read_vendor_images(
            &mut schedule.events,
            client,
            &mut cache,
            &known,
        ));
    }
    if progress {
        eprint!("\r\x1b[2K");
    }
    cli::print_schedule(matches!(cli.format, Format::Json), &schedule)?;
    if !targets.is_empty() {
        // One site (and one haiku) for every target.
        let haiku = match &ai_client {
            Some(client) => rt.block_on(ai::todays_haiku(
                &schedule,
                client,
                &HaikuPrompt::from_env(env),
            )),
            None => None,
        };
        let site = around_the_grounds::render(&schedule, haiku.as_deref(), clock.now_utc())?;
        for target in &targets {
            let result = rt.block_on(around_the_grounds::publish(&site, target, clock.now_utc()));
            match (result, cli.format) {
                (Ok(done), Format::Text) => {
                    println!("{}", cli::published(target, &done, site.events))
                }
                (Ok(done), Format::Json) => {
                    eprintln!("{}", cli::published(target, &done, site.events))
                }
                // A failed publish is reported; the exit code still tells how the scrape went.
                (Err(e), _) => eprintln!("{}", cli::failed(target, &e)),
            }
        }
    }
    if let Some(addr) = cli.serve {
        rt.block_on(cli::serve(&cli.out, addr))?;
    }
    Ok(schedule.status().exit_code())
}
