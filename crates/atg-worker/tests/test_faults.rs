//! The Temporal server going away and coming back while a worker runs.

use std::time::Duration;

use atg_scrapers::testkit::Mirror;
use atg_temporal_config::TemporalSettings;
use atg_testkit::devserver::{DevServer, DevServerOptions, free_port};
use atg_workflows::WorkflowParams;
use atg_workflows::starter::start;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_keeps_going_when_the_server_restarts() {
    let tmp = tempfile::tempdir().unwrap();
    let options = DevServerOptions {
        port: free_port(),
        db: Some(tmp.path().join("temporal.db")),
        ..DevServerOptions::default()
    };
    let mut server = DevServer::start(&temporal_cli(), &options).unwrap();
    let q = queue("restart");
    let mut worker = std::process::Command::new(WORKER_BIN)
        .env("TEMPORAL_ADDRESS", server.address())
        .env("TEMPORAL_TASK_QUEUE", &q)
        .env("ATG_CONFIG_DIR", std::env::temp_dir())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mirror = Mirror::start(Duration::ZERO).await;
    let config = write_config(tmp.path(), &mirror.config());
    let settings = TemporalSettings {
        address: server.address(),
        task_queue: q.clone(),
        ..TemporalSettings::default()
    };
    let params = WorkflowParams {
        config_path: Some(config.display().to_string()),
        as_of: Some(Mirror::AS_OF.into()),
        ..WorkflowParams::default()
    };
    let client = settings.connect("test").await.unwrap();
    let (_, r) = start(&client, &q, "before", params.clone(), true)
        .await
        .unwrap();
    assert_eq!(r.unwrap().events_count, Some(Mirror::WEEK_EVENTS));

    // The server goes away for a few seconds and comes back with its data.
    server.stop();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        worker.try_wait().unwrap().is_none(),
        "the worker waits for the server"
    );
    // The same port as before (the first start may have moved off a taken one).
    let options = DevServerOptions {
        port: server.port,
        another_port_if_taken: false,
        ..options
    };
    let _server = DevServer::start(&temporal_cli(), &options).unwrap();

    let client = settings.connect("test").await.unwrap();
    let (_, r) = tokio::time::timeout(
        Duration::from_secs(90),
        start(&client, &q, "after", params, true),
    )
    .await
    .expect("the worker picked up work again")
    .unwrap();
    assert_eq!(r.unwrap().events_count, Some(Mirror::WEEK_EVENTS));
    worker.kill().unwrap();
    worker.wait().unwrap();
}

#[test]
fn a_dev_server_whose_port_is_taken_moves_to_another_or_says_so() {
    // Another process holds the port: the server exits as it starts, and a new port is tried.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let options = DevServerOptions {
        port,
        ..DevServerOptions::default()
    };
    let server = DevServer::start(&temporal_cli(), &options).unwrap();
    assert_ne!(server.port, port);
    drop(server);
    // Told to stay on its port, it says so instead of waiting out the minute.
    let err = DevServer::start(
        &temporal_cli(),
        &DevServerOptions {
            another_port_if_taken: false,
            ..options
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("stopped as it started"), "{err}");
}
