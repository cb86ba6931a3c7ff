//! `atg-schedule-manager`: runs the food-truck pipeline every N minutes with Temporal schedules,
//! and manages those schedules for their whole life.

use std::process::ExitCode;

use atg_cli::{self as cli, LogFormat};
use atg_temporal_config::TemporalSettings;
use atg_workflows::schedules::{self, ScheduleFailure};

mod args;
mod print;

use args::CreateArgs;
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
    Create(CreateArgs),
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
    let (cli, runtime) = match cli::start::<Cli>(false) {
        Ok(started) => started,
        Err(code) => return code,
    };
    cli::init_logging(cli.verbose, LogFormat::Pretty);
    let Some(command) = cli.command else {
        let _ = <Cli as clap::CommandFactory>::command().print_help();
        return ExitCode::SUCCESS;
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
    cli::say(&serde_json::to_string_pretty(v)?);
    Ok(())
}

async fn run(command: Cmd, json: bool) -> anyhow::Result<()> {
    let settings = TemporalSettings::from_env(|k| std::env::var(k).ok());
    settings
        .validate()
        .map_err(|e| anyhow::anyhow!("Configuration validation failed: {e}"))?;
    if let Cmd::Create(CreateArgs { interval: 0, .. }) | Cmd::Update { interval: 0, .. } = command {
        return Err(ScheduleFailure::Interval(0).into());
    }
    let client = settings
        .connect(&format!("atg-schedule-manager@{}", std::process::id()))
        .await?;
    match command {
        Cmd::Create(args) => {
            let created = schedules::create(&client, &args.schedule(&settings.task_queue)?).await?;
            if json {
                print_json(&created)?;
            } else {
                cli::say(print::created(&created).trim_end_matches('\n'));
            }
        }
        Cmd::List => {
            let all = schedules::list(&client).await?;
            if json {
                print_json(&all)?;
            } else if all.is_empty() {
                cli::say("📭 No schedules found");
            } else {
                let text: String = all.iter().map(print::listed).collect();
                cli::say(text.trim_end_matches('\n'));
            }
        }
        Cmd::Describe { schedule_id } => {
            let d = schedules::describe(&client, &schedule_id).await?;
            if json {
                print_json(&d)?;
            } else {
                cli::say(print::described(&d).trim_end_matches('\n'));
            }
        }
        Cmd::Pause { schedule_id, note } => {
            let note = note.unwrap_or_else(|| "Paused via atg-schedule-manager".into());
            schedules::pause(&client, &schedule_id, &note).await?;
            let text = format!("⏸️  Paused schedule '{schedule_id}'");
            done(json, &schedule_id, "paused", &text)?;
        }
        Cmd::Unpause { schedule_id, note } => {
            let note = note.unwrap_or_else(|| "Unpaused via atg-schedule-manager".into());
            schedules::unpause(&client, &schedule_id, &note).await?;
            let text = format!("▶️  Unpaused schedule '{schedule_id}'");
            done(json, &schedule_id, "unpaused", &text)?;
        }
        Cmd::Trigger { schedule_id } => {
            schedules::trigger(&client, &schedule_id).await?;
            let text = format!("🚀 Triggered immediate execution of schedule '{schedule_id}'");
            done(json, &schedule_id, "triggered", &text)?;
        }
        Cmd::Update {
            schedule_id,
            interval,
        } => {
            schedules::update_interval(&client, &schedule_id, interval).await?;
            let text = format!("🔄 Updated schedule '{schedule_id}' to {interval} minute interval");
            done(json, &schedule_id, "updated", &text)?;
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
        cli::say(text);
        Ok(())
    }
}
