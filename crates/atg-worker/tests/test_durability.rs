//! A worker killed mid-run: another one finishes the same workflow; the deploy lands once.

use std::time::{Duration, Instant};

use atg_scrapers::testkit::Mirror;
use atg_workflows::starter::start;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_workers_run_is_finished_by_the_next_worker() {
    let server = TestServer::start();
    let q = queue("durable");
    let mirror = Mirror::start(Duration::ZERO).await;
    // Obec answers slowly, so its activity is in flight when the worker dies.
    let slow = MockServer::start().await;
    Mock::given(path("/obec"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(include_str!("../../../fixtures/sources/obec_home.html"))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&slow)
        .await;
    let cfg = mirror.config().replace(
        &format!("{}/obecbrewing.com/", mirror.uri()),
        &format!("{}/obec", slow.uri()),
    );
    let tmp = tempfile::tempdir().unwrap();
    let (params, repo) = deploy_params(tmp.path(), &cfg);

    let mut first = spawn_worker_process(&server, &q, &trust_env(&repo));
    let client = server.client().await;
    start(&client, &q, "durable-1", params, false)
        .await
        .unwrap();

    // Wait until the slow scrape is running in the first worker, then kill it outright.
    let started = Instant::now();
    while slow.received_requests().await.unwrap().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the scrape never started"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.kill().unwrap();
    first.wait().unwrap();

    let health = format!("127.0.0.1:{}", atg_testkit::devserver::free_port());
    let mut env = trust_env(&repo);
    env.push(("ATG_HEALTH_ADDR", health.clone()));
    let mut second = spawn_worker_process(&server, &q, &env);
    let handle = client.get_workflow_handle::<atg_workflows::FoodTruckWorkflow>("durable-1");
    let r = tokio::time::timeout(
        Duration::from_secs(90),
        handle.get_result(temporalio_client::WorkflowGetResultOptions::default()),
    )
    .await
    .expect("the second worker finished the run")
    .unwrap();
    assert!(r.success, "{r:?}");
    assert_eq!(r.events_count, Some(Mirror::WEEK_EVENTS));
    assert_eq!(
        r.errors,
        Some(vec![]),
        "the interrupted scrape was retried, not lost"
    );
    assert!(r.deployed);
    assert_eq!(commit_count(&repo), 1, "exactly one commit");
    assert!(slow.received_requests().await.unwrap().len() >= 2);

    // Its health endpoint answers while it polls: what a container's HEALTHCHECK asks.
    let probe = || {
        std::process::Command::new(WORKER_BIN)
            .args(["--health", "--health-addr", &health])
            .output()
            .unwrap()
    };
    let ok = probe();
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");

    // SIGTERM: the worker drains and exits 0.
    kill(Pid::from_raw(second.id() as i32), Signal::SIGTERM).unwrap();
    let status = second.wait().unwrap();
    assert_eq!(status.code(), Some(0), "graceful stop");
    let gone = probe();
    assert_eq!(gone.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&gone.stderr).starts_with("unhealthy: http://"),
        "{gone:?}"
    );
}
