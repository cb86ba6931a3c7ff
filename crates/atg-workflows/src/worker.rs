//! Building and running a worker: the workflow and every activity on the task queue, bounded
//! concurrency, a bounded workflow cache, and a graceful stop on SIGINT/SIGTERM.

use std::time::Duration;

use temporalio_client::Client;
use temporalio_sdk::runtime::worker_tuner::{FixedSizeSlotSupplier, TunerHolder};
use temporalio_sdk::{Runtime, Worker, WorkerOptions};

use crate::{FoodTruckActivities, FoodTruckWorkflow};

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    pub task_queue: String,
    pub max_concurrent_activities: usize,
    pub max_concurrent_workflow_tasks: usize,
    /// Workflows kept in memory between tasks; bounded so a long-running worker stays small.
    pub max_cached_workflows: usize,
    /// After a stop is asked for, in-flight activities get this long to finish.
    pub graceful_shutdown: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            task_queue: atg_temporal_config::DEFAULT_TASK_QUEUE.to_string(),
            max_concurrent_activities: 10,
            max_concurrent_workflow_tasks: 10,
            max_cached_workflows: 50,
            graceful_shutdown: Duration::from_secs(30),
        }
    }
}

/// A worker with `FoodTruckWorkflow` and its activities registered.
pub fn build_worker(
    runtime: &Runtime,
    client: Client,
    s: &WorkerSettings,
) -> anyhow::Result<Worker> {
    let tuner = TunerHolder::builder()
        .workflow_task_slot_supplier(FixedSizeSlotSupplier::new(
            s.max_concurrent_workflow_tasks.max(2),
        ))
        .activity_task_slot_supplier(FixedSizeSlotSupplier::new(
            s.max_concurrent_activities.max(1),
        ))
        .local_activity_task_slot_supplier(FixedSizeSlotSupplier::new(
            s.max_concurrent_activities.max(1),
        ))
        .nexus_task_slot_supplier(FixedSizeSlotSupplier::new(1))
        .build();
    let options = WorkerOptions::new(s.task_queue.clone())
        .register_workflow::<FoodTruckWorkflow>()?
        .register_activities(FoodTruckActivities::new()?)
        .tuner(tuner)
        .max_cached_workflows(s.max_cached_workflows)
        .graceful_shutdown_period(s.graceful_shutdown)
        .build();
    Ok(Worker::new(runtime, client, options)?)
}

/// Runs `worker` until SIGINT or SIGTERM, then drains in-flight work and returns.
pub async fn run_until_signal(mut worker: Worker) -> anyhow::Result<()> {
    let shutdown = worker.shutdown_handle();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::spawn(async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: finishing in-flight work, then stopping"),
            _ = term.recv() => tracing::info!("SIGTERM: finishing in-flight work, then stopping"),
        }
        shutdown();
    });
    worker.run().await?;
    Ok(())
}
