//! Workflows started the way the original's clients start them.

use std::time::Duration;

use atg_scrapers::testkit::Mirror;
use atg_workflows::{FoodTruckWorkflow, WorkflowResult};
use temporalio_client::WorkflowGetResultOptions;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workflow_started_with_the_originals_json_completes_here() {
    let server = TestServer::start();
    let q = queue("interop");
    let (shutdown, worker) = spawn_worker(&server, &q).await;
    let mirror = Mirror::start(Duration::ZERO).await;
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), &mirror.config());
    // The original's WorkflowParams, as its starter sent them. With no as_of the run is for
    // today, so only Obec (which always shows today's truck) has an event, and the sources
    // asked for this month that the mirror does not serve answer 404: a partial result.
    let input = format!(
        r#"{{"config_path": "{}", "deploy": false}}"#,
        config.display()
    );
    let out = tokio::process::Command::new(temporal_cli())
        .args([
            "workflow",
            "start",
            "--type",
            "FoodTruckWorkflow",
            "--task-queue",
            &q,
            "--workflow-id",
            "original-shape",
        ])
        .args(["--input", &input, "--address", &server.address()])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let client = server.client().await;
    let handle = client.get_workflow_handle::<FoodTruckWorkflow>("original-shape");
    let r: WorkflowResult = handle
        .get_result(WorkflowGetResultOptions::default())
        .await
        .unwrap();
    assert!(r.success, "{r:?}");
    assert_eq!(r.events_count, Some(1), "{r:?}");
    let failed: Vec<String> = r
        .errors
        .clone()
        .unwrap()
        .iter()
        .map(|e| e.split(':').next().unwrap().to_string())
        .collect();
    assert_eq!(
        failed,
        [
            "Yonder Cider & Bale Breaker - Ballard",
            "Wheelie Pop Brewing",
            "Saleh's Corner"
        ]
    );
    assert!(!r.deployed);

    // The result as JSON, as any client sees it: the original's five fields.
    let out = tokio::process::Command::new(temporal_cli())
        .args([
            "workflow",
            "result",
            "--workflow-id",
            "original-shape",
            "--address",
            &server.address(),
            "-o",
            "json",
        ])
        .output()
        .await
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for key in [
        "\"success\"",
        "\"message\"",
        "\"events_count\"",
        "\"errors\"",
        "\"deployed\"",
    ] {
        assert!(text.contains(key), "{key} in {text}");
    }

    // Missing fields take their defaults.
    let input = format!(
        r#"{{"config_path": "{}", "max_parallel_scrapes": 2}}"#,
        config.display()
    );
    let out = tokio::process::Command::new(temporal_cli())
        .args([
            "workflow",
            "execute",
            "--type",
            "FoodTruckWorkflow",
            "--task-queue",
            &q,
            "--workflow-id",
            "partial-input",
        ])
        .args(["--input", &input, "--address", &server.address()])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    shutdown();
    worker.await_stop().await;
}
