//! A smart-HTTP remote that needs a token: `git http-backend` behind a small server that
//! answers 401 unless the request carries Basic credentials whose password is the token.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use atg_deploy::{Deployed, deploy_site};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use base64::Engine;
use tokio::io::AsyncWriteExt;

use crate::support::*;

const TOKEN: &str = "ghs_TestInstallationToken0123456789";

#[derive(Clone)]
struct Backend {
    root: PathBuf,
    authorized: Arc<Mutex<u32>>,
    /// Requests whose path and query contain this never get an answer.
    hang_on: Option<&'static str>,
}

fn authorized(headers: &HeaderMap) -> bool {
    let Some(v) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some(b64) = v.strip_prefix("Basic ") else {
        return false;
    };
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(b64) else {
        return false;
    };
    String::from_utf8(raw).is_ok_and(|s| s.split_once(':').is_some_and(|(_, p)| p == TOKEN))
}

async fn cgi(
    State(b): State<Backend>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !authorized(&headers) {
        return Response::builder()
            .status(StatusCode::UNAUTHORIZED)
            .header("www-authenticate", "Basic realm=\"git\"")
            .body(Body::empty())
            .unwrap();
    }
    *b.authorized.lock().unwrap() += 1;
    let request = format!("{}?{}", uri.path(), uri.query().unwrap_or(""));
    if b.hang_on.is_some_and(|h| request.contains(h)) {
        tokio::time::sleep(std::time::Duration::from_secs(600)).await;
    }
    let h = |k: &str| {
        headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let mut child = tokio::process::Command::new("git")
        .arg("http-backend")
        .env("GIT_PROJECT_ROOT", &b.root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("REMOTE_USER", "deployer")
        .env("REQUEST_METHOD", method.as_str())
        .env("PATH_INFO", uri.path())
        .env("QUERY_STRING", uri.query().unwrap_or(""))
        .env("CONTENT_TYPE", h("content-type"))
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("HTTP_CONTENT_ENCODING", h("content-encoding"))
        .env("GIT_PROTOCOL", h("git-protocol"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&body).await.unwrap();
    drop(stdin);
    let out = child.wait_with_output().await.unwrap();
    let split = out
        .stdout
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| {
            out.stdout
                .windows(2)
                .position(|w| w == b"\n\n")
                .map(|i| (i, 2))
        })
        .unwrap();
    let head = String::from_utf8_lossy(&out.stdout[..split.0]).to_string();
    let mut resp = Response::builder();
    for line in head.lines() {
        let (k, v) = line.split_once(':').unwrap();
        if k.eq_ignore_ascii_case("status") {
            resp = resp.status(v.trim()[..3].parse::<u16>().unwrap());
        } else {
            resp = resp.header(k.trim(), v.trim());
        }
    }
    resp.body(Body::from(out.stdout[split.0 + split.1..].to_vec()))
        .unwrap()
}

async fn serve(root: &Path) -> (String, Arc<Mutex<u32>>) {
    serve_hanging(root, None).await
}

async fn serve_hanging(root: &Path, hang_on: Option<&'static str>) -> (String, Arc<Mutex<u32>>) {
    let state = Backend {
        root: root.to_path_buf(),
        authorized: Arc::default(),
        hang_on,
    };
    let counter = state.authorized.clone();
    let app = axum::Router::new().fallback(cgi).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/site.git"), counter)
}

fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p)
            } else {
                out.push(p)
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn pushes_only_with_the_token_and_leaves_it_nowhere() {
    let tmp = tempfile::tempdir().unwrap();
    let remote = bare_remote(tmp.path(), true);
    git(&remote, &["config", "http.receivepack", "true"]);
    let (url, authorized) = serve(tmp.path()).await;

    // Without the token: refused, with a message that says where.
    let url2 = url.clone();
    let e = tokio::task::spawn_blocking(move || {
        deploy_site(&job(&url2, "main", None, 1), &site(&["A"], "x"))
    })
    .await
    .unwrap()
    .unwrap_err();
    assert!(e.to_string().contains(&url), "{e}");
    assert_eq!(commits(&remote, "main"), ["seed"]);

    // With it: fetched and pushed; the clone is kept so it can be searched.
    let work = tmp.path().join("work");
    let mut j = job(&url, "main", Some(TOKEN), 2);
    j.workdir = Some(work.clone());
    let done = tokio::task::spawn_blocking(move || deploy_site(&j, &site(&["A"], "x")))
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(done, Deployed::Committed { .. }), "{done:?}");
    assert_eq!(commits(&remote, "main").len(), 2);
    assert!(
        *authorized.lock().unwrap() >= 2,
        "fetch and push both authenticated"
    );

    let files = all_files(&work);
    assert!(
        files.iter().any(|p| p.ends_with("config")),
        "the clone has a .git config: {files:?}"
    );
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(TOKEN),
            "{} contains the token",
            f.display()
        );
        let b64 =
            base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{TOKEN}"));
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&b64),
            "{} contains the encoded token",
            f.display()
        );
    }
}

fn hung_job(url: &str, seconds: u64) -> atg_deploy::GitDeploy {
    let mut j = job(url, "main", Some(TOKEN), 3);
    j.timeout = std::time::Duration::from_secs(seconds);
    j
}

/// A seeded remote behind the token server, never answering requests that contain `hang_on`.
async fn hanging_remote(hang_on: &'static str) -> (tempfile::TempDir, PathBuf, String) {
    let tmp = tempfile::tempdir().unwrap();
    let remote = bare_remote(tmp.path(), true);
    git(&remote, &["config", "http.receivepack", "true"]);
    let (url, _) = serve_hanging(tmp.path(), Some(hang_on)).await;
    (tmp, remote, url)
}

/// The deploy's error, off the async runtime.
async fn deploy_error(j: atg_deploy::GitDeploy) -> atg_deploy::GitError {
    tokio::task::spawn_blocking(move || deploy_site(&j, &site(&["A"], "x")))
        .await
        .unwrap()
        .unwrap_err()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_push_that_never_finishes_is_stopped_and_lands_nothing() {
    // The fetch works; the push's upload (POST …/git-receive-pack) is never answered.
    let (_tmp, remote, url) = hanging_remote("/git-receive-pack?").await;
    let started = std::time::Instant::now();
    let e = deploy_error(hung_job(&url, 3)).await;
    assert!(
        matches!(
            e,
            atg_deploy::GitError::TimedOut {
                step: "pushing to",
                ..
            }
        ),
        "{e}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert!(!e.to_string().contains(TOKEN), "{e}");
    // Well after the deadline, the branch is still where it was.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(commits(&remote, "main"), ["seed"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fetch_that_never_answers_is_given_up_on_and_a_cancelled_deploy_never_pushes() {
    let (_tmp, remote, url) = hanging_remote("service=git-upload-pack").await;
    let e = deploy_error(hung_job(&url, 2)).await;
    assert!(
        matches!(
            e,
            atg_deploy::GitError::TimedOut {
                step: "fetching",
                ..
            }
        ),
        "{e}"
    );

    // Cancelled while it waits: it stops at once, well before its own deadline.
    let j = hung_job(&url, 60);
    let cancel = j.cancel.clone();
    let started = std::time::Instant::now();
    let run = tokio::spawn(deploy_error(j));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    cancel.store(true, std::sync::atomic::Ordering::SeqCst);
    let e = run.await.unwrap();
    assert!(matches!(e, atg_deploy::GitError::Cancelled(_)), "{e}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(commits(&remote, "main"), ["seed"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_written_into_the_url_is_taken_out_and_used_only_there() {
    let tmp = tempfile::tempdir().unwrap();
    let remote = bare_remote(tmp.path(), true);
    git(&remote, &["config", "http.receivepack", "true"]);
    let (url, authorized) = serve(tmp.path()).await;
    let with_token = url.replacen("http://", &format!("http://x-access-token:{TOKEN}@"), 1);
    let mut settings = atg_deploy::GitSettings::from_env(Some(with_token), None, |_| None).unwrap();
    // Nothing that is printed, logged or passed to `git push` carries it.
    assert_eq!(settings.target.url, url);
    assert!(
        !settings.summary().contains(TOKEN),
        "{}",
        settings.summary()
    );
    assert!(!format!("{settings:?}").contains(TOKEN));
    let work = tmp.path().join("work");
    settings.workdir = Some(work.clone());
    let now = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 25, 20, 0, 0).unwrap();
    let done = atg_deploy::deploy(&settings, std::sync::Arc::new(site(&["A"], "x")), now)
        .await
        .unwrap();
    assert!(matches!(done, Deployed::Committed { .. }), "{done:?}");
    assert!(*authorized.lock().unwrap() >= 2);
    for f in all_files(&work) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).to_string();
        assert!(!text.contains(TOKEN), "{} contains the token", f.display());
    }
    // The same settings against another port of this machine: the token stays home.
    let port: u16 = url
        .trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    settings.target.url = url.replace(&port.to_string(), &port.wrapping_add(1).to_string());
    assert!(settings.credential_allowed().is_err());
    assert!(settings.token(now).await.unwrap().is_none());
}
