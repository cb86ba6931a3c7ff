//! The scale run of `cargo xtask bench`: N synthetic breweries (a few KB each, some slow, some
//! failing) served locally, through the CLI and through the workflow with two workers.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use atg_temporal_config::devserver::{DevServer, DevServerOptions};
use axum::extract::Path as UrlPath;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::target_dir;
use crate::temporal::{temporal_cli, terminate};

/// Every 25th brewery answers 500; every 50th (a different one) takes 2 s.
async fn brewery_page(UrlPath(i): UrlPath<usize>) -> Response {
    if i % 25 == 24 {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    if i % 50 == 10 {
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let mut page = String::from("<html><body><h1>Synthetic brewery</h1>");
    for (d, truck) in [
        ("07.30", "Morning"),
        ("07.31", "Noon"),
        ("08.02", "Evening"),
        ("08.20", "Later"),
    ] {
        page.push_str(&format!(
            "<div class='food-truck-day'><div><img src='x.png'><div class='lunch-truck-info'><h4>Wed {d}</h4><div class='hrs'>4 &mdash; 8pm</div>{truck} Truck {i}<br></div></div></div>"
        ));
    }
    // Make each page a few KB, like a real one.
    page.push_str(&"<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>".repeat(40));
    page.push_str("</body></html>");
    Html(page).into_response()
}

fn config(n: usize, base: &str) -> String {
    let breweries: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"key":"scale-{i}","name":"Synthetic Brewery {i}","parser":"stoup","url":"{base}/b/{i}/"}}"#))
        .collect();
    format!(r#"{{"breweries":[{}]}}"#, breweries.join(","))
}

fn peak_rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// One row of the scale table.
pub(crate) struct Row {
    pub what: String,
    pub breweries: usize,
    pub parallel: usize,
    pub wall: f64,
    pub rss_mb: f64,
    pub events: Option<u64>,
    pub history: Option<(usize, usize)>,
    pub workers_used: Option<usize>,
}

pub(crate) fn run(dir: &Path, rt: &tokio::runtime::Runtime) -> Result<Vec<Row>> {
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = axum::Router::new().route("/b/{i}/", axum::routing::get(brewery_page));
    rt.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let mut rows = Vec::new();
    let cli_bin = target_dir().join("release/around-the-grounds");
    let measure = std::env::current_exe()?;

    // The CLI: cost against the number of breweries, and against the concurrency.
    for (n, parallel) in [(250, 50), (500, 50), (1000, 50), (1000, 10), (1000, 100)] {
        let cfg = dir.join(format!("scale-{n}.json"));
        std::fs::write(&cfg, config(n, &base))?;
        let out = Command::new(&measure)
            .args(["measure", "--runs", "1", "--"])
            .arg(&cli_bin)
            .arg("--config")
            .arg(&cfg)
            .args([
                "--as-of",
                "2025-07-30",
                "--format",
                "json",
                "--max-concurrent",
                &parallel.to_string(),
            ])
            .output()?;
        if !out.status.success() {
            bail!(
                "the scale CLI run failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        rows.push(Row {
            what: "CLI".into(),
            breweries: n,
            parallel,
            wall: v["walls"][0].as_f64().unwrap_or(f64::NAN),
            rss_mb: v["max_rss_kb"].as_f64().unwrap_or(0.0) / 1024.0,
            events: None,
            history: None,
            workers_used: None,
        });
    }

    // The workflow: two workers on one task queue.
    let temporal = temporal_cli()?;
    let server = DevServer::start(&temporal, &DevServerOptions::default())?;
    let worker = |_: usize| -> Result<Child> {
        Command::new(target_dir().join("release/atg-worker"))
            .env("TEMPORAL_ADDRESS", server.address())
            .env("TEMPORAL_TASK_QUEUE", "atg-scale")
            .env("ATG_CONFIG_DIR", dir)
            .env_remove("ANTHROPIC_API_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("atg-worker")
    };
    let mut workers = vec![worker(0)?, worker(1)?];
    std::thread::sleep(Duration::from_secs(2));
    let cfg = dir.join("scale-1000.json");
    for parallel in [10usize, 50, 100] {
        let id = format!("scale-{parallel}-{}", std::process::id());
        let started = Instant::now();
        let out = Command::new(target_dir().join("release/atg-starter"))
            .env("TEMPORAL_ADDRESS", server.address())
            .env("TEMPORAL_TASK_QUEUE", "atg-scale")
            .arg("--config")
            .arg(&cfg)
            .args([
                "--as-of",
                "2025-07-30",
                "--workflow-id",
                &id,
                "--max-parallel-scrapes",
                &parallel.to_string(),
            ])
            .output()?;
        let wall = started.elapsed().as_secs_f64();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        if !out.status.success() && out.status.code() != Some(2) {
            bail!(
                "the scale workflow failed: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let events = text.lines().find_map(|l| {
            l.strip_prefix("📊 Found ")?
                .strip_suffix(" events")?
                .parse()
                .ok()
        });
        let history = Command::new(&temporal)
            .args([
                "workflow",
                "show",
                "--workflow-id",
                &id,
                "--address",
                &server.address(),
                "-o",
                "json",
            ])
            .output()?;
        let h: serde_json::Value = serde_json::from_slice(&history.stdout).unwrap_or_default();
        let list = h["events"].as_array().cloned().unwrap_or_default();
        let identities: std::collections::HashSet<String> = list
            .iter()
            .filter_map(|e| {
                e["activityTaskStartedEventAttributes"]["identity"]
                    .as_str()
                    .map(str::to_string)
            })
            .collect();
        rows.push(Row {
            what: "workflow (2 workers)".into(),
            breweries: 1000,
            parallel,
            wall,
            rss_mb: workers
                .iter()
                .map(|w| peak_rss_kb(w.id()))
                .max()
                .unwrap_or(0) as f64
                / 1024.0,
            events,
            history: Some((list.len(), history.stdout.len())),
            workers_used: Some(identities.len()),
        });
    }
    for w in &mut workers {
        terminate(w);
    }
    drop(server);
    Ok(rows)
}

pub(crate) fn table(rows: &[Row]) -> String {
    let mut t = String::from(
        "| run | breweries | parallel | wall | peak RSS | events | history (events / bytes) | workers used |\n|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        t.push_str(&format!(
            "| {} | {} | {} | {:.2} s | {:.1} MB | {} | {} | {} |\n",
            r.what,
            r.breweries,
            r.parallel,
            r.wall,
            r.rss_mb,
            r.events.map_or("—".into(), |e| e.to_string()),
            r.history.map_or("—".into(), |(n, b)| format!(
                "{n} / {:.0} KB",
                b as f64 / 1024.0
            )),
            r.workers_used.map_or("—".into(), |w| w.to_string()),
        ));
    }
    t
}

/// The scale section: what was served, what the rows show (read from them), and the targets.
pub(crate) fn section(rows: &[Row]) -> String {
    let cli = |n: usize, p: usize| {
        rows.iter()
            .find(|r| r.what == "CLI" && r.breweries == n && r.parallel == p)
    };
    let flows: Vec<&Row> = rows.iter().filter(|r| r.what != "CLI").collect();
    let mut text = String::from(
        "\n## Scale\n\nSynthetic breweries (Stoup-shaped pages of ~3 KB; every 25th answers 500, every 50th — a different one — takes 2 s) served by a local server, through the CLI (`--max-concurrent`) and through the workflow (`max_parallel_scrapes`) with two workers on one task queue.\n\n",
    );
    if let (Some(small), Some(large)) = (cli(250, 50), cli(1000, 50)) {
        text.push_str(&format!(
            "- **CLI**: the breweries run unordered with a bounded number in flight, so a slow one holds one slot, not the queue: from 250 to 1,000 breweries at 50 at a time the wall time goes from {:.2} s to {:.2} s (the 2 s pages set the floor) and peak RSS from {:.1} MB to {:.1} MB — memory grows with the events kept, time with the work once it exceeds the slowest page.\n",
            small.wall, large.wall, small.rss_mb, large.rss_mb
        ));
    }
    if let (Some(first), Some(last)) = (flows.first(), flows.last()) {
        let max_rss = flows.iter().map(|r| r.rss_mb).fold(0.0, f64::max);
        let max_events = flows
            .iter()
            .filter_map(|r| r.history)
            .map(|h| h.0)
            .max()
            .unwrap_or(0);
        let max_bytes = flows
            .iter()
            .filter_map(|r| r.history)
            .map(|h| h.1)
            .max()
            .unwrap_or(0);
        let all_workers = flows.iter().all(|r| r.workers_used == Some(2));
        text.push_str(&format!(
            "- **Workflow**: it scrapes in fixed batches of `max_parallel_scrapes` (the original's step structure), and each batch waits for its slowest brewery and for Temporal's retries of its failing ones, so the time is about (breweries ÷ batch) × the slowest in a batch — linear in the number of breweries: {:.0} s with batches of {}, {:.0} s with batches of {}. The workers' peak RSS stays at or under {:.1} MB (target ≤ 100 MB for 1,000 breweries: {}); the largest history is {} events and {:.1} MB, inside Temporal's limits of 51,200 events and 50 MB; {}.\n",
            first.wall,
            first.parallel,
            last.wall,
            last.parallel,
            max_rss,
            if max_rss <= 100.0 { "met" } else { "**missed**" },
            max_events,
            max_bytes as f64 / 1024.0 / 1024.0,
            if all_workers {
                "both workers ran activities in every run"
            } else {
                "**not every run used both workers**"
            },
        ));
    }
    text.push('\n');
    text.push_str(&table(rows));
    text
}
