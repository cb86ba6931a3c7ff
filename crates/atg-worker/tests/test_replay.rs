//! Recorded histories replay against the current workflow code without nondeterminism.

use std::time::Duration;

use atg_scrapers::testkit::Mirror;
use atg_workflows::starter::start;
use atg_workflows::{FoodTruckWorkflow, WorkflowParams};
use temporalio_client::{WorkflowFetchHistoryOptions, WorkflowHistory};
use temporalio_sdk::workflow_replayer::{WorkflowReplayer, WorkflowReplayerOptions};

use crate::support::*;

/// A run recorded before the AI steps existed (replays through the `ai-enrichments` patch).
const RECORDED_BEFORE_AI: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/histories/food_truck_workflow.json"
);
/// A run recorded with them, in fixed batches.
const RECORDED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/histories/food_truck_workflow_ai.json"
);
/// A run of the `one-pipeline` shape (a plan, a sliding window, `publish_site`).
const RECORDED_ONE_PIPELINE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/histories/food_truck_workflow_one_pipeline.json"
);
/// A run of the `sealed-results` shape (breweries by place, sealed results on the own task
/// queue, `publish_run` reading them back).
const RECORDED_SEALED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/histories/food_truck_workflow_sealed.json"
);

async fn replay(json: &str) {
    let replayer = WorkflowReplayer::new(
        WorkflowReplayerOptions::new()
            .register_workflow::<FoodTruckWorkflow>()
            .unwrap()
            .build(),
    )
    .unwrap();
    replayer
        .replay_workflow(WorkflowHistory::from_json(json.as_bytes()).unwrap())
        .await
        .unwrap();
}

/// The committed histories of real runs (deploy on, one brewery failing) still replay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_recorded_histories_replay() {
    for file in [
        RECORDED_BEFORE_AI,
        RECORDED,
        RECORDED_ONE_PIPELINE,
        RECORDED_SEALED,
    ] {
        let json = std::fs::read_to_string(file).unwrap();
        assert!(json.contains("FoodTruckWorkflow"), "{file}");
        replay(&json).await;
    }
    assert!(
        std::fs::read_to_string(RECORDED)
            .unwrap()
            .contains("generate_haiku")
    );
    let before = std::fs::read_to_string(RECORDED_ONE_PIPELINE).unwrap();
    assert!(before.contains("\"plan_run\"") && before.contains("\"publish_site\""));
    let current = std::fs::read_to_string(RECORDED_SEALED).unwrap();
    assert!(current.contains("\"scrape_range\"") && current.contains("\"publish_run\""));
}

/// A run made now replays too; with `ATG_RECORD_HISTORY=1` it becomes the recorded history of
/// the current shape (the older recordings stay, so every shape keeps replaying).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_history_replays() {
    let server = TestServer::start();
    let q = queue("replay");
    let mirror = Mirror::start(Duration::ZERO).await;
    let cfg = mirror.config().replace(
        &format!("{}/obecbrewing.com/", mirror.uri()),
        &format!("{}/missing/", mirror.uri()),
    );
    let tmp = tempfile::tempdir().unwrap();
    let (params, repo) = deploy_params(tmp.path(), &cfg);
    let (shutdown, worker) = spawn_worker_trusting(&server, &q, trusting(&[&repo])).await;
    let params = WorkflowParams {
        max_parallel_scrapes: 4,
        ..params
    };
    let client = server.client().await;
    let (started, result) = start(&client, &q, "replay-me", params, true).await.unwrap();
    assert_eq!(result.unwrap().errors.unwrap().len(), 1);
    let handle = client.get_workflow_handle::<FoodTruckWorkflow>(started.workflow_id.as_str());
    let json = String::from_utf8(
        handle
            .fetch_history(WorkflowFetchHistoryOptions::default())
            .to_json()
            .await
            .unwrap(),
    )
    .unwrap();
    replay(&json).await;
    if std::env::var_os("ATG_RECORD_HISTORY").is_some() {
        std::fs::write(RECORDED_SEALED, &json).unwrap();
    }
    shutdown();
    worker.await_stop().await;
}
