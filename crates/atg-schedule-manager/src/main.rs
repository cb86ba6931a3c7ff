//! `atg-schedule-manager`: runs the food-truck pipeline every N minutes with Temporal schedules,
//! and manages those schedules for their whole life.

use std::process::ExitCode;
use std::time::Duration;

use around_the_grounds::cli::{self, LogFormat};
use atg_temporal_config::TemporalSettings;
use atg_workflows::WorkflowParams;
use atg_workflows::schedules::{self, NewSchedule, OverlapPolicy, ScheduleFailure};
use clap::{Parser, Subcommand};

/// Manage the Temporal schedules that run FoodTruckWorkflow.
#[derive(Debug, Parser)]
#[command(name = "atg-schedule-manager", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,

    /// Print results as JSON (for scripts).
    #[arg(long, global = true)]
    json: bool,

    /// More logging (on stderr).
    #[arg(short, long, global = true)]
    verbose: bool,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Create a schedule that runs the pipeline every --interval minutes.
    Create {
        #[arg(long, value_name = "ID")]
        schedule_id: String,
        /// Minutes between runs (at least 1).
        #[arg(long, value_name = "MINUTES")]
        interval: u64,
        /// Brewery config file on the worker's machine (default: the built-in one).
        #[arg(long, value_name = "PATH")]
        config: Option<String>,
        /// Create it paused.
        #[arg(long)]
        paused: bool,
        /// Scrape only; do not deploy.
        #[arg(long)]
        no_deploy: bool,
        /// The schedule's note (default: "Food Truck data scraping and deployment every N minutes").
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
        /// What to do when a run is still going at the next time.
        #[arg(long, value_enum, default_value_t = OverlapPolicy::Skip)]
        overlap: OverlapPolicy,
        /// Runs missed (server down) are made up within this many minutes, else skipped.
        #[arg(long, value_name = "MINUTES", default_value_t = 60)]
        catchup_window: u64,
        /// Target repository (default: the worker's GIT_REPOSITORY_URL).
        #[arg(long, value_name = "URL")]
        git_repo: Option<String>,
        /// Breweries scraped at once by each run.
        #[arg(long, value_name = "N", default_value_t = 10)]
        max_parallel_scrapes: u32,
    },
    /// List the schedules.
    List,
    /// Show a schedule: note, state, interval, overlap policy, next and last runs.
    Describe {
        #[arg(long, value_name = "ID")]
        schedule_id: String,
    },
    /// Pause a schedule.
    Pause {
        #[arg(long, value_name = "ID")]
        schedule_id: String,
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Resume a paused schedule.
    Unpause {
        #[arg(long, value_name = "ID")]
        schedule_id: String,
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Run a schedule's action once, now.
    Trigger {
        #[arg(long, value_name = "ID")]
        schedule_id: String,
    },
    /// Change a schedule's interval; everything else stays.
    Update {
        #[arg(long, value_name = "ID")]
        schedule_id: String,
        #[arg(long, value_name = "MINUTES")]
        interval: u64,
    },
    /// Delete a schedule.
    Delete {
        #[arg(long, value_name = "ID")]
        schedule_id: String,
    },
}

fn main() -> ExitCode {
    let cli = match cli::parse_args::<Cli>() {
        Ok(c) => c,
        Err(code) => return code,
    };
    cli::init_logging(cli.verbose, LogFormat::Pretty);
    let Some(command) = cli.command else {
        let _ = <Cli as clap::CommandFactory>::command().print_help();
        return ExitCode::SUCCESS;
    };
    let runtime = match cli::runtime(false) {
        Ok(r) => r,
        Err(code) => return code,
    };
    match runtime.block_on(run(command, cli.json)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("❌ Command failed: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn print_json<T: serde::Serialize>(v: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

async fn run(command: Cmd, json: bool) -> anyhow::Result<()> {
    let settings = TemporalSettings::from_process_env();
    settings
        .validate()
        .map_err(|e| anyhow::anyhow!("Configuration validation failed: {e}"))?;
    if let Cmd::Create { interval: 0, .. } | Cmd::Update { interval: 0, .. } = command {
        return Err(ScheduleFailure::Interval(0).into());
    }
    let client = settings
        .connect(&format!("atg-schedule-manager@{}", std::process::id()))
        .await?;
    match command {
        Cmd::Create {
            schedule_id,
            interval,
            config,
            paused,
            no_deploy,
            note,
            overlap,
            catchup_window,
            git_repo,
            max_parallel_scrapes,
        } => {
            let note = note.unwrap_or_else(|| schedules::default_note(interval));
            let params = WorkflowParams {
                config_path: config,
                deploy: !no_deploy,
                git_repository_url: git_repo,
                max_parallel_scrapes: max_parallel_scrapes.max(1),
                ..WorkflowParams::default()
            };
            params
                .check_for_history()
                .map_err(|e| anyhow::anyhow!("--git-repo: {e}"))?;
            let s = NewSchedule {
                id: schedule_id.clone(),
                interval_minutes: interval,
                params,
                note: note.clone(),
                paused,
                overlap,
                catchup_window: Duration::from_secs(catchup_window.max(1) * 60),
                task_queue: settings.task_queue.clone(),
            };
            schedules::create(&client, &s).await?;
            if json {
                print_json(&serde_json::json!({
                    "schedule_id": schedule_id, "created": true, "interval_minutes": interval,
                    "paused": paused, "note": note, "workflow_id": schedules::workflow_id_for(&schedule_id),
                }))?;
            } else {
                println!("✅ Created schedule '{schedule_id}' with {interval} minute interval");
                println!("📋 Note: {note}");
                if paused {
                    println!("⏸️  Schedule created in paused state");
                }
            }
        }
        Cmd::List => {
            let all = schedules::list(&client).await?;
            if json {
                print_json(&all)?;
            } else if all.is_empty() {
                println!("📭 No schedules found");
            } else {
                all.iter().for_each(|s| print!("{s}"));
            }
        }
        Cmd::Describe { schedule_id } => {
            let d = schedules::describe(&client, &schedule_id).await?;
            if json {
                print_json(&d)?;
            } else {
                print!("{d}");
            }
        }
        Cmd::Pause { schedule_id, note } => {
            let note = note.unwrap_or_else(|| "Paused via atg-schedule-manager".into());
            schedules::pause(&client, &schedule_id, &note).await?;
            done(
                json,
                &schedule_id,
                "paused",
                &format!("⏸️  Paused schedule '{schedule_id}'"),
            )?;
        }
        Cmd::Unpause { schedule_id, note } => {
            let note = note.unwrap_or_else(|| "Unpaused via atg-schedule-manager".into());
            schedules::unpause(&client, &schedule_id, &note).await?;
            done(
                json,
                &schedule_id,
                "unpaused",
                &format!("▶️  Unpaused schedule '{schedule_id}'"),
            )?;
        }
        Cmd::Trigger { schedule_id } => {
            schedules::trigger(&client, &schedule_id).await?;
            done(
                json,
                &schedule_id,
                "triggered",
                &format!("🚀 Triggered immediate execution of schedule '{schedule_id}'"),
            )?;
        }
        Cmd::Update {
            schedule_id,
            interval,
        } => {
            schedules::update_interval(&client, &schedule_id, interval).await?;
            done(
                json,
                &schedule_id,
                "updated",
                &format!("🔄 Updated schedule '{schedule_id}' to {interval} minute interval"),
            )?;
        }
        Cmd::Delete { schedule_id } => {
            schedules::delete(&client, &schedule_id).await?;
            done(
                json,
                &schedule_id,
                "deleted",
                &format!("🗑️  Deleted schedule '{schedule_id}'"),
            )?;
        }
    }
    Ok(())
}

fn done(json: bool, id: &str, what: &str, text: &str) -> anyhow::Result<()> {
    if json {
        print_json(&serde_json::json!({ "schedule_id": id, what: true }))
    } else {
        println!("{text}");
        Ok(())
    }
}
