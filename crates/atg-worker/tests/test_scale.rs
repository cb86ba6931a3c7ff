//! The workflow at scale: a sliding window of scrapes (order of completions in the history),
//! a run split into child workflows publishes the same site as the same run unsplit, a
//! cancelled workflow's scrapes stop, and a stopping worker lets its scrapes finish.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use atg_scrapers::testkit::Mirror;
use atg_workflows::starter::start;
use atg_workflows::{FoodTruckWorkflow, WorkflowParams};
use base64::Engine;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;
use temporalio_client::{WorkflowCancelOptions, WorkflowGetResultOptions};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

/// A Stoup-style page with one truck on the mirror's day.
fn page(i: usize) -> String {
    format!(
        "<html><body><div class='food-truck-day'><div><div class='lunch-truck-info'><h4>Wed 07.30</h4><div class='hrs'>4 &mdash; 8pm</div>Truck {i}<br></div></div></div></body></html>"
    )
}

fn config(base: &str, n: usize) -> String {
    let breweries: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"key":"b-{i}","name":"Brewery {i}","parser":"stoup","url":"{base}/b/{i}/"}}"#
            )
        })
        .collect();
    format!(r#"{{"breweries":[{}]}}"#, breweries.join(","))
}

/// The events of a run's history, in order.
/// `(event id, brewery key)` of every scrape scheduled.
type Scheduled = Vec<(i64, String)>;
/// `(brewery key, event id)` of every scrape's completion.
type Completed = Vec<(String, i64)>;

/// The scrapes of a history: when each was scheduled, and when each completed.
fn scrapes(events: &[Value]) -> (Scheduled, Completed) {
    let mut scheduled = Vec::new();
    for e in events {
        let Some(a) = e["attributes"].get("ActivityTaskScheduledEventAttributes") else {
            continue;
        };
        if a["activity_type"]["name"] != "scrape_range" {
            continue;
        }
        let data = a["input"]["payloads"][0]["data"].as_str().unwrap();
        let input: Value = serde_json::from_slice(
            &base64::engine::general_purpose::STANDARD
                .decode(data)
                .unwrap(),
        )
        .unwrap();
        // A city-sized run: one brewery a scrape, named by its place in the list (`b-N` is
        // the N-th), never by its address.
        assert_eq!(input["count"], 1, "{input}");
        assert!(input.get("breweries").is_none(), "{input}");
        scheduled.push((
            e["event_id"].as_i64().unwrap(),
            format!("b-{}", input["first"]),
        ));
    }
    let mut completed = Vec::new();
    for e in events {
        let Some(a) = e["attributes"].get("ActivityTaskCompletedEventAttributes") else {
            continue;
        };
        let of = a["scheduled_event_id"].as_i64().unwrap();
        if let Some((_, key)) = scheduled.iter().find(|(id, _)| *id == of) {
            completed.push((key.clone(), e["event_id"].as_i64().unwrap()));
        }
    }
    (scheduled, completed)
}

/// With three scrapes at a time, a slow brewery and a failing one (retried with backoff) hold
/// one slot each while the third slot goes through all the others: every fast brewery is
/// scheduled and done before the slow one ends. In fixed batches the fourth brewery would have
/// waited for the first batch's slowest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_brewery_holds_one_slot_not_the_run() {
    let server = TestServer::start();
    let q = queue("window");
    let sources = MockServer::start().await;
    Mock::given(path("/b/0/"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(page(0))
                .set_delay(Duration::from_secs(6)),
        )
        .mount(&sources)
        .await;
    Mock::given(path("/b/1/"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&sources)
        .await;
    for i in 2..9 {
        Mock::given(path(format!("/b/{i}/")))
            .respond_with(ResponseTemplate::new(200).set_body_string(page(i)))
            .mount(&sources)
            .await;
    }
    let tmp = tempfile::tempdir().unwrap();
    let cfg = write_config(tmp.path(), &config(&sources.uri(), 9));
    let (shutdown, worker) = spawn_worker(&server, &q).await;
    let client = server.client().await;
    let params = WorkflowParams {
        config_path: Some(cfg.display().to_string()),
        max_parallel_scrapes: 3,
        as_of: Some(Mirror::AS_OF.into()),
        ..WorkflowParams::default()
    };
    let (_, result) = start(&client, &q, "window-1", params, true).await.unwrap();
    let r = result.unwrap();
    assert_eq!(r.events_count, Some(8), "{r:?}");
    let errors = r.errors.unwrap();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].starts_with("Brewery 1: HTTP Error"), "{errors:?}");

    let (scheduled, completed) = scrapes(&history(&client, "window-1").await);
    assert_eq!(scheduled.len(), 9, "one scrape activity per brewery");
    let done = |key: &str| {
        completed
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, id)| *id)
            .unwrap_or_else(|| panic!("{key} never completed: {completed:?}"))
    };
    let slow_done = done("b-0");
    for i in 2..9 {
        let key = format!("b-{i}");
        let at = scheduled.iter().find(|(_, k)| *k == key).unwrap().0;
        assert!(
            at < slow_done,
            "{key} was scheduled only after the slow brewery ended"
        );
        assert!(done(&key) < slow_done, "{key} finished after the slow one");
    }
    // Never more than three in flight: the fourth starts only after one of the first three ends.
    let first_end = completed.iter().map(|(_, id)| *id).min().unwrap();
    assert!(scheduled[3].0 > first_end, "{scheduled:?} {completed:?}");
    shutdown();
    worker.await_stop().await;
}

/// The published file `path` of `repo`, with `data.json`'s `updated` taken out.
fn published(repo: &std::path::Path, path: &str) -> String {
    let text = git(repo, &["show", &format!("main:public/{path}")]);
    text.lines()
        .filter(|l| !l.trim_start().starts_with("\"updated\""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Seven breweries in parts of three (three child workflows) publish the very site the same
/// seven publish in one part.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_split_run_publishes_the_same_site_as_one_run() {
    let server = TestServer::start();
    let q = queue("split");
    let mirror = Mirror::start(Duration::ZERO).await;
    let one = tempfile::tempdir().unwrap();
    let split = tempfile::tempdir().unwrap();
    let (whole, whole_repo) = deploy_params(one.path(), &mirror.config());
    let (parts, parts_repo) = deploy_params(split.path(), &mirror.config());
    let parts = WorkflowParams {
        breweries_per_part: Some(3),
        ..parts
    };
    let (shutdown, worker) =
        spawn_worker_trusting(&server, &q, trusting(&[&whole_repo, &parts_repo])).await;
    let client = server.client().await;
    let (_, a) = start(&client, &q, "split-whole", whole, true)
        .await
        .unwrap();
    let (_, b) = start(&client, &q, "split-parts", parts, true)
        .await
        .unwrap();
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.deployed && b.deployed, "{a:?} {b:?}");
    assert_eq!(a.events_count, Some(Mirror::WEEK_EVENTS));
    assert_eq!((a.events_count, &a.errors), (b.events_count, &b.errors));
    for file in [
        "data.json",
        "events.ics",
        "events-urban-family.ics",
        "events-salehs-corner.ics",
    ] {
        assert_eq!(
            published(&whole_repo, file),
            published(&parts_repo, file),
            "{file}"
        );
    }
    let children = |events: &[Value]| {
        events
            .iter()
            .filter(|e| {
                e["attributes"]
                    .get("ChildWorkflowExecutionCompletedEventAttributes")
                    .is_some()
            })
            .count()
    };
    assert_eq!(children(&history(&client, "split-whole").await), 0);
    assert_eq!(children(&history(&client, "split-parts").await), 3);
    shutdown();
    worker.await_stop().await;
}

/// A source that never answers and counts the requests it was given and the ones whose client
/// went away.
async fn hanging_source() -> (String, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    struct Gone(Arc<AtomicUsize>);
    impl Drop for Gone {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let (asked, gone) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (a, g) = (asked.clone(), gone.clone());
    let app = axum::Router::new().fallback(move || {
        let (a, g) = (a.clone(), g.clone());
        async move {
            a.fetch_add(1, Ordering::SeqCst);
            let _gone = Gone(g);
            tokio::time::sleep(Duration::from_secs(600)).await;
            "never"
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, asked, gone)
}

async fn until(what: &str, done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(60), "{what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Cancelling a run cancels its scrapes in flight (their requests are dropped) and starts no
/// more; the run ends as cancelled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_run_cancels_its_scrapes() {
    let server = TestServer::start();
    let q = queue("cancel");
    let (base, asked, gone) = hanging_source().await;
    let tmp = tempfile::tempdir().unwrap();
    let cfg = write_config(tmp.path(), &config(&base, 6));
    let (shutdown, worker) = spawn_worker(&server, &q).await;
    let client = server.client().await;
    let params = WorkflowParams {
        config_path: Some(cfg.display().to_string()),
        max_parallel_scrapes: 3,
        as_of: Some(Mirror::AS_OF.into()),
        ..WorkflowParams::default()
    };
    start(&client, &q, "cancel-1", params, false).await.unwrap();
    until("three scrapes in flight", || {
        asked.load(Ordering::SeqCst) == 3
    })
    .await;
    let handle = client.get_workflow_handle::<FoodTruckWorkflow>("cancel-1");
    handle
        .cancel(
            WorkflowCancelOptions::builder()
                .reason("test".to_string())
                .build(),
        )
        .await
        .unwrap();
    let ended = handle.get_result(WorkflowGetResultOptions::default()).await;
    assert!(
        matches!(
            ended,
            Err(temporalio_client::errors::WorkflowGetResultError::Cancelled { .. })
        ),
        "{ended:?}"
    );
    until("the three requests in flight were dropped", || {
        gone.load(Ordering::SeqCst) == 3
    })
    .await;
    assert_eq!(
        asked.load(Ordering::SeqCst),
        3,
        "no scrape started after the cancel"
    );
    let events = history(&client, "cancel-1").await;
    let requested = events
        .iter()
        .filter(|e| {
            e["attributes"]
                .get("ActivityTaskCancelRequestedEventAttributes")
                .is_some()
        })
        .count();
    assert_eq!(requested, 3);
    shutdown();
    worker.await_stop().await;
}

/// SIGTERM while a scrape is in flight: the worker lets it finish (within its grace period),
/// the run completes with that brewery's trucks, and the worker exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopping_worker_lets_its_scrapes_finish() {
    let server = TestServer::start();
    let q = queue("drain");
    let sources = MockServer::start().await;
    Mock::given(path("/b/0/"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(page(0))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&sources)
        .await;
    let tmp = tempfile::tempdir().unwrap();
    let cfg = write_config(tmp.path(), &config(&sources.uri(), 1));
    let mut env = trust_env(tmp.path());
    env.push(("ATG_SHUTDOWN_GRACE", "20".into()));
    let mut draining = spawn_worker_process(&server, &q, &env);
    let client = server.client().await;
    let params = WorkflowParams {
        config_path: Some(cfg.display().to_string()),
        as_of: Some(Mirror::AS_OF.into()),
        ..WorkflowParams::default()
    };
    start(&client, &q, "drain-1", params, false).await.unwrap();
    let started = Instant::now();
    while sources.received_requests().await.unwrap().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the scrape never started"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    kill(Pid::from_raw(draining.id() as i32), Signal::SIGTERM).unwrap();
    let status = tokio::task::spawn_blocking(move || draining.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0), "a graceful stop");
    // The scrape that was running finished on the stopping worker: one request, no retry.
    assert_eq!(sources.received_requests().await.unwrap().len(), 1);
    // The rest of the run is left for the next worker.
    let (shutdown, worker) = spawn_worker(&server, &q).await;
    let r = client
        .get_workflow_handle::<FoodTruckWorkflow>("drain-1")
        .get_result(WorkflowGetResultOptions::default())
        .await
        .unwrap();
    assert_eq!((r.events_count, r.errors), (Some(1), Some(vec![])));
    assert_eq!(sources.received_requests().await.unwrap().len(), 1);
    shutdown();
    worker.await_stop().await;
}
