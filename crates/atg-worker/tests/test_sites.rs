//! Sites in the workflow: one schedule per site from one config, each in its zone and to its
//! repository (only as the worker's operator allows), and a brewery gone silent counted in
//! the worker's Prometheus metrics.

use atg_deploy::testkit::{bare_repo, commit_count, git};
use atg_scrapers::testkit::{HealthCalendars, Mirror, TwoSites};
use atg_workflows::WorkflowParams;
use atg_workflows::starter::start;
use atg_workflows::worker::WorkerSettings;
use serde_json::Value;

use atg_workflows::activities::ActivitySettings;

use crate::support::*;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_site_of_a_config_runs_in_its_zone_and_publishes_to_its_repository() {
    let server = TestServer::start();
    let q = queue("sites");
    let feed = TwoSites::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    for d in [&a, &b, &c] {
        std::fs::create_dir_all(d).unwrap();
    }
    let (seattle, new_york, elsewhere) = (bare_repo(&a), bare_repo(&b), bare_repo(&c));
    let config = write_config(
        tmp.path(),
        &feed.config(seattle.to_str().unwrap(), new_york.to_str().unwrap()),
    );
    let (shutdown, worker) =
        spawn_worker_trusting(&server, &q, trusting(&[&seattle, &new_york])).await;
    let client = server.client().await;
    let params = |site: Option<&str>| WorkflowParams {
        config_path: Some(config.display().to_string()),
        deploy: true,
        as_of: Some(Mirror::AS_OF.into()),
        site: site.map(str::to_string),
        ..WorkflowParams::default()
    };

    for (site, id) in [("seattle", "wf-site-sea"), ("new-york", "wf-site-nyc")] {
        let (_, result) = start(&client, &q, id, params(Some(site)), true)
            .await
            .unwrap();
        let r = result.unwrap();
        assert!(r.success && r.deployed, "{site}: {r:?}");
    }
    let data = json(&git(&seattle, &["show", "main:public/data.json"]));
    assert_eq!(data["site"]["key"], "seattle");
    assert_eq!(data["events"][0]["start_time"], "1:00 PM PT");
    assert_eq!(data["events"].as_array().unwrap().len(), 1);
    let data = json(&git(&new_york, &["show", "main:data.json"]));
    assert_eq!(data["site"]["key"], "new-york");
    let starts: Vec<&str> = data["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["start_time"].as_str().unwrap())
        .collect();
    assert_eq!(starts, ["1:00 AM ET", "4:00 PM ET"]);

    // No site named: the config's first; a site it does not have: a clear failure.
    let (_, result) = start(&client, &q, "wf-site-default", params(None), true)
        .await
        .unwrap();
    assert_eq!(result.unwrap().events_count, Some(1));
    let (_, result) = start(&client, &q, "wf-site-none", params(Some("queens")), true)
        .await
        .unwrap();
    let r = result.unwrap();
    assert!(!r.success);
    assert!(
        r.message
            .contains(r#"no site "queens" (sites: seattle, new-york)"#),
        "{}",
        r.message
    );

    // A site's repository is used only when the operator allowed it.
    let rogue = feed
        .config(elsewhere.to_str().unwrap(), new_york.to_str().unwrap())
        .replace(r#""key":"seattle""#, r#""key":"rogue""#);
    let rogue_dir = tmp.path().join("rogue");
    std::fs::create_dir_all(&rogue_dir).unwrap();
    let rogue_config = write_config(&rogue_dir, &rogue);
    let rogue_params = WorkflowParams {
        config_path: Some(rogue_config.display().to_string()),
        site: Some("rogue".into()),
        ..params(None)
    };
    let (_, result) = start(&client, &q, "wf-site-rogue", rogue_params, true)
        .await
        .unwrap();
    let r = result.unwrap();
    assert!(r.success && !r.deployed, "{r:?}");
    assert!(r.message.contains("Not deployed: "), "{}", r.message);
    assert_eq!(commit_count(&elsewhere), 0);

    shutdown();
    worker.await_stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_brewery_silent_for_three_runs_is_counted_in_the_workers_metrics() {
    let server = TestServer::start();
    let q = queue("stale");
    let calendars = HealthCalendars::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let repo = bare_repo(tmp.path());
    let config = write_config(tmp.path(), &calendars.config());
    let settings = WorkerSettings {
        activities: ActivitySettings::for_test(trusting(&[&repo])),
        metrics_addr: Some("127.0.0.1:0".parse().unwrap()),
        ..WorkerSettings::default()
    };
    let (shutdown, worker, metrics) = spawn_worker_with(&server, &q, settings).await;
    let metrics = format!("http://{}/metrics", metrics.unwrap());
    let client = server.client().await;
    let run = |day: &str| WorkflowParams {
        config_path: Some(config.display().to_string()),
        deploy: true,
        git_repository_url: Some(repo.display().to_string()),
        as_of: Some(day.into()),
        ..WorkflowParams::default()
    };
    let stale_line = || async {
        reqwest::get(&metrics)
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .lines()
            .find(|l| l.starts_with("atg_stale_breweries_total{"))
            .map(str::to_string)
    };

    let days = ["2025-07-28", "2025-07-29", "2025-07-30", "2025-07-31"];
    for (n, day) in days.iter().enumerate() {
        if n == 1 {
            calendars.serve(false, true).await;
        }
        let (_, result) = start(&client, &q, &format!("wf-stale-{n}"), run(day), true)
            .await
            .unwrap();
        let r = result.unwrap();
        assert!(r.success && r.deployed, "{day}: {r:?}");
        if n < 3 {
            assert_eq!(stale_line().await, None, "{day}");
        }
    }
    let line = stale_line()
        .await
        .expect("the counter after the third silent run");
    assert!(
        line.contains(r#"brewery="fading""#) && line.contains(r#"site="ballard""#),
        "{line}"
    );
    assert!(line.ends_with(" 1"), "{line}");
    let data = json(&git(&repo, &["show", "main:public/data.json"]));
    assert_eq!(
        data["stale"][0]["note"],
        "No trucks listed by Fading Brewing since Monday — its website may have changed"
    );
    let health = json(&git(&repo, &["show", "main:public/health.json"]));
    assert_eq!(health["breweries"][1]["runs_without_events"], 3);

    shutdown();
    worker.await_stop().await;
}
