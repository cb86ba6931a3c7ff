//! The trust boundary against anyone who can write to the namespace (issue N2), tried as an
//! outsider would, with the `temporal` CLI: a forged completion, activities started on their
//! own, a token in a config, a config directory's links and FIFOs. Each is refused, and nothing
//! is published or sent.

use std::time::Duration;

use atg_scrapers::testkit::Mirror;
use atg_workflows::WorkflowParams;
use atg_workflows::starter::start;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

/// The id of the first activity of `kind` a history scheduled.
fn activity_id(events: &[serde_json::Value], kind: &str) -> Option<String> {
    events.iter().find_map(|e| {
        let a = e["attributes"].get("ActivityTaskScheduledEventAttributes")?;
        (a["activity_type"]["name"] == kind).then(|| a["activity_id"].as_str().unwrap().to_string())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_completion_of_a_scrape_is_never_published() {
    let server = TestServer::start();
    let q = queue("forged");
    // One brewery whose page takes its time: long enough to complete its scrape for it.
    let slow = MockServer::start().await;
    Mock::given(path("/cal.ics"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(atg_scrapers::testkit::ics_feed(&[]))
                .set_delay(Duration::from_secs(8)),
        )
        .mount(&slow)
        .await;
    let tmp = tempfile::tempdir().unwrap();
    let config = serde_json::json!({"breweries": [
        {"key": "slow", "name": "Slow Brewing", "parser": "ical", "url": format!("{}/cal.ics", slow.uri())}
    ]});
    let (params, repo) = deploy_params(tmp.path(), &config.to_string());
    let (shutdown, worker) = spawn_worker_trusting(&server, &q, trusting(&[&repo])).await;
    let client = server.client().await;
    let started = {
        let (client, q, params) = (client.clone(), q.clone(), params.clone());
        tokio::spawn(async move { start(&client, &q, "forged", params, true).await })
    };
    // Wait for the scrape to be scheduled, then complete it as an outsider would, with a
    // truck of their own making (shaped like the real thing, and plainly).
    let mut id = None;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if let Ok(events) =
            tokio::time::timeout(Duration::from_secs(5), history(&client, "forged")).await
        {
            id = activity_id(&events, "scrape_range");
            if id.is_some() {
                break;
            }
        }
    }
    let id = id.expect("the scrape was scheduled");
    let forged_body = serde_json::json!({
        "first": 0, "config_digest": "x", "as_of": Mirror::AS_OF,
        "results": [[{"key": "slow", "name": "Slow Brewing"},
                     {"events": [{"brewery_key": "slow", "brewery_name": "Slow Brewing",
                                  "food_truck_name": "Forged Tacos", "date": Mirror::AS_OF,
                                  "start_time": null, "end_time": null, "description": null,
                                  "ai_generated_name": false}], "error": null}]]
    });
    let forged = serde_json::json!({
        "purpose": "scrape", "body": forged_body.to_string(), "seal": "00".repeat(32)
    });
    let (ok, out, err) = temporal(
        &server,
        &[
            "activity",
            "complete",
            "--workflow-id",
            "forged",
            "--activity-id",
            &id,
            "--result",
            &forged.to_string(),
        ],
    )
    .await;
    assert!(ok, "{out}{err}");
    let (_, result) = started.await.unwrap().unwrap();
    let r = result.unwrap();
    // The workflow saw the forged truck; the publish step refused it, and said why.
    assert!(!r.deployed, "{r:?}");
    assert!(
        r.message.contains("Not deployed: not published:")
            && r.message.contains("seal does not verify"),
        "{r:?}"
    );
    assert_eq!(commit_count(&repo), 0, "nothing was committed");
    shutdown();
    worker.await_stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activities_started_on_their_own_read_nothing_and_publish_nothing() {
    let server = TestServer::start();
    let q = queue("standalone");
    let own = format!("{q}-atg");
    // A page on this machine that only the operator's own services may read.
    let secret = MockServer::start().await;
    Mock::given(path("/secret"))
        .respond_with(ResponseTemplate::new(200).set_body_string("the internal secret"))
        .mount(&secret)
        .await;
    let tmp = tempfile::tempdir().unwrap();
    let repo = bare_repo(tmp.path());
    let (shutdown, worker) = spawn_worker_trusting(&server, &q, trusting(&[&repo])).await;
    let execute = |kind: &'static str, queue: String, input: serde_json::Value| {
        let server = &server;
        async move {
            temporal(
                server,
                &[
                    "activity",
                    "execute",
                    "--activity-id",
                    &format!("outsider-{kind}"),
                    "--type",
                    kind,
                    "--task-queue",
                    &queue,
                    "--start-to-close-timeout",
                    "30s",
                    "--input",
                    &input.to_string(),
                ],
            )
            .await
        }
    };

    // The original's scrape, handed a brewery whose address is the secret page: the worker
    // scrapes its own entry of that key (none here), never the address it was handed.
    let evil = serde_json::json!({"key": "not-ours", "name": "Evil", "url": format!("{}/secret", secret.uri()),
                                  "parser": "ical", "parser_config": {}});
    let (_, out, err) = execute("scrape_single_brewery", q.clone(), evil.clone()).await;
    assert!(
        out.contains("is not in this worker's own configuration"),
        "{out}{err}"
    );
    assert!(!out.contains("the internal secret"), "{out}");
    let (_, out, err) = execute(
        "scrape_breweries",
        own.clone(),
        serde_json::json!({"breweries": [evil], "as_of": Mirror::AS_OF}),
    )
    .await;
    assert!(
        out.contains("is not in this worker's own configuration"),
        "{out}{err}"
    );
    assert!(
        secret.received_requests().await.unwrap().is_empty(),
        "the secret page was fetched"
    );

    // This port's own steps run only inside a run.
    let (ok, out, err) = execute(
        "scrape_range",
        own.clone(),
        serde_json::json!({"config_path": null, "config_digest": "x", "first": 0, "count": 1, "as_of": Mirror::AS_OF}),
    )
    .await;
    assert!(
        !ok && format!("{out}{err}").contains("runs only as a step of a FoodTruckWorkflow run"),
        "{out}{err}"
    );
    let (ok, out, err) = execute(
        "publish_run",
        own.clone(),
        serde_json::json!({"config_path": null, "config_digest": "x", "as_of": Mirror::AS_OF,
                           "repository_url": repo.display().to_string()}),
    )
    .await;
    assert!(
        !ok && format!("{out}{err}").contains("runs only as a step of a FoodTruckWorkflow run"),
        "{out}{err}"
    );

    // The original's deploy, handed a data.json of the caller's making: not without the
    // operator's opt-in.
    let forged = {
        use atg_pipeline::core::{BreweryRef, FoodTruckEvent, Schedule, SiteRef};
        let day = chrono::NaiveDate::from_ymd_opt(2025, 7, 30).unwrap();
        let b = BreweryRef {
            key: "evil".into(),
            name: "Evil".into(),
        };
        let truck = FoodTruckEvent::new("evil", "Evil", "Forged Tacos", day);
        let schedule = Schedule::merge(SiteRef::original(), day, [(b, Ok(vec![truck]))]);
        atg_pipeline::web::WebData::new(&schedule, None, chrono::Utc::now())
    };
    let web_data = serde_json::to_value(&forged).unwrap();
    let (ok, out, err) = execute(
        "deploy_to_git",
        q.clone(),
        serde_json::json!({"web_data": web_data, "repository_url": repo.display().to_string()}),
    )
    .await;
    assert!(!ok && (out + &err).contains("ATG_LEGACY_ACTIVITIES=on"));
    assert_eq!(commit_count(&repo), 0);
    shutdown();
    worker.await_stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_in_a_configs_repository_never_reaches_the_history() {
    const TOKEN: &str = "ghp_ConfigWrittenToken0123456789";
    let server = TestServer::start();
    let q = queue("token-in-config");
    let mirror = Mirror::start(Duration::ZERO).await;
    let tmp = tempfile::tempdir().unwrap();
    // The repository is a port nothing listens on: the deploy fails, which does not matter.
    let plain = "http://127.0.0.1:9/site.git";
    let mut cfg: serde_json::Value = serde_json::from_str(&mirror.config()).unwrap();
    cfg["publish"] = serde_json::json!({"repository": format!("http://x-access-token:{TOKEN}@127.0.0.1:9/site.git")});
    let config = write_config(tmp.path(), &cfg.to_string());
    let trust = atg_workflows::activities::WorkerTrust {
        config_dir: Some(std::env::temp_dir()),
        repositories: atg_deploy::RepositoryPolicy {
            own: None,
            allowed: vec![plain.into()],
        },
    };
    let (shutdown, worker) = spawn_worker_trusting(&server, &q, trust).await;
    let client = server.client().await;
    let params = WorkflowParams {
        config_path: Some(config.display().to_string()),
        deploy: true,
        as_of: Some(Mirror::AS_OF.into()),
        ..WorkflowParams::default()
    };
    let (_, result) = start(&client, &q, "token-in-config", params, true)
        .await
        .unwrap();
    let r = result.unwrap();
    assert!(!r.deployed, "{r:?}");
    let texts = payload_texts(&history(&client, "token-in-config").await);
    assert!(!texts.is_empty());
    assert!(
        texts.iter().all(|t| !t.contains(TOKEN)),
        "the token is in the history"
    );
    assert!(!r.message.contains(TOKEN), "{r:?}");
    shutdown();
    worker.await_stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_directory_gives_only_its_own_regular_files() {
    let server = TestServer::start();
    let q = queue("config-dir");
    let mirror = Mirror::start(Duration::ZERO).await;
    let root = tempfile::tempdir().unwrap();
    let allowed = root.path().join("configs");
    std::fs::create_dir(&allowed).unwrap();
    std::fs::write(allowed.join("a.json"), mirror.config()).unwrap();
    // A file outside the directory, linked into it.
    let outside = root.path().join("outside.json");
    std::fs::write(&outside, r#"{"private": "outside-content-4242"}"#).unwrap();
    std::os::unix::fs::symlink(&outside, allowed.join("b.json")).unwrap();
    let trust = atg_workflows::activities::WorkerTrust {
        config_dir: Some(allowed.clone()),
        ..Default::default()
    };
    let (shutdown, worker) = spawn_worker_trusting(&server, &q, trust).await;
    let client = server.client().await;
    let run = |id: &'static str, path: &'static str| {
        let (client, q) = (client.clone(), q.clone());
        async move {
            let params = WorkflowParams {
                config_path: Some(path.into()),
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
    let r = run("dir-with-link", ".").await;
    assert!(!r.success, "{r:?}");
    assert!(
        r.message.contains("b.json") && r.message.contains("outside the worker's config directory"),
        "{r:?}"
    );
    assert!(!format!("{r:?}").contains("outside-content-4242"), "{r:?}");
    std::fs::remove_file(allowed.join("b.json")).unwrap();

    // A FIFO: refused without opening it (an open would block for ever), and the next run,
    // which needs the one config-read permit, is not held up.
    nix::unistd::mkfifo(&allowed.join("fifo.json"), nix::sys::stat::Mode::S_IRWXU).unwrap();
    let started = std::time::Instant::now();
    let r = run("fifo", "fifo.json").await;
    assert!(
        !r.success && r.message.contains("is not a regular file"),
        "{r:?}"
    );
    std::fs::remove_file(allowed.join("fifo.json")).unwrap();
    let r = run("after-the-fifo", "a.json").await;
    assert!(r.success, "{r:?}");
    assert!(started.elapsed() < Duration::from_secs(30));
    shutdown();
    worker.await_stop().await;
}
