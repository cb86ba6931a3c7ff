//! `--deploy` against real git repositories.

use std::time::Duration;

use base64::Engine;

use atg_deploy::testkit::{bare_repo, commit_count, git};
use atg_scrapers::testkit::Mirror;

use crate::test_cli::{run_with_env, write_config};

const TOKEN: &str = "ghp_ThisMustNeverBeLogged0123456789";

#[tokio::test(flavor = "multi_thread")]
async fn deploy_commits_once_and_then_only_when_the_schedule_changes() {
    let mirror = Mirror::start(Duration::ZERO).await;
    let cfg = write_config("deploy", &mirror.config());
    let tmp = tempfile::tempdir().unwrap();
    let remote = bare_repo(tmp.path());
    let repo = remote.to_str().unwrap();
    let env = [
        ("GITHUB_TOKEN", TOKEN),
        ("GIT_AUTHOR_NAME", "Schedule Bot"),
        ("GIT_AUTHOR_EMAIL", "bot@example.test"),
        ("RUST_LOG", "trace"),
    ];

    let r = run_with_env(
        &[
            "--config",
            cfg.to_str().unwrap(),
            "--as-of",
            Mirror::AS_OF,
            "--deploy",
            "--git-repo",
            repo,
            "--verbose",
        ],
        &env,
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains(&format!("🚀 Deployed to {repo} (main): commit ")),
        "{}",
        r.stdout
    );
    assert_eq!(commit_count(&remote), 1);
    let files = git(&remote, &["ls-tree", "-r", "--name-only", "main"]);
    for f in [
        "public/index.html",
        "public/app.js",
        "public/style.css",
        "public/data.json",
        "public/events.ics",
        "public/events-obec-brewing.ics",
    ] {
        assert!(files.lines().any(|l| l == f), "{f} in {files}");
    }
    let log = git(&remote, &["log", "-1", "--format=%an <%ae>|%s", "main"]);
    assert!(
        log.starts_with("Schedule Bot <bot@example.test>|🚚 Update food truck data - "),
        "{log}"
    );
    assert!(
        git(&remote, &["show", "main:public/data.json"])
            .contains(&format!("\"total_events\": {}", Mirror::WEEK_EVENTS))
    );
    // The token reached no log line and no output, even at trace level.
    assert!(!r.stderr.contains(TOKEN) && !r.stdout.contains(TOKEN));
    assert!(
        r.stderr.contains("token ghp_…"),
        "the masked summary is logged: {}",
        r.stderr
    );

    // Same schedule again (a new `updated`): the page, data.json and feeds are the same; only
    // health.json's count of runs without trucks (Lucky Envelope has none in the mirror)
    // rises, a commit of health.json alone each time, until it reaches stale_after (3). Then
    // nothing changes and nothing is committed.
    let same = [
        "--config",
        cfg.to_str().unwrap(),
        "--as-of",
        Mirror::AS_OF,
        "--deploy",
        "--git-repo",
        repo,
    ];
    let again = || run_with_env(&same, &env);
    for n in 2..=3 {
        let r = again().await;
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(commit_count(&remote), n);
        assert_eq!(
            git(&remote, &["diff", "--name-only", "main~1", "main"]).trim(),
            "public/health.json"
        );
    }
    let r = again().await;
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("No changes to deploy"), "{}", r.stdout);
    assert_eq!(commit_count(&remote), 3);
    let health: serde_json::Value =
        serde_json::from_str(&git(&remote, &["show", "main:public/health.json"])).unwrap();
    let lucky = health["breweries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["key"] == "lucky-envelope")
        .unwrap();
    assert_eq!(lucky["runs_without_events"], 3);
    assert_eq!(
        lucky["stale"], false,
        "it never had trucks: nothing to flag"
    );

    // Another day's schedule: exactly one more commit. (The mirror serves Saleh's week of
    // 07-30 only, so this run is partial: it still publishes what it found.)
    let r = run_with_env(
        &[
            "--config",
            cfg.to_str().unwrap(),
            "--as-of",
            "2025-07-31",
            "--deploy",
            "--git-repo",
            repo,
        ],
        &env,
    )
    .await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(commit_count(&remote), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_where_everything_failed_leaves_the_remote_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let remote = bare_repo(tmp.path());
    let down = write_config(
        "deploy-down",
        r#"{"breweries":[{"key":"obec-brewing","name":"Obec Brewing","url":"http://127.0.0.1:9/"}]}"#,
    );
    let r = run_with_env(
        &[
            "--config",
            down.to_str().unwrap(),
            "--deploy",
            "--max-attempts",
            "1",
        ],
        &[("GIT_REPOSITORY_URL", remote.to_str().unwrap())],
    )
    .await;
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("nothing was deployed"), "{}", r.stdout);
    assert_eq!(commit_count(&remote), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn deploy_needs_a_repository_and_a_usable_key() {
    let r = run_with_env(&["--config", "/dev/null", "--deploy"], &[]).await;
    assert_eq!(r.code, 1);
    let cfg = write_config("deploy-norepo", r#"{"breweries": []}"#);
    let r = run_with_env(&["--config", cfg.to_str().unwrap(), "--deploy"], &[]).await;
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr.trim(),
        "error: deploying needs a target repository: pass --git-repo URL or set GIT_REPOSITORY_URL"
    );
    let r = run_with_env(
        &[
            "--config",
            cfg.to_str().unwrap(),
            "--deploy",
            "--git-repo",
            "https://github.com/a/b",
        ],
        &[
            ("GITHUB_APP_ID", "1"),
            ("GITHUB_APP_PRIVATE_KEY_B64", "bm90IGEga2V5"),
        ],
    )
    .await;
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .starts_with("error: GITHUB_APP_PRIVATE_KEY_B64: not a usable RSA private key"),
        "{}",
        r.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_deploy_is_reported_and_fails_the_run() {
    let mirror = Mirror::start(Duration::ZERO).await;
    let cfg = write_config("deploy-fail", &mirror.config());
    let r = run_with_env(
        &[
            "--config",
            cfg.to_str().unwrap(),
            "--as-of",
            Mirror::AS_OF,
            "--deploy",
            "--git-repo",
            "/nonexistent/site.git",
        ],
        &[],
    )
    .await;
    assert_eq!(
        r.code, 1,
        "every brewery answered, but the deploy asked for failed"
    );
    assert!(
        r.stderr
            .contains("❌ Deploy failed: cannot fetch /nonexistent/site.git"),
        "{}",
        r.stderr
    );
}

/// A site's `publish.repository` names a host the operator never named (`--git-repo`,
/// `GIT_REPOSITORY_URL`): the deploy goes there, the operator's `GITHUB_TOKEN` does not.
#[tokio::test(flavor = "multi_thread")]
async fn the_operators_token_goes_only_to_the_host_the_operator_named() {
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = seen.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let sink = sink.clone();
            std::thread::spawn(move || {
                conn.set_read_timeout(Some(Duration::from_secs(10))).ok();
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
    let mirror = Mirror::start(Duration::ZERO).await;
    let mut cfg: serde_json::Value = serde_json::from_str(&mirror.config()).unwrap();
    cfg["publish"] = serde_json::json!({"repository": format!("http://{addr}/site.git")});
    let cfg = write_config("token-scope", &cfg.to_string());
    let r = run_with_env(
        &[
            "--config",
            cfg.to_str().unwrap(),
            "--as-of",
            Mirror::AS_OF,
            "--deploy",
        ],
        &[("GITHUB_TOKEN", TOKEN), ("ATG_GIT_TIMEOUT", "3")],
    )
    .await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("❌ Deploy failed"), "{}", r.stderr);
    let sent = String::from_utf8_lossy(&seen.lock().unwrap()).into_owned();
    assert!(!sent.is_empty(), "the deploy went to the site's repository");
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{TOKEN}"));
    assert!(
        !sent.contains(TOKEN) && !sent.contains(&basic),
        "the token went to a host only the config named: {sent}"
    );
    assert!(!r.stderr.contains(TOKEN) && !r.stdout.contains(TOKEN));
}
