//! The Temporal figures of `cargo xtask bench`: workflow, starter, worker memory, schedule
//! manager — release binaries against a local dev server and the mirror.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use atg_scrapers::testkit::Mirror;
use atg_testkit::devserver::{DevServer, DevServerOptions};

use crate::figure::Figure;
use crate::target_dir;
use crate::temporal::{temporal_cli, terminate};

fn release(bin: &str) -> PathBuf {
    target_dir().join("release").join(bin)
}

/// VmRSS of a live process, in kB.
fn rss_kb(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .context("no VmRSS")
}

struct Env {
    address: String,
    queue: String,
}

impl Env {
    fn command(&self, bin: &str) -> Command {
        let mut c = Command::new(release(bin));
        c.env("TEMPORAL_ADDRESS", &self.address)
            .env("TEMPORAL_TASK_QUEUE", &self.queue)
            .env_remove("RUST_LOG")
            .env_remove("ANTHROPIC_API_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        c
    }

    /// Runs `bin args`, which must succeed (or exit 2 for a partial run); its wall time.
    fn timed(&self, bin: &str, args: &[&str]) -> Result<f64> {
        let started = Instant::now();
        let out = self.command(bin).args(args).output()?;
        let wall = started.elapsed().as_secs_f64();
        if !out.status.success() && out.status.code() != Some(2) {
            bail!(
                "{bin} {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(wall)
    }
}

/// The peak resident set (VmHWM) of a live process, in kB.
fn peak_rss_kb(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .context("no VmHWM")
}

/// A fresh worker (logging to `log`), ready to poll.
fn ready_worker(env: &Env, dir: &Path, log_name: &str) -> Result<Child> {
    let log_path = dir.join(log_name);
    let log = std::fs::File::create(&log_path).context("worker log")?;
    let mut worker: Child = env
        .command("atg-worker")
        .env("ATG_CONFIG_DIR", dir)
        .stderr(log)
        .spawn()
        .context("atg-worker")?;
    let started = Instant::now();
    while !std::fs::read_to_string(&log_path)?.contains("worker ready") {
        if started.elapsed() > Duration::from_secs(60) || worker.try_wait()?.is_some() {
            terminate(&mut worker);
            bail!("the worker never became ready; see {}", log_path.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(worker)
}

/// Issue N's figures: one run of the mirror's breweries with one hostile feed of each kind
/// beside them (a fresh worker each time), against the same run without them — the run's wall
/// time and the worker's peak RSS.
pub(crate) fn hostile_figures(dir: &Path, rt: &tokio::runtime::Runtime) -> Result<Vec<Figure>> {
    let cli = temporal_cli()?;
    let server = DevServer::start(&cli, &DevServerOptions::default())?;
    let env = Env {
        address: server.address(),
        queue: "atg-bench-hostile".into(),
    };
    let mirror = rt.block_on(Mirror::start(Duration::ZERO));
    let hostile = rt.block_on(atg_scrapers::testkit::HostileFeeds::start());
    let plain = dir.join("hostile-baseline.json");
    std::fs::write(&plain, mirror.config())?;
    let with_hostile = dir.join("hostile-feeds.json");
    std::fs::write(&with_hostile, hostile.added_to(&mirror.config()))?;
    let measure = |config: &Path, id: &str| -> Result<(f64, u64)> {
        let mut worker = ready_worker(&env, dir, &format!("{id}.log"))?;
        let config = config.display().to_string();
        env.timed(
            "atg-starter",
            &[
                "--config",
                &config,
                "--as-of",
                Mirror::AS_OF,
                "--workflow-id",
                id,
            ],
        )?;
        let wall = workflow_seconds(&cli, &env.address, id)?;
        let peak = peak_rss_kb(worker.id())?;
        terminate(&mut worker);
        Ok((wall, peak))
    };
    let (base_wall, base_peak) = measure(&plain, "bench-hostile-baseline")?;
    let (wall, peak) = measure(&with_hostile, "bench-hostile-feeds")?;
    drop(server);
    let deadline = atg_scrapers::ScrapeOptions::default()
        .source_deadline
        .as_secs_f64();
    Ok(vec![
        figure(
            "Workflow of the mirror's breweries (server's start → close), fresh worker",
            "—",
            None,
            vec![base_wall],
        ),
        figure(
            "The same with one hostile feed of each kind beside them (issue N: nesting, a recurrence bomb, RDATE × EXDATE, a flood, nested elements, deep JSON, a long name)",
            &format!("≤ the source deadline + 1 s ({:.0} s)", deadline + 1.0),
            Some(deadline + 1.0),
            vec![wall],
        ),
        memory(
            "atg-worker peak RSS for the mirror's run",
            "—",
            f64::INFINITY,
            base_peak,
        ),
        memory(
            "atg-worker peak RSS with the hostile feeds, above the mirror's run",
            "≤ +50 MB",
            50.0,
            peak.saturating_sub(base_peak),
        ),
    ])
}

/// The server's own start→close time of a workflow, in seconds.
fn workflow_seconds(cli: &Path, address: &str, id: &str) -> Result<f64> {
    let out = Command::new(cli)
        .args([
            "workflow",
            "describe",
            "--workflow-id",
            id,
            "--address",
            address,
            "-o",
            "json",
        ])
        .output()?;
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("temporal workflow describe")?;
    let info = &v["workflowExecutionInfo"];
    let t = |k: &str| -> Result<chrono::DateTime<chrono::FixedOffset>> {
        Ok(chrono::DateTime::parse_from_rfc3339(
            info[k].as_str().context("no time")?,
        )?)
    };
    Ok((t("closeTime")? - t("startTime")?).as_seconds_f64())
}

fn figure(name: &str, target: &str, limit_s: Option<f64>, walls: Vec<f64>) -> Figure {
    Figure {
        name: name.into(),
        target: target.into(),
        limit_s,
        limit_rss_mb: None,
        walls,
        max_rss_kb: None,
    }
}

fn memory(name: &str, target: &str, limit_mb: f64, kb: u64) -> Figure {
    Figure {
        name: name.into(),
        target: target.into(),
        limit_s: None,
        limit_rss_mb: Some(limit_mb),
        walls: Vec::new(),
        max_rss_kb: Some(kb),
    }
}

pub(crate) fn figures(
    runs: usize,
    dir: &Path,
    rt: &tokio::runtime::Runtime,
) -> Result<Vec<Figure>> {
    let cli = temporal_cli()?;
    let server = DevServer::start(&cli, &DevServerOptions::default())?;
    let env = Env {
        address: server.address(),
        queue: "atg-bench".into(),
    };
    let mirror = rt.block_on(Mirror::start(Duration::ZERO));
    let config = dir.join("temporal-mirror.json");
    std::fs::write(&config, mirror.config())?;
    let config = config.display().to_string();

    // The worker logs to a file: nobody drains a pipe during a hundred workflows.
    let log_path = dir.join("bench-worker.log");
    let log = std::fs::File::create(&log_path).context("bench-worker.log")?;
    let mut worker: Child = env
        .command("atg-worker")
        .env("ATG_CONFIG_DIR", dir)
        .stderr(log)
        .spawn()
        .context("atg-worker")?;
    let started = Instant::now();
    while !std::fs::read_to_string(&log_path)?.contains("worker ready") {
        if started.elapsed() > Duration::from_secs(60) || worker.try_wait()?.is_some() {
            terminate(&mut worker);
            bail!("the worker never became ready; see {}", log_path.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // Idle: connected and polling, before its first workflow.
    std::thread::sleep(Duration::from_secs(3));
    let idle = rss_kb(worker.id())?;

    let run = |id: &str| -> Result<f64> {
        env.timed(
            "atg-starter",
            &[
                "--config",
                &config,
                "--as-of",
                Mirror::AS_OF,
                "--workflow-id",
                id,
            ],
        )
    };
    run("bench-warm")?;
    std::thread::sleep(Duration::from_secs(3));
    let rss_1 = rss_kb(worker.id())?;

    let mut starter = Vec::new();
    let mut own = Vec::new();
    let mut overhead = Vec::new();
    let mut done = 1;
    let mut rss_10 = 0;
    while done < 100 {
        let id = format!("bench-{done}");
        let wall = run(&id)?;
        done += 1;
        if starter.len() < runs {
            let w = workflow_seconds(&cli, &env.address, &id)?;
            starter.push(wall);
            own.push(w);
            overhead.push((wall - w).max(0.0));
        }
        if done == 10 {
            rss_10 = rss_kb(worker.id())?;
        }
    }
    let rss_100 = rss_kb(worker.id())?;
    terminate(&mut worker);

    let mut figures = vec![
        figure(
            "Workflow end to end on a local dev server (server's start → close)",
            "≤ 0.25 s",
            Some(0.25),
            own,
        ),
        figure(
            "atg-starter process: connect, start, wait for the result",
            "—",
            None,
            starter,
        ),
        figure(
            "atg-starter's own cost (process − workflow)",
            "≤ 0.10 s",
            Some(0.10),
            overhead,
        ),
        memory(
            "atg-worker RSS, idle after start-up (polling, no workflow yet)",
            "≤ 20 MB",
            20.0,
            idle,
        ),
        memory(
            "atg-worker RSS, idle after its first workflow",
            "—",
            f64::INFINITY,
            rss_1,
        ),
        memory(
            "atg-worker RSS after 10 workflows",
            "—",
            f64::INFINITY,
            rss_10,
        ),
        memory(
            "atg-worker RSS after 100 workflows",
            "—",
            f64::INFINITY,
            rss_100,
        ),
        memory(
            "atg-worker RSS growth from workflow 10 to 100",
            "≤ +5 MB",
            5.0,
            rss_100.saturating_sub(rss_10),
        ),
    ];

    // Each schedule-manager subcommand as a process.
    let mut times: Vec<(&str, Vec<f64>)> = [
        "create", "list", "describe", "pause", "unpause", "trigger", "update", "delete",
    ]
    .iter()
    .map(|c| (*c, Vec::new()))
    .collect();
    for i in 0..runs {
        let id = format!("bench-schedule-{i}");
        let steps: [(&str, Vec<&str>); 8] = [
            (
                "create",
                vec![
                    "create",
                    "--schedule-id",
                    &id,
                    "--interval",
                    "60",
                    "--paused",
                    "--config",
                    &config,
                ],
            ),
            ("list", vec!["list"]),
            ("describe", vec!["describe", "--schedule-id", &id]),
            ("pause", vec!["pause", "--schedule-id", &id]),
            ("unpause", vec!["unpause", "--schedule-id", &id]),
            ("trigger", vec!["trigger", "--schedule-id", &id]),
            (
                "update",
                vec!["update", "--schedule-id", &id, "--interval", "30"],
            ),
            ("delete", vec!["delete", "--schedule-id", &id]),
        ];
        for (name, args) in steps {
            let wall = env.timed("atg-schedule-manager", &args)?;
            if let Some((_, v)) = times.iter_mut().find(|(n, _)| *n == name) {
                v.push(wall);
            }
        }
    }
    for (name, walls) in times {
        figures.push(figure(
            &format!("atg-schedule-manager {name}"),
            "≤ 0.3 s",
            Some(0.3),
            walls,
        ));
    }
    drop(server);
    drop(mirror);
    Ok(figures)
}
