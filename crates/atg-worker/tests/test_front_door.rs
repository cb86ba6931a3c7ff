//! The worker and the starter through a real TLS front door, as Temporal Cloud would be:
//! nginx (Debian's) terminates TLS in front of the dev server, one listener requiring a client
//! certificate from our CA (mTLS), one checking `authorization: Bearer <key>` (API key).
//! The certificates are made here with rcgen. A wrong certificate or key is refused in one line.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use atg_scrapers::testkit::Mirror;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};

use crate::support::*;

const API_KEY: &str = "atg-test-api-key-0123456789";

/// The `atg-starter` binary next to the worker's (nextest builds every binary of the
/// workspace for a run).
fn starter_bin() -> PathBuf {
    let p = Path::new(WORKER_BIN).with_file_name("atg-starter");
    assert!(p.is_file(), "build atg-starter first: {}", p.display());
    p
}

fn nginx() -> Option<PathBuf> {
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

struct Pki {
    ca: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
    rogue_cert: PathBuf,
    rogue_key: PathBuf,
}

fn ca(name: &str) -> (rcgen::Certificate, Issuer<'static, KeyPair>) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (cert, Issuer::new(params, key))
}

fn leaf(names: &[&str], issuer: &Issuer<'_, KeyPair>) -> (String, String) {
    let params =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, issuer).unwrap();
    (cert.pem(), key.serialize_pem())
}

fn pki(dir: &Path) -> Pki {
    let (ca_cert, issuer) = ca("Around the Grounds test CA");
    let (_, rogue_issuer) = ca("Someone else's CA");
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let (server_cert, server_key) = leaf(&["localhost", "127.0.0.1"], &issuer);
    let (client_cert, client_key) = leaf(&["atg-worker"], &issuer);
    let (rogue_cert, rogue_key) = leaf(&["atg-worker"], &rogue_issuer);
    Pki {
        ca: write("ca.pem", &ca_cert.pem()),
        server_cert: write("server.pem", &server_cert),
        server_key: write("server.key", &server_key),
        client_cert: write("client.pem", &client_cert),
        client_key: write("client.key", &client_key),
        rogue_cert: write("rogue.pem", &rogue_cert),
        rogue_key: write("rogue.key", &rogue_key),
    }
}

/// nginx on two ports in front of `upstream`; killed on drop.
struct FrontDoor {
    child: Child,
    mtls_port: u16,
    key_port: u16,
    log: PathBuf,
}

impl Drop for FrontDoor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn front_door(nginx: &Path, dir: &Path, pki: &Pki, upstream: &str) -> FrontDoor {
    let mtls_port = atg_testkit::devserver::free_port();
    let key_port = atg_testkit::devserver::free_port();
    let p = |p: &Path| p.display().to_string();
    let d = dir.display();
    let log = dir.join("nginx-error.log");
    let conf = format!(
        r#"daemon off;
master_process off;
worker_processes 1;
error_log {log} warn;
pid {d}/nginx.pid;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  ssl_certificate {cert};
  ssl_certificate_key {key};
  grpc_read_timeout 120s;
  grpc_send_timeout 120s;
  server {{
    listen 127.0.0.1:{mtls_port} ssl http2;
    ssl_client_certificate {ca};
    ssl_verify_client on;
    location / {{ grpc_pass grpc://{upstream}; }}
  }}
  server {{
    listen 127.0.0.1:{key_port} ssl http2;
    location / {{
      default_type application/grpc;
      # As Temporal Cloud answers a bad key: gRPC status 16 (UNAUTHENTICATED).
      if ($http_authorization != "Bearer {API_KEY}") {{
        add_header grpc-status 16 always;
        add_header grpc-message "invalid API key" always;
        return 200;
      }}
      grpc_pass grpc://{upstream};
    }}
  }}
}}
"#,
        log = log.display(),
        cert = p(&pki.server_cert),
        key = p(&pki.server_key),
        ca = p(&pki.ca),
    );
    let conf_path = dir.join("nginx.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let child = Command::new(nginx)
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(&conf_path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("nginx-error.log")).unwrap())
        .spawn()
        .unwrap();
    let door = FrontDoor {
        child,
        mtls_port,
        key_port,
        log,
    };
    let started = Instant::now();
    for port in [mtls_port, key_port] {
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "nginx did not start: {}",
                std::fs::read_to_string(&door.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    door
}

fn env_mtls(port: u16, pki: &Pki, cert: &Path, key: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("TEMPORAL_ADDRESS", format!("127.0.0.1:{port}")),
        ("TEMPORAL_TLS_CERT", cert.display().to_string()),
        ("TEMPORAL_TLS_KEY", key.display().to_string()),
        ("TEMPORAL_TLS_CA", pki.ca.display().to_string()),
        ("TEMPORAL_TLS_SERVER_NAME", "localhost".into()),
    ]
}

fn env_key(port: u16, pki: &Pki, key: &str) -> Vec<(&'static str, String)> {
    vec![
        ("TEMPORAL_ADDRESS", format!("127.0.0.1:{port}")),
        ("TEMPORAL_API_KEY", key.into()),
        ("TEMPORAL_TLS_CA", pki.ca.display().to_string()),
        ("TEMPORAL_TLS_SERVER_NAME", "localhost".into()),
    ]
}

/// `atg-starter ARGS` with `env`: exit code, stdout, stderr.
fn starter(q: &str, env: &[(&str, String)], args: &[&str]) -> (i32, String, String) {
    let out = Command::new(starter_bin())
        .env("TEMPORAL_TASK_QUEUE", q)
        .env_remove("TEMPORAL_API_KEY")
        .env_remove("TEMPORAL_TLS_CERT")
        .env_remove("TEMPORAL_TLS_KEY")
        .env_remove("RUST_LOG")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A worker binary through the front door, and a run started through it too.
fn run_through(server: &TestServer, q: &str, env: Vec<(&'static str, String)>, config: &Path) {
    let mut worker_env = env.clone();
    worker_env.push(("ATG_CONFIG_DIR", std::env::temp_dir().display().to_string()));
    let mut worker = spawn_worker_process(server, q, &worker_env);
    let (code, out, err) = starter(
        q,
        &env,
        &[
            "--config",
            config.to_str().unwrap(),
            "--as-of",
            Mirror::AS_OF,
        ],
    );
    let _ = worker.kill();
    let worker_out = worker.wait_with_output().unwrap();
    assert_eq!(
        code,
        0,
        "{out}{err}\nworker: {}",
        String::from_utf8_lossy(&worker_out.stderr)
    );
    assert!(
        out.contains(&format!("📊 Found {} events", Mirror::WEEK_EVENTS)),
        "{out}"
    );
    let log = String::from_utf8_lossy(&worker_out.stderr);
    assert!(!log.contains(API_KEY), "the API key is in the worker's log");
}

/// A refused connection: exit 1, one line on stderr, no secret in it.
fn refused(q: &str, env: &[(&str, String)], what: &str) -> String {
    let (code, out, err) = starter(q, env, &[]);
    assert_eq!(code, 1, "{what}: {out}{err}");
    // The start-up block, then one line that says what went wrong.
    let failures: Vec<&str> = err.lines().filter(|l| l.starts_with("❌")).collect();
    assert_eq!(failures.len(), 1, "{what}: {err}");
    assert!(!err.contains(API_KEY), "{err}");
    failures[0].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_and_starter_through_an_mtls_and_an_api_key_front_door() {
    let Some(nginx) = nginx() else {
        panic!("this test needs Debian's nginx (apt-get install nginx); .ci/run installs it");
    };
    let server = TestServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let pki = pki(tmp.path());
    let door = front_door(&nginx, tmp.path(), &pki, &server.address());
    let mirror = Mirror::start(Duration::ZERO).await;
    let config = write_config(tmp.path(), &mirror.config());

    // mTLS with our client certificate: the worker polls and the run completes.
    let good_mtls = env_mtls(door.mtls_port, &pki, &pki.client_cert, &pki.client_key);
    tokio::task::block_in_place(|| run_through(&server, &queue("mtls"), good_mtls, &config));
    // An API key, checked by the front door.
    let good_key = env_key(door.key_port, &pki, API_KEY);
    tokio::task::block_in_place(|| run_through(&server, &queue("apikey"), good_key, &config));

    // A certificate from someone else's CA, and a wrong key: refused, each in one line.
    let rogue = env_mtls(door.mtls_port, &pki, &pki.rogue_cert, &pki.rogue_key);
    let err = refused(&queue("rogue"), &rogue, "rogue certificate");
    assert!(
        err.starts_with("❌ Starter failed: the Temporal server at ")
            && err.contains("did not accept the connection"),
        "{err}"
    );
    let err = refused(
        &queue("wrongkey"),
        &env_key(door.key_port, &pki, "not-the-key"),
        "wrong API key",
    );
    assert!(
        err.contains("did not accept the connection (not authenticated"),
        "{err}"
    );
    // A client that does not trust the server's CA refuses the server.
    let mut untrusting = env_key(door.key_port, &pki, API_KEY);
    untrusting.retain(|(k, _)| *k != "TEMPORAL_TLS_CA");
    let err = refused(&queue("untrusted"), &untrusting, "unknown server CA");
    assert!(
        err.contains("the server's certificate is not trusted"),
        "{err}"
    );

    // The worker with a wrong key stops at once with the same one line.
    let mut bad = env_key(door.key_port, &pki, "not-the-key");
    bad.push(("ATG_CONNECT_WAIT", "0".into()));
    let out = spawn_worker_process(&server, &queue("badworker"), &bad)
        .wait_with_output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("did not accept the connection (not authenticated"),
        "{err}"
    );
    drop(door);
}
