//! The scale run of `cargo xtask bench`: N synthetic breweries (a few KB each, some slow, some
//! failing) served locally, through the CLI and through the workflow with two workers.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use atg_testkit::devserver::{DevServer, DevServerOptions};
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

/// The peak RSS of a process since its last [`reset_peak`] (VmHWM).
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

/// Starts a new peak-RSS reading for `pid` (Linux: writing 5 to `clear_refs` resets VmHWM).
fn reset_peak(pid: u32) {
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
}

/// One row of the scale table.
pub(crate) struct Row {
    pub what: String,
    pub breweries: usize,
    pub parallel: usize,
    pub wall: f64,
    pub rss_mb: f64,
    pub events: Option<u64>,
    pub history: Option<HistoryFigures>,
    pub workers_used: Option<usize>,
}

/// What the histories of one workflow run (its own and its children's) came to.
#[derive(Clone, Copy, Default)]
pub(crate) struct HistoryFigures {
    /// The largest single history: events, and bytes of its JSON.
    pub largest_events: usize,
    pub largest_bytes: usize,
    /// The largest single payload anywhere in them, in bytes.
    pub largest_payload: usize,
    /// Child workflows the run started.
    pub children: usize,
}

/// `temporal workflow show -o json` of one execution.
fn show(temporal: &Path, address: &str, workflow_id: &str) -> Result<(serde_json::Value, usize)> {
    let out = Command::new(temporal)
        .args([
            "workflow",
            "show",
            "--workflow-id",
            workflow_id,
            "--address",
            address,
        ])
        .args(["-o", "json"])
        .output()?;
    if !out.status.success() {
        bail!(
            "cannot read the history of {workflow_id}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok((serde_json::from_slice(&out.stdout)?, out.stdout.len()))
}

/// The largest payload inside `v` (any object with `metadata` and base64 `data`), in bytes.
fn largest_payload(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Object(o) => {
            let own = match (o.get("metadata"), o.get("data").and_then(|d| d.as_str())) {
                (Some(_), Some(data)) => data.len() / 4 * 3,
                _ => 0,
            };
            o.values().map(largest_payload).fold(own, usize::max)
        }
        serde_json::Value::Array(a) => a.iter().map(largest_payload).max().unwrap_or(0),
        _ => 0,
    }
}

/// The figures of a run and its child workflows, and which workers ran its activities.
fn history_of(
    temporal: &Path,
    address: &str,
    workflow_id: &str,
) -> Result<(HistoryFigures, usize)> {
    let mut figures = HistoryFigures::default();
    let mut identities = std::collections::HashSet::new();
    let mut pending = vec![workflow_id.to_string()];
    while let Some(id) = pending.pop() {
        let (h, bytes) = show(temporal, address, &id)?;
        let events = h["events"].as_array().cloned().unwrap_or_default();
        figures.largest_events = figures.largest_events.max(events.len());
        figures.largest_bytes = figures.largest_bytes.max(bytes);
        figures.largest_payload = figures.largest_payload.max(largest_payload(&h));
        for e in &events {
            if let Some(who) = e["activityTaskStartedEventAttributes"]["identity"].as_str() {
                identities.insert(who.to_string());
            }
            if let Some(child) =
                e["childWorkflowExecutionStartedEventAttributes"]["workflowExecution"]["workflowId"]
                    .as_str()
            {
                figures.children += 1;
                pending.push(child.to_string());
            }
        }
    }
    Ok((figures, identities.len()))
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
    for n in [1000, 10_000] {
        std::fs::write(dir.join(format!("scale-{n}.json")), config(n, &base))?;
    }

    // The CLI: the same sources, the same parallelism, side by side with the workflow below.
    for (n, parallel) in [(1000, 10), (1000, 50), (1000, 100), (10_000, 100)] {
        let out = Command::new(&measure)
            .args(["measure", "--runs", "1", "--"])
            .arg(&cli_bin)
            .arg("--config")
            .arg(dir.join(format!("scale-{n}.json")))
            .args(["--as-of", "2025-07-30", "--format", "json"])
            .args(["--max-concurrent", &parallel.to_string()])
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

    // The workflow: two workers on one task queue, each free to run every scrape in flight.
    let temporal = temporal_cli()?;
    let server = DevServer::start(&temporal, &DevServerOptions::default())?;
    let site = dir.join("scale-site.git");
    let _ = std::fs::remove_dir_all(&site);
    crate::temporal::git_init_bare(&site)?;
    // One fleet: both workers seal and verify with one key (docs/TEMPORAL.md), so the publish
    // step reads the parts whichever worker scraped them.
    let fleet_key = format!("atg-bench-fleet-{}", std::process::id());
    let worker = |_: usize| -> Result<Child> {
        Command::new(target_dir().join("release/atg-worker"))
            .env("TEMPORAL_ADDRESS", server.address())
            .env("ATG_RESULT_KEY", &fleet_key)
            .env("TEMPORAL_TASK_QUEUE", "atg-scale")
            .env("ATG_CONFIG_DIR", dir)
            .env("ATG_MAX_CONCURRENT_ACTIVITIES", "100")
            .env("GIT_REPOSITORY_URL", &site)
            .env_remove("ANTHROPIC_API_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("atg-worker")
    };
    let mut workers = vec![worker(0)?, worker(1)?];
    std::thread::sleep(Duration::from_secs(2));
    // The 10,000 run also publishes (the publish step reads its 20 parts from their runs).
    for (n, parallel, deploy) in [
        (1000, 10, false),
        (1000, 50, false),
        (1000, 100, false),
        (10_000, 100, true),
    ] {
        let id = format!("scale-{n}-{parallel}-{}", std::process::id());
        for w in &workers {
            reset_peak(w.id());
        }
        let started = Instant::now();
        let mut starter = Command::new(target_dir().join("release/atg-starter"));
        starter
            .env("TEMPORAL_ADDRESS", server.address())
            .env("TEMPORAL_TASK_QUEUE", "atg-scale")
            .arg("--config")
            .arg(dir.join(format!("scale-{n}.json")))
            .args(["--as-of", "2025-07-30", "--workflow-id", &id])
            .args(["--max-parallel-scrapes", &parallel.to_string()]);
        if deploy {
            starter.arg("--deploy");
        }
        let out = starter.output()?;
        let wall = started.elapsed().as_secs_f64();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        if !out.status.success() && out.status.code() != Some(2) {
            bail!(
                "the scale workflow failed: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        if deploy && !text.contains("🚀 Successfully deployed") {
            bail!("the {n}-brewery run did not deploy: {text}");
        }
        let events = text.lines().find_map(|l| {
            l.strip_prefix("📊 Found ")?
                .strip_suffix(" events")?
                .parse()
                .ok()
        });
        let (history, used) = history_of(&temporal, &server.address(), &id)?;
        rows.push(Row {
            what: if deploy {
                "workflow (2 workers), deploying"
            } else {
                "workflow (2 workers)"
            }
            .into(),
            breweries: n,
            parallel,
            wall,
            rss_mb: workers
                .iter()
                .map(|w| peak_rss_kb(w.id()))
                .max()
                .unwrap_or(0) as f64
                / 1024.0,
            events,
            history: Some(history),
            workers_used: Some(used),
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
        "| run | breweries | parallel | wall | peak RSS | events | largest history (events / bytes) | largest payload | child workflows | workers used |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let dash = || "—".to_string();
    for r in rows {
        t.push_str(&format!(
            "| {} | {} | {} | {:.2} s | {:.1} MB | {} | {} | {} | {} | {} |\n",
            r.what,
            r.breweries,
            r.parallel,
            r.wall,
            r.rss_mb,
            r.events.map_or_else(dash, |e| e.to_string()),
            r.history.map_or_else(dash, |h| format!(
                "{} / {:.0} KB",
                h.largest_events,
                h.largest_bytes as f64 / 1024.0
            )),
            r.history.map_or_else(dash, |h| format!(
                "{:.0} KB",
                h.largest_payload as f64 / 1024.0
            )),
            r.history.map_or_else(dash, |h| h.children.to_string()),
            r.workers_used.map_or_else(dash, |w| w.to_string()),
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
    let mut text = String::from(
        "\n## Scale\n\nSynthetic breweries (Stoup-shaped pages of ~3 KB, three trucks in the week; every 25th answers 500, every 50th — a different one — takes 2 s) served by a local server, through the CLI (`--max-concurrent`) and through the workflow (`max_parallel_scrapes`) with two workers (100 activity slots each) on one task queue and a dev server on the same 2-core machine. Peak RSS of the workers is the larger of the two, reset before each run; history figures are the largest single history of the run and its child workflows, from `temporal workflow show`.\n\n",
    );
    let mut lines = Vec::new();
    for r in rows.iter().filter(|r| r.what != "CLI") {
        let Some(c) = cli(r.breweries, r.parallel) else {
            continue;
        };
        let ratio = r.wall / c.wall;
        let h = r.history.unwrap_or_default();
        let mut line = format!(
            "- **{} breweries, {} at a time**: the workflow took {:.2} s, the CLI {:.2} s ({ratio:.2}×",
            r.breweries, r.parallel, r.wall, c.wall
        );
        if r.breweries == 1000 {
            line.push_str(&format!(
                "; target ≤ 1.5×: {}",
                if ratio <= 1.5 { "met" } else { "**missed**" }
            ));
        }
        line.push_str(&format!(
            "). Workers' peak {:.1} MB; largest history {} events / {:.1} MB, largest payload {:.0} KB, {} child workflows",
            r.rss_mb,
            h.largest_events,
            h.largest_bytes as f64 / 1024.0 / 1024.0,
            h.largest_payload as f64 / 1024.0,
            h.children
        ));
        if r.breweries >= 10_000 {
            let met = h.largest_payload <= 256 * 1024
                && h.largest_bytes <= 10 * 1024 * 1024
                && h.largest_events <= 10_000
                && r.rss_mb <= 100.0;
            line.push_str(&format!(
                " (targets ≤ 256 KB, ≤ 10 MB and ≤ 10,000 events, ≤ 100 MB: {})",
                if met { "met" } else { "**missed**" }
            ));
        }
        line.push_str(&format!(
            "; {}.\n",
            if r.workers_used == Some(2) {
                "both workers ran scrapes"
            } else {
                "**not both workers ran scrapes**"
            }
        ));
        lines.push(line);
    }
    for l in lines {
        text.push_str(&l);
    }
    text.push('\n');
    text.push_str(&table(rows));
    text
}
