//! Migrating from the Python original (issue T): its worker, starter and schedules beside
//! ours on one dev server and one task queue, with a Python stand-in written from the
//! original's specification (`tests/python/original.py`, the PyPI `temporalio` SDK in
//! `.tools/python`, installed by `cargo xtask test` as the dev server is).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use atg_scrapers::testkit::{Mirror, mirror_config};
use atg_workflows::WorkflowParams;
use atg_workflows::activities::ActivitySettings;
use atg_workflows::starter::start;
use atg_workflows::worker::WorkerSettings;

use crate::support::*;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Python SDK: `ATG_PYTHON_SDK`, else `.tools/python`.
fn python_path() -> PathBuf {
    let p = std::env::var_os("ATG_PYTHON_SDK")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".tools/python"));
    assert!(
        p.join("temporalio").is_dir(),
        "the Python SDK is needed: `cargo xtask test` installs it into .tools/python (pip install --target .tools/python temporalio==1.35.0), or set ATG_PYTHON_SDK"
    );
    p
}

fn original(args: &[&str]) -> Command {
    let mut c = Command::new("python3");
    c.arg(root().join("tests/python/original.py"))
        .args(args)
        .env("PYTHONPATH", python_path())
        .env("PYTHONDONTWRITEBYTECODE", "1");
    c
}

/// The original's worker on `q`, polling once this returns; killed on drop.
struct OriginalWorker(Child);

impl OriginalWorker {
    fn start(server: &TestServer, q: &str) -> Self {
        use std::io::BufRead;
        let mut child = original(&["worker", &server.address(), q])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let mut line = String::new();
        std::io::BufReader::new(out).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "original worker ready");
        Self(child)
    }

    /// Stops it; what it printed on stderr.
    fn stop(mut self) -> String {
        use std::io::Read;
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.0.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let _ = self.0.wait();
        let mut err = String::new();
        if let Some(mut e) = self.0.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        err
    }
}

impl Drop for OriginalWorker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The original's own `breweries.json` (from the shared captures; where this checkout has none
/// beside it, this project's list written in its shape), its pages and APIs at the mirror:
/// what an operator points our worker at, unchanged but for where the sites are.
fn originals_config(mirror: &Mirror) -> String {
    let text = atg_testkit::shared::original_capture(
        "original/config/breweries.json",
        "migration: the original's breweries.json (this project's list in its shape is used)",
    )
    .unwrap_or_else(|| {
        let own = root().join("fixtures/sources/breweries_in_the_originals_shape.json");
        std::fs::read_to_string(&own).unwrap_or_else(|e| panic!("{}: {e}", own.display()))
    });
    text.replace("https://", &format!("{}/", mirror.uri()))
}

/// Our worker whose own configuration is the mirror's (what the original kept in code is
/// there), trusting configs in the temporary directory.
fn our_settings(mirror: &Mirror) -> WorkerSettings {
    let own =
        atg_pipeline::core::SiteList::parse(&mirror_config(&mirror.uri()), "mirror.json").unwrap();
    WorkerSettings {
        activities: ActivitySettings::for_test(trusting(&[]))
            .with_own(own)
            .unwrap(),
        ..WorkerSettings::default()
    }
}

/// The original's `breweries.json`, unchanged but for where the sites are, reads every truck
/// of the mirror's week on our worker: the same as our own configuration reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_originals_config_reads_the_mirrors_week_on_our_worker() {
    let server = TestServer::start();
    let q = queue("original-config");
    let mirror = Mirror::start(Duration::ZERO).await;
    let (shutdown, worker, _) = spawn_worker_with(&server, &q, our_settings(&mirror)).await;
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), &originals_config(&mirror));
    let client = server.client().await;
    let run = |id: &'static str, config_path: Option<String>| {
        let (client, q) = (client.clone(), q.clone());
        async move {
            let params = WorkflowParams {
                config_path,
                as_of: Some(Mirror::AS_OF.into()),
                ..WorkflowParams::default()
            };
            start(&client, &q, id, params, true)
                .await
                .unwrap()
                .1
                .unwrap()
        }
    };
    // Without a config_path: the worker's own configuration (the mirror's).
    let ours = run("own-config", None).await;
    assert!(ours.success && ours.errors == Some(vec![]), "{ours:?}");
    assert!(ours.events_count.unwrap() >= 20, "{ours:?}");
    let theirs = run("original-config", Some(config.display().to_string())).await;
    assert!(theirs.success, "{theirs:?}");
    assert_eq!(theirs.errors, Some(vec![]), "{theirs:?}");
    // The original's list ends at eight breweries: ours without Channel Marker's four trucks.
    assert_eq!(
        theirs.events_count,
        ours.events_count.map(|n| n - 4),
        "{theirs:?}"
    );
    shutdown();
    worker.await_stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn their_starter_runs_on_our_worker() {
    let server = TestServer::start();
    let q = queue("their-starter");
    let mirror = Mirror::start(Duration::ZERO).await;
    let (shutdown, worker, _) = spawn_worker_with(&server, &q, our_settings(&mirror)).await;
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), &originals_config(&mirror));
    let out = tokio::task::spawn_blocking({
        let (address, q, config) = (server.address(), q.clone(), config.clone());
        move || {
            original(&[
                "start",
                &address,
                &q,
                "their-start",
                config.to_str().unwrap(),
            ])
            .output()
            .unwrap()
        }
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Their dataclass decodes our result. Their starter cannot pin a day: the mirror's
    // pages are for another month, so this is today's partial week.
    let r: serde_json::Value = serde_json::from_slice(out.stdout.trim_ascii()).unwrap();
    assert_eq!(r["success"], true, "{r}");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .starts_with("Workflow completed"),
        "{r}"
    );
    shutdown();
    worker.await_stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_starter_and_schedules_run_on_their_worker() {
    let server = TestServer::start();
    let q = queue("their-worker");
    let mirror = Mirror::start(Duration::ZERO).await;
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), &originals_config(&mirror));
    let theirs = OriginalWorker::start(&server, &q);
    let client = server.client().await;
    // Our starter's input decodes in their dataclass: no `null` where they have a string.
    let params = WorkflowParams {
        config_path: Some(config.display().to_string()),
        ..WorkflowParams::default()
    };
    let (_, r) = tokio::time::timeout(
        Duration::from_secs(60),
        start(&client, &q, "our-start", params.clone(), true),
    )
    .await
    .expect("their worker decodes our input (it would retry the task for ever)")
    .unwrap();
    let r = r.unwrap();
    assert!(r.success, "{r:?}");
    // Their stand-in scrape: one truck per brewery of their config.
    assert_eq!(r.events_count, Some(7), "{r:?}");

    // A schedule as our manager makes it, fired now: it runs on their worker too.
    let schedule = atg_workflows::schedules::NewSchedule {
        id: "theirs".into(),
        interval_minutes: 60,
        params: WorkflowParams {
            deploy: false,
            ..params
        },
        note: "made by atg-schedule-manager".into(),
        paused: true,
        overlap: atg_workflows::schedules::OverlapPolicy::Skip,
        catchup_window: Duration::from_secs(60),
        task_queue: q.clone(),
    };
    atg_workflows::schedules::create(&client, &schedule)
        .await
        .unwrap();
    atg_workflows::schedules::trigger(&client, "theirs")
        .await
        .unwrap();
    let started = Instant::now();
    let id = loop {
        let d = atg_workflows::schedules::describe(&client, "theirs")
            .await
            .unwrap();
        if let Some(id) = d.recent_actions.first().map(|a| a.workflow_id.clone()) {
            break id;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no run appeared"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let result = tokio::time::timeout(
        Duration::from_secs(60),
        client
            .get_workflow_handle::<atg_workflows::FoodTruckWorkflow>(id.as_str())
            .get_result(temporalio_client::WorkflowGetResultOptions::default()),
    )
    .await
    .expect("their worker decodes the schedule's input")
    .unwrap();
    assert!(result.success, "{result:?}");
    assert_eq!(result.events_count, Some(7));
    let log = theirs.stop();
    assert!(!log.contains("Traceback"), "{log}");
}

/// Both fleets on one queue, ten runs: whichever worker takes a run's workflow, no step of
/// ours reaches their worker (it would fail "not registered" and lose breweries), and every
/// brewery of every run is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mixed_fleet_loses_no_brewery() {
    let server = TestServer::start();
    let q = queue("mixed");
    let mirror = Mirror::start(Duration::ZERO).await;
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), &originals_config(&mirror));
    let theirs = OriginalWorker::start(&server, &q);
    let (shutdown, worker, _) = spawn_worker_with(&server, &q, our_settings(&mirror)).await;
    let client = server.client().await;
    let params = WorkflowParams {
        config_path: Some(config.display().to_string()),
        as_of: Some(Mirror::AS_OF.into()),
        ..WorkflowParams::default()
    };
    let runs = (0..10).map(|i| {
        let (client, q, params) = (client.clone(), q.clone(), params.clone());
        async move {
            start(&client, &q, &format!("mixed-{i}"), params, true)
                .await
                .unwrap()
                .1
                .unwrap()
        }
    });
    let results = futures::future::join_all(runs).await;
    for r in &results {
        assert!(r.success, "{r:?}");
        // A run of our workflow: every brewery answered. A run of theirs: a scrape our worker
        // took is for today (their input has no day to pin), so the mirror may answer 404
        // for this month; a brewery that answered is not lost. Lost would be an activity no
        // worker could run ("not registered", "Network Error", "Worker Error").
        for e in r.errors.clone().unwrap() {
            assert!(e.starts_with("HTTP 404 from "), "a brewery was lost: {r:?}");
        }
        assert!(r.events_count.unwrap() >= 1, "{r:?}");
    }
    shutdown();
    worker.await_stop().await;
    let log = theirs.stop();
    assert!(!log.contains("not registered"), "{log}");
}
