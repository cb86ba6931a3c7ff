//! `cargo xtask bench`: release binaries against a local mirror of the eight sources.

use std::fmt::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use atg_scrapers::testkit::Mirror;
use serde_json::{Value, json};

use crate::figure::Figure;
use crate::{cargo, root, target_dir};

/// `cargo xtask bench --scale-only`: the scale rows, printed.
pub fn scale_only() -> Result<()> {
    crate::build_release_binaries()?;
    let dir = target_dir().join("bench");
    std::fs::create_dir_all(&dir)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let rows = crate::bench_scale::run(&dir, &rt)?;
    println!("{}", crate::bench_scale::section(&rows));
    Ok(())
}

/// `cargo xtask bench --hostile-only`: issue N's rows, printed.
pub fn hostile_only() -> Result<()> {
    crate::build_release_binaries()?;
    let dir = target_dir().join("bench");
    std::fs::create_dir_all(&dir)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let figures = crate::bench_temporal::hostile_figures(&dir, &rt)?;
    println!("{}", table(&figures));
    if figures.iter().any(|f| !f.met()) {
        bail!("a target was missed (see the table)");
    }
    Ok(())
}

pub fn run(runs: usize, write: bool, scale: bool) -> Result<()> {
    crate::build_release_binaries()?;
    cargo(&[
        "build",
        "--release",
        "--locked",
        "-p",
        "atg-web",
        "--example",
        "render_1000",
    ])?;
    cargo(&[
        "build",
        "--release",
        "--locked",
        "-p",
        "atg-deploy",
        "--example",
        "deploy_bench",
    ])?;
    let bin = target_dir().join("release/around-the-grounds");
    let dir = target_dir().join("bench");
    std::fs::create_dir_all(&dir)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let mut figures = Vec::new();
    for (latency_ms, limit) in [(0u64, 0.15), (200, 0.55)] {
        let mirror = rt.block_on(Mirror::start(Duration::from_millis(latency_ms)));
        let config = dir.join(format!("mirror-{latency_ms}ms.json"));
        std::fs::write(&config, mirror.config())?;
        let cmd = vec![
            bin.display().to_string(),
            "--config".into(),
            config.display().to_string(),
            "--as-of".into(),
            Mirror::AS_OF.into(),
        ];
        let (walls, max_rss_kb) = measured(runs, &cmd)?;
        figures.push(Figure {
            name: format!(
                "CLI run, 8 sources on a local mirror, {latency_ms} ms latency per request"
            ),
            target: format!("≤ {limit} s, ≤ 25 MB"),
            limit_s: Some(limit),
            limit_rss_mb: Some(25.0),
            walls,
            max_rss_kb: Some(max_rss_kb),
        });
        if latency_ms == 0 {
            let plain = figures[figures.len() - 1].median();
            let site = dir.join("site");
            let mut with_preview = cmd.clone();
            with_preview.extend([
                "--preview".into(),
                "--out".into(),
                site.display().to_string(),
            ]);
            let (walls, max_rss_kb) = measured(runs, &with_preview)?;
            figures.push(Figure {
                name: "CLI run with `--preview` (site written), 0 ms latency".into(),
                target: "≤ the plain run + 0.03 s".into(),
                limit_s: Some(plain + 0.03),
                limit_rss_mb: Some(25.0),
                walls,
                max_rss_kb: Some(max_rss_kb),
            });
        }
        drop(mirror);
    }
    figures.extend(crate::bench_temporal::figures(runs, &dir, &rt)?);
    figures.extend(crate::bench_temporal::hostile_figures(&dir, &rt)?);
    figures.push(example_figure(
        "render_1000",
        50,
        "Render data.json + events.ics + 50 brewery feeds for 1,000 events (in process)",
        0.020,
    )?);
    figures.push(example_figure(
        "deploy_bench",
        runs,
        "Deploy a typical site to a local bare repository (fetch, tree, commit, push)",
        1.0,
    )?);
    let table = table(&figures);
    println!("{table}");
    let scale_section = if scale {
        let rows = crate::bench_scale::run(&dir, &rt)?;
        let section = crate::bench_scale::section(&rows);
        println!("{section}");
        Some(section)
    } else {
        None
    };
    let fuzz = fuzz_properties(50_000)?;
    println!("{fuzz}");
    if write {
        let mut doc = document(&table, runs);
        doc.push_str(&fuzz);
        if let Some(section) = scale_section {
            doc.push_str(&section);
        }
        std::fs::write(root().join("docs/BENCHMARKS.md"), doc)?;
        eprintln!("wrote docs/BENCHMARKS.md");
    }
    if figures.iter().any(|f| !f.met()) {
        bail!("a target was missed (see the table)");
    }
    Ok(())
}

/// The property tests (every parser, the config loader) with many more cases than CI runs,
/// one target at a time so each one's time is on record.
fn fuzz_properties(cases: u32) -> Result<String> {
    let test = |extra: &[&str]| -> Result<std::process::Output> {
        let mut args = vec![
            "test",
            "--release",
            "--locked",
            "-p",
            "atg-scrapers",
            "--test",
            "runner",
            "--",
        ];
        args.extend_from_slice(extra);
        Ok(crate::cargo_command(&args)
            .current_dir(root())
            .env("PROPTEST_CASES", cases.to_string())
            .output()?)
    };
    let list = test(&["--list", "test_properties::"])?;
    if !list.status.success() {
        bail!(
            "cannot build the property tests:\n{}",
            String::from_utf8_lossy(&list.stderr)
        );
    }
    let targets: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_string)
        .collect();
    if targets.is_empty() {
        bail!("no property tests found");
    }
    let mut rows = String::from("| target | cases | time | result |\n|---|---|---|---|\n");
    for target in &targets {
        let started = Instant::now();
        let out = test(&["--exact", target])?;
        let secs = started.elapsed().as_secs_f64();
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            bail!("the property test {target} failed:\n{text}");
        }
        if !text.contains("1 passed") {
            bail!("the property test {target} did not run:\n{text}");
        }
        let name = target.trim_start_matches("test_properties::");
        let _ = writeln!(
            rows,
            "| `{name}` | {cases} | {secs:.1} s | no panic, no hang |"
        );
    }
    Ok(format!(
        "\n## Fuzzing (property tests)\n\n`proptest` on the stable toolchain (no nightly here for `cargo fuzz`): arbitrary text and text built from each source's own pieces (tags, classes, dates, JSON keys, CSV cells) into every parser, the time-range reader and the config loader; the property is \"no panic, no hang\" (and a found range never starts where it ends). Each target ran on its own as a release test process (the time includes starting it). No crash input was found in this run; crash inputs found earlier are kept as regression cases (`crates/atg-scrapers/tests/test_my_calendar.rs`). CI runs the same targets with proptest's default of 256 cases each; `PROPTEST_CASES` sets more.\n\n{rows}"
    ))
}

/// A figure timed inside a release example that prints `{"walls": [...]}`.
fn example_figure(example: &str, runs: usize, name: &str, limit_s: f64) -> Result<Figure> {
    let out = Command::new(target_dir().join("release/examples").join(example))
        .arg(runs.to_string())
        .output()
        .with_context(|| format!("cannot run the {example} benchmark"))?;
    if !out.status.success() {
        bail!(
            "the {example} benchmark failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let v: Value = serde_json::from_slice(&out.stdout)?;
    Ok(Figure {
        name: name.into(),
        target: format!("≤ {limit_s:.3} s"),
        limit_s: Some(limit_s),
        limit_rss_mb: None,
        walls: v["walls"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default(),
        max_rss_kb: None,
    })
}

/// Runs `cmd` in a fresh `xtask measure` process so that its peak RSS is the command's alone.
fn measured(runs: usize, cmd: &[String]) -> Result<(Vec<f64>, u64)> {
    let me = std::env::current_exe()?;
    let out = Command::new(me)
        .arg("measure")
        .arg("--runs")
        .arg(runs.to_string())
        .arg("--")
        .args(cmd)
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run the measuring process")?;
    if !out.status.success() {
        bail!("measuring {cmd:?} failed");
    }
    let v: Value = serde_json::from_slice(&out.stdout)?;
    let walls = v["walls"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    Ok((walls, v["max_rss_kb"].as_u64().unwrap_or(0)))
}

/// The `measure` subcommand: one warm-up run, then `runs` timed runs; all must exit 0.
pub fn measure(runs: usize, command: &[String]) -> Result<()> {
    let (program, args) = command.split_first().context("no command")?;
    let mut walls = Vec::with_capacity(runs);
    for i in 0..=runs {
        let started = Instant::now();
        let status = Command::new(program)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .with_context(|| format!("cannot run {program}"))?;
        let wall = started.elapsed().as_secs_f64();
        // 2 is a valid run too: some breweries failed (the scale run has failing ones).
        if !status.success() && status.code() != Some(2) {
            bail!("{program} exited with {status}");
        }
        if i > 0 {
            walls.push(wall);
        }
    }
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)?;
    println!("{}", json!({"walls": walls, "max_rss_kb": usage.max_rss()}));
    Ok(())
}

fn table(figures: &[Figure]) -> String {
    let mut t = String::from(
        "| figure | median | spread (min – max) | peak RSS | target | met |\n|---|---|---|---|---|---|\n",
    );
    for f in figures {
        let (lo, hi) = f.spread();
        let (median, spread) = if f.walls.is_empty() {
            ("—".to_string(), "—".to_string())
        } else {
            (
                format!("{:.3} s", f.median()),
                format!("{lo:.3} – {hi:.3} s"),
            )
        };
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} | {} |",
            f.name,
            median,
            spread,
            f.rss_mb()
                .map_or_else(|| "—".to_string(), |r| format!("{r:.1} MB")),
            f.target,
            if f.met() { "yes" } else { "**no**" }
        );
    }
    t
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem_gb = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0 / 1024.0);
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!("{cores} cores ({cpu}), {mem_gb:.0} GiB memory, {rustc}, `--release` profile")
}

fn document(table: &str, runs: usize) -> String {
    format!(
        "# Benchmarks

Written by `cargo xtask bench` — do not edit by hand; run it again.

Machine: {machine}.

Each figure is {runs} runs after one warm-up run, each a fresh process; wall time is measured
around the process, peak RSS is the largest resident set of those processes
(`getrusage(RUSAGE_CHILDREN)` of a measuring process that runs only them).

{table}
## What is measured

- **CLI run**: `around-the-grounds --config <mirror> --as-of 2025-07-30` against a local
  wiremock mirror that serves every source's fixture (`atg_scrapers::testkit::Mirror`): 11 HTTP
  requests, of which three sources need two in a row (Squarespace page → month API, Sugar
  Calendar page → next-month AJAX, the Sheets redirect → CSV). With 200 ms added to every
  response the floor is therefore 0.4 s. The Python original took 1.4 s / 63 MB (no latency)
  and 2.1 s (200 ms) on the same run.
- **`--preview`**: the same run writing the whole site (page, data.json, 8 calendar feeds) to a
  directory, atomically; the target is the plain run's median + 30 ms.
- **Render**: `crates/atg-web/examples/render_1000.rs`, 1,000 events over 50 breweries, timed
  in process (median of 50).
- **Hostile feeds** (issue N): one workflow of the mirror's breweries on a fresh release worker,
  then the same with one hostile feed of each kind beside them (`testkit::HostileFeeds`:
  20,000 nested calendar components, a daily rule with every hour, minute and second since
  1970, 40,000 RDATEs against 40,000 EXDATEs, 15,000 all-day events covering the week, 40,000
  nested elements, JSON 100,000 deep, a 300-letter name) on another fresh worker: the server's
  start → close of that run, and the worker's peak RSS (`VmHWM`) above the plain run's. Each
  hostile feed fails alone with its limit; the target is one source deadline + 1 s and
  +50 MB. `cargo xtask bench --hostile-only` prints just these rows.
- **Temporal** (a dev server on this machine, the release `atg-worker` polling, the mirror as
  sources): *workflow end to end* is the server's own start→close time of each run (load
  config, 7 scrapes, sort); *atg-starter* is the whole process (connect, start, wait, print), and
  its overhead is that minus the workflow's own time. *Worker RSS* is read from
  `/proc/PID/status` (VmRSS) 3 s after \"worker ready\" (connected and polling, no workflow yet),
  3 s after its first workflow, and after 10 and 100 workflows; the growth between 10 and 100
  shows whether memory stays flat. Most of it is the binary's own pages (file-backed RSS); the
  worker is linked with packed relative relocations (`crates/atg-worker/build.rs`), which keeps
  about 2.5 MB of relocation tables out of memory. *atg-schedule-manager* times each
  subcommand as a process against the same server. The Python original: 0.71 s per workflow,
  2.1–2.5 s with its starter, 87 MB idle growing 0.3 MB per workflow, 1.3–2.0 s per
  schedule-manager command.
- **Deploy**: `crates/atg-deploy/examples/deploy_bench.rs`: a shallow fetch with gix, the new
  tree and commit, and `git push` to a bare repository on the same disk, with a changed
  schedule each time (so every run commits).
",
        machine = machine()
    )
}
