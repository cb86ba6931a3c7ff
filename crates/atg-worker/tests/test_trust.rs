//! The worker's operator is the trust boundary: a hostile starter cannot send the worker's
//! token to a host of its choosing, nor make it read a file outside its config directory.

use std::io::Read;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use atg_deploy::ORIGINAL_DEFAULT_REPOSITORY;
use atg_scrapers::testkit::Mirror;
use atg_workflows::WorkflowParams;
use atg_workflows::starter::start;
use base64::Engine;

use crate::support::*;

const TOKEN: &str = "ghp_WorkerOwnToken0123456789abcdef";

/// A listener standing in for the attacker's host: it accepts connections, records every byte
/// it is sent and never answers.
fn attacker() -> (String, Arc<Mutex<Vec<u8>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let sink = sink.clone();
            std::thread::spawn(move || {
                conn.set_read_timeout(Some(Duration::from_secs(30))).ok();
                let mut buf = [0u8; 4096];
                while let Ok(n) = conn.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    sink.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            });
        }
    });
    (format!("http://{addr}"), seen)
}

fn leaked(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{TOKEN}"));
    text.contains(TOKEN) || text.contains(&basic)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_starter_cannot_steer_the_workers_credentials() {
    let server = TestServer::start();
    let q = queue("trust");
    let mirror = Mirror::start(Duration::ZERO).await;
    let tmp = tempfile::tempdir().unwrap();
    let (params, own_repo) = deploy_params(tmp.path(), &mirror.config());
    let (evil, evil_seen) = attacker();
    // A second listener the operator did allow (say, a mirror on another host): the token,
    // which is for the worker's own repository, must not go there either.
    let (allowed, allowed_seen) = attacker();
    let allowed_repo = format!("{allowed}/mirror.git");
    let mut env = trust_env(&own_repo);
    env.extend([
        ("GITHUB_TOKEN", TOKEN.to_string()),
        ("ATG_ALLOWED_REPOSITORIES", allowed_repo.clone()),
        ("ATG_GIT_TIMEOUT", "3".to_string()),
    ]);
    let mut worker = spawn_worker_process(&server, &q, &env);
    let client = server.client().await;
    let run = |id: &'static str, p: WorkflowParams| {
        let (client, q) = (&client, &q);
        async move { start(client, q, id, p, true).await.unwrap().1.unwrap() }
    };

    // 1. A repository the operator never allowed: not deployed, and nothing is sent there.
    let hostile = WorkflowParams {
        git_repository_url: Some(format!("{evil}/steal.git")),
        ..params.clone()
    };
    let r = run("trust-evil", hostile).await;
    assert!(r.success && !r.deployed, "{r:?}");
    assert!(
        r.message
            .contains("is not a repository this worker publishes to"),
        "{}",
        r.message
    );
    assert!(
        evil_seen.lock().unwrap().is_empty(),
        "the attacker was contacted"
    );

    // 2. An allowed repository on another host: the run may try it, but without the token.
    let r = run(
        "trust-allowed",
        WorkflowParams {
            git_repository_url: Some(allowed_repo.clone()),
            ..params.clone()
        },
    )
    .await;
    assert!(!r.deployed, "{r:?}");
    let seen = allowed_seen.lock().unwrap().clone();
    assert!(!seen.is_empty(), "the allowed repository was tried");
    assert!(!leaked(&seen), "the token went to another host");

    // 3. A file outside the worker's config directory is not read.
    let r = run(
        "trust-passwd",
        WorkflowParams {
            config_path: Some("/etc/passwd".into()),
            ..params.clone()
        },
    )
    .await;
    assert!(!r.success);
    assert_eq!(
        r.message,
        "Workflow failed: config_path \"/etc/passwd\": outside the worker's config directory"
    );

    // 4. The original's starter sends its built-in default URL: that means the worker's own.
    let r = run(
        "trust-original",
        WorkflowParams {
            git_repository_url: Some(ORIGINAL_DEFAULT_REPOSITORY.into()),
            ..params
        },
    )
    .await;
    assert!(r.deployed, "{r:?}");
    assert_eq!(commit_count(&own_repo), 1);

    assert!(evil_seen.lock().unwrap().is_empty());
    worker.kill().unwrap();
    let out = worker.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(!log.contains(TOKEN), "the token is in the worker's log");
}
