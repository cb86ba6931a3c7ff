use std::time::Duration;

use atg_scrapers::testkit::Mirror;
use atg_workflows::WorkflowParams;
use atg_workflows::starter::start;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_workflow_scrapes_builds_and_deploys_once() {
    let server = TestServer::start();
    let q = queue("full");
    let mirror = Mirror::start(Duration::ZERO).await;
    let tmp = tempfile::tempdir().unwrap();
    let (params, repo) = deploy_params(tmp.path(), &mirror.config());
    let (shutdown, worker) = spawn_worker_trusting(&server, &q, trusting(&[&repo])).await;
    let params = WorkflowParams {
        max_parallel_scrapes: 3,
        ..params
    };
    let client = server.client().await;

    let (_, result) = start(&client, &q, "wf-full-1", params.clone(), true)
        .await
        .unwrap();
    let r = result.unwrap();
    assert!(r.success, "{r:?}");
    assert_eq!(r.events_count, Some(Mirror::WEEK_EVENTS));
    assert_eq!(r.errors, Some(vec![]));
    assert!(r.deployed, "{r:?}");
    assert_eq!(
        r.message,
        format!(
            "Workflow completed successfully. Found {} events.",
            Mirror::WEEK_EVENTS
        )
    );
    assert_eq!(commit_count(&repo), 1);
    let data = git(&repo, &["show", "main:public/data.json"]);
    assert!(data.contains(&format!("\"total_events\": {}", Mirror::WEEK_EVENTS)));
    // Sorted across breweries, as the CLI's (the original's workflow path was not).
    let v: serde_json::Value = serde_json::from_str(&data).unwrap();
    let dates: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["date"].as_str().unwrap())
        .collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted);
    assert_eq!(v["breweries"].as_array().unwrap().len(), 9);

    // The same schedule again: only health.json changes (Lucky Envelope has no trucks in the
    // mirror, and its count of runs without any rises to stale_after, 3); then the site is
    // current: deployed, no commit.
    for n in 2..=4 {
        let (_, result) = start(&client, &q, &format!("wf-full-{n}"), params.clone(), true)
            .await
            .unwrap();
        assert!(result.unwrap().deployed);
        assert_eq!(commit_count(&repo), n.min(3));
        // data.json differs only in the time it was made.
        assert_eq!(
            git(&repo, &["diff", "--name-only", "main~1", "main"]).trim(),
            "public/data.json\npublic/health.json"
        );
        let data_diff = git(
            &repo,
            &["diff", "-U0", "main~1", "main", "--", "public/data.json"],
        );
        let changed: Vec<&str> = data_diff
            .lines()
            .filter(|l| l.starts_with(['+', '-']) && !l.starts_with("+++") && !l.starts_with("---"))
            .collect();
        assert!(
            changed.len() == 2 && changed.iter().all(|l| l.contains("\"updated\"")),
            "{data_diff}"
        );
    }

    shutdown();
    worker.await_stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_source_failing_is_a_partial_result_not_a_failed_workflow() {
    let server = TestServer::start();
    let q = queue("partial");
    let (shutdown, worker) = spawn_worker(&server, &q).await;
    let mirror = Mirror::start(Duration::ZERO).await;
    let down = MockServer::start().await;
    Mock::given(path("/obec"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&down)
        .await;
    Mock::given(path("/stoup"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&down)
        .await;
    let cfg = mirror
        .config()
        .replace(
            &format!("{}/obecbrewing.com/", mirror.uri()),
            &format!("{}/obec", down.uri()),
        )
        .replace(
            &format!("{}/www.stoupbrewing.com/ballard/", mirror.uri()),
            &format!("{}/stoup", down.uri()),
        );
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), &cfg);
    let client = server.client().await;
    let params = WorkflowParams {
        config_path: Some(config.display().to_string()),
        as_of: Some(Mirror::AS_OF.into()),
        deploy: true,
        ..WorkflowParams::default()
    };
    let (_, result) = start(&client, &q, "wf-partial", params, true)
        .await
        .unwrap();
    let r = result.unwrap();
    assert!(r.success, "{r:?}");
    let errors = r.errors.clone().unwrap();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].starts_with("Stoup Brewing - Ballard: HTTP Error: HTTP 404"),
        "{errors:?}"
    );
    assert!(
        errors[1].starts_with("Obec Brewing: HTTP Error: HTTP 503"),
        "{errors:?}"
    );
    assert_eq!(r.events_count, Some(Mirror::WEEK_EVENTS - 3 - 1));
    // Deploy was asked for without any repository: reported, not a failure.
    assert!(!r.deployed);
    assert!(
        r.message.contains("Not deployed: ") && r.message.contains("GIT_REPOSITORY_URL"),
        "{}",
        r.message
    );
    // The 503 was retried by Temporal (3 attempts), the 404 was not.
    let hits = |p: &str| {
        let p = p.to_string();
        let down = &down;
        async move {
            down.received_requests()
                .await
                .unwrap()
                .iter()
                .filter(|r| r.url.path() == p)
                .count()
        }
    };
    assert_eq!(hits("/obec").await, 3);
    assert_eq!(hits("/stoup").await, 1);
    shutdown();
    worker.await_stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_config_path_is_a_failed_result() {
    let server = TestServer::start();
    let q = queue("badcfg");
    let (shutdown, worker) = spawn_worker(&server, &q).await;
    let client = server.client().await;
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("breweries.json");
    std::fs::write(
        tmp.path().join("broken.json"),
        "{\"breweries\": [{\"key\": 1}]}",
    )
    .unwrap();
    let params = |p: &std::path::Path| WorkflowParams {
        config_path: Some(p.display().to_string()),
        ..WorkflowParams::default()
    };
    let (_, result) = start(&client, &q, "wf-badcfg", params(&missing), true)
        .await
        .unwrap();
    let r = result.unwrap();
    assert!(!r.success);
    assert_eq!(
        r.message,
        format!(
            "Workflow failed: config_path {:?}: no such file in the worker's config directory",
            missing.display().to_string()
        )
    );
    assert_eq!(r.events_count, Some(0));
    let (_, result) = start(
        &client,
        &q,
        "wf-badcfg-2",
        params(&tmp.path().join("broken.json")),
        true,
    )
    .await
    .unwrap();
    let r = result.unwrap();
    assert!(
        r.message.starts_with("Workflow failed: config file ")
            && r.message.contains("breweries[0].key"),
        "{}",
        r.message
    );
    shutdown();
    worker.await_stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_pages_do_not_take_the_worker_down() {
    let server = TestServer::start();
    let q = queue("hostile");
    let mirror = Mirror::start_hostile().await;
    let tmp = tempfile::tempdir().unwrap();
    let (params, repo) = deploy_params(tmp.path(), &mirror.config());
    let mut worker = spawn_worker_process(&server, &q, &trust_env(&repo));
    let client = server.client().await;
    let params = WorkflowParams {
        as_of: Some(Mirror::AS_OF.into()),
        ..params
    };
    let (_, r) = start(&client, &q, "hostile-1", params.clone(), true)
        .await
        .unwrap();
    let r = r.unwrap();
    assert!(r.success, "{r:?}");
    for e in r.errors.unwrap() {
        assert!(!e.contains("panicked"), "{e}");
    }
    // The same worker takes the next run: it did not crash (nor crash-loop on retries).
    let (_, r) = start(&client, &q, "hostile-2", params, true).await.unwrap();
    assert!(r.unwrap().success);
    assert!(
        worker.try_wait().unwrap().is_none(),
        "the worker is still running"
    );
    let data = git(&repo, &["show", "main:public/data.json"]);
    assert!(
        !data.contains("\\u001b"),
        "an escape sequence was published"
    );
    assert!(data.contains("Cedar Smoke[2J BBQ"), "{data}");
    worker.kill().unwrap();
    let _ = worker.wait();
}

/// Issue N on the worker binary: every hostile feed fails alone (counted in the worker's
/// metrics, by limit), a brewery whose result is larger than its share of the payload budget
/// fails alone (its chunk-mates published), the rest of the run is deployed, and the same
/// worker takes the next run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_feeds_fail_alone_on_the_worker_and_are_counted() {
    let server = TestServer::start();
    let q = queue("hostile-feeds");
    let mirror = Mirror::start(Duration::ZERO).await;
    let hostile = atg_scrapers::testkit::HostileFeeds::start().await;
    // A venue with 450 trucks this week: under the week's cap, over a 64 KiB result.
    let big = MockServer::start().await;
    let at = |n: i64| {
        chrono::DateTime::parse_from_rfc3339("2025-07-30T17:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc)
            + chrono::Duration::minutes(n * 20)
    };
    let names: Vec<String> = (0..450).map(|i| format!("Big Truck Number {i}")).collect();
    let events: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            (
                n.as_str(),
                at(i as i64),
                at(i as i64) + chrono::Duration::hours(1),
            )
        })
        .collect();
    Mock::given(path("/big.ics"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(atg_scrapers::testkit::ics_feed(&events)),
        )
        .mount(&big)
        .await;
    let mut config: serde_json::Value =
        serde_json::from_str(&hostile.added_to(&mirror.config())).unwrap();
    config["breweries"].as_array_mut().unwrap().push(serde_json::json!({
        "key": "big", "name": "Big Venue", "parser": "ical", "url": format!("{}/big.ics", big.uri())
    }));
    let tmp = tempfile::tempdir().unwrap();
    let (params, repo) = deploy_params(tmp.path(), &config.to_string());
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut env = trust_env(&repo);
    env.extend([
        ("ATG_PAYLOAD_BUDGET", "65536".to_string()),
        ("ATG_MAX_VENDORS_PER_BREWERY", "500".to_string()),
        ("ATG_METRICS_ADDR", format!("127.0.0.1:{metrics_port}")),
    ]);
    let mut worker = spawn_worker_process(&server, &q, &env);
    let client = server.client().await;
    let (_, r) = start(&client, &q, "hostile-feeds-1", params.clone(), true)
        .await
        .unwrap();
    let r = r.unwrap();
    assert!(r.success && r.deployed, "{r:?}");
    let errors = r.errors.unwrap();
    assert_eq!(errors.len(), 9, "{errors:?}");
    for key in [
        "Hostile deep.ics: Parser Error: over a limit: it nests more than 3 levels deep",
        "Hostile rrule-bomb.ics: Parser Error: over a limit: its recurrence rules generate more than 100,000 dates",
        "Hostile nested.html: Parser Error: over a limit: it nests more than 256 levels deep",
        "Hostile deep.json: Parser Error: over a limit: it nests more than 128 levels deep",
        "Hostile rows.csv: Parser Error: over a limit: it lists more than 20,000 entries",
        "Hostile values.json: Parser Error: over a limit: it has more than 250,000",
        "Big Venue: Parser Error: over a limit: its result is larger than 65,536 bytes",
    ] {
        assert!(
            errors.iter().any(|e| e.starts_with(key)),
            "{key} in {errors:?}"
        );
    }
    let data = git(&repo, &["show", "main:public/data.json"]);
    for name in ["Stoup Brewing - Ballard", "Obec Brewing", "Saleh's Corner"] {
        assert!(data.contains(name), "{name} was not published");
    }
    assert!(!data.contains("Big Truck Number"));
    let metrics = reqwest::get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let unread = metrics
        .lines()
        .find(|l| {
            l.starts_with("atg_unreadable_entries_total")
                && l.contains("brewery=\"hostile-partly-unreadable-ics\"")
        })
        .unwrap_or_else(|| panic!("the partly unreadable calendar is not counted:\n{metrics}"));
    assert!(unread.ends_with(" 2"), "{unread}");
    let health: serde_json::Value =
        serde_json::from_str(&git(&repo, &["show", "main:public/health.json"])).unwrap();
    let partly = health["breweries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["key"] == "hostile-partly-unreadable-ics")
        .cloned()
        .unwrap();
    assert_eq!(partly["unreadable_entries"], 2, "{partly}");
    for (brewery, limit) in [
        ("hostile-deep-ics", "nesting"),
        ("hostile-rrule-bomb-ics", "recurrence"),
        ("hostile-flood-ics", "events"),
        ("hostile-rows-csv", "entries"),
        ("hostile-values-json", "size"),
        ("big", "payload"),
    ] {
        let line = metrics
            .lines()
            .find(|l| {
                l.starts_with("atg_budget_hits_total")
                    && l.contains(&format!("brewery=\"{brewery}\""))
                    && l.contains(&format!("limit=\"{limit}\""))
            })
            .unwrap_or_else(|| panic!("{brewery} {limit} not counted:\n{metrics}"));
        assert!(line.ends_with(" 1"), "{line}");
    }
    // The same worker takes the next run.
    let (_, r) = start(&client, &q, "hostile-feeds-2", params, true)
        .await
        .unwrap();
    assert!(r.unwrap().success);
    assert!(
        worker.try_wait().unwrap().is_none(),
        "the worker is still running"
    );
    worker.kill().unwrap();
    let _ = worker.wait();
}

/// Issue P on the worker: Ballard's two sheets as the shipped list reads them (Chuck's
/// Greenwood tab with its hours, Channel Marker Cider's four columns) scraped by a workflow on
/// a real dev server and published with their trucks, hours and names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ballards_two_sheets_through_the_worker() {
    let server = TestServer::start();
    let q = queue("sheets");
    let mirror = Mirror::start(Duration::ZERO).await;
    let mut config: serde_json::Value = serde_json::from_str(&mirror.config()).unwrap();
    config["breweries"]
        .as_array_mut()
        .unwrap()
        .retain(|b| b["key"] == "chucks-greenwood" || b["key"] == "channel-marker");
    let tmp = tempfile::tempdir().unwrap();
    let (params, repo) = deploy_params(tmp.path(), &config.to_string());
    let (shutdown, worker) = spawn_worker_trusting(&server, &q, trusting(&[&repo])).await;
    let client = server.client().await;
    let params = WorkflowParams {
        as_of: Some(Mirror::AS_OF.into()),
        ..params
    };
    let (_, result) = start(&client, &q, "wf-sheets", params, true).await.unwrap();
    let r = result.unwrap();
    assert!(r.success && r.errors == Some(vec![]), "{r:?}");
    assert_eq!(
        r.events_count,
        Some(9),
        "Chuck's 5 and Channel Marker's 4: {r:?}"
    );
    let data: serde_json::Value =
        serde_json::from_str(&git(&repo, &["show", "main:public/data.json"])).unwrap();
    let event = |vendor: &str, brewery: &str| {
        data["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["vendor"] == vendor && e["brewery_key"] == brewery)
            .cloned()
            .unwrap_or_else(|| panic!("{vendor} at {brewery}: {data}"))
    };
    let salmon = event("Salmon Run Fish & Chips", "chucks-greenwood");
    assert_eq!(salmon["start_time"], "5:30 PM PT");
    assert_eq!(salmon["end_time"], "9:00 PM PT");
    let finn = event("Finn's Fish Tacos", "channel-marker");
    assert_eq!(finn["start_time"], "5:00 PM PT");
    assert_eq!(finn["end_time"], "8:30 PM PT");
    let beef = event("Where's The Beef, Jerky?", "channel-marker");
    assert_eq!(beef["date"], "2025-08-02T00:00:00");
    assert!(!data.to_string().contains("#VALUE!") && !data.to_string().contains("#REF!"));
    shutdown();
    worker.await_stop().await;
}
