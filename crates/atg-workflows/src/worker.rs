//! Building and running a worker: the workflow and every activity on the task queue, bounded
//! concurrency, a bounded workflow cache, and a graceful stop on SIGINT/SIGTERM.

use std::time::Duration;

use temporalio_client::Client;
use temporalio_sdk::runtime::worker_tuner::{FixedSizeSlotSupplier, TunerHolder};
use temporalio_sdk::{Runtime, Worker, WorkerOptions};

use crate::activities::WorkerTrust;
use crate::{FoodTruckActivities, FoodTruckPartWorkflow, FoodTruckWorkflow};

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
    /// What a workflow's input may choose (default: nothing but the built-in configuration).
    pub trust: WorkerTrust,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            task_queue: atg_temporal_config::DEFAULT_TASK_QUEUE.to_string(),
            max_concurrent_activities: 10,
            max_concurrent_workflow_tasks: 10,
            max_cached_workflows: 50,
            graceful_shutdown: Duration::from_secs(30),
            trust: WorkerTrust::default(),
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
        .register_workflow::<FoodTruckPartWorkflow>()?
        .register_activities(FoodTruckActivities::new(s.trust.clone()))
        // Heartbeats reach the server at least every second, so a cancelled workflow's
        // activities learn of it within a second or two.
        .max_heartbeat_throttle_interval(crate::activities::HEARTBEAT_EVERY)
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

/// A worker on a thread of its own, with its own async runtime (the SDK's run future is not
/// `Send`), for embedding a worker in another program or a test.
pub struct WorkerThread {
    shutdown: Box<dyn Fn() + Send + Sync>,
    /// The worker's runtime: the shutdown must be asked for inside it.
    runtime: tokio::runtime::Handle,
    thread: Option<std::thread::JoinHandle<anyhow::Result<()>>>,
}

type Started = (Box<dyn Fn() + Send + Sync>, tokio::runtime::Handle);

impl WorkerThread {
    /// Connects with `temporal` and starts polling; returns once the worker is running.
    pub fn spawn(
        temporal: atg_temporal_config::TemporalSettings,
        settings: WorkerSettings,
    ) -> anyhow::Result<Self> {
        let (tx, rx) = std::sync::mpsc::channel::<anyhow::Result<Started>>();
        let thread = std::thread::Builder::new()
            .name("atg-worker".into())
            .spawn(move || -> anyhow::Result<()> {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()?;
                rt.block_on(async move {
                    let started = async {
                        let client = temporal.connect("atg-worker-thread").await?;
                        let runtime = Runtime::from_current_tokio(Default::default())?;
                        let worker = build_worker(&runtime, client, &settings)?;
                        anyhow::Ok((runtime, worker))
                    }
                    .await;
                    let (_runtime, mut worker) = match started {
                        Ok(w) => w,
                        Err(e) => {
                            let _ = tx.send(Err(anyhow::anyhow!("{e:#}")));
                            return Err(e);
                        }
                    };
                    let _ = tx.send(Ok((
                        Box::new(worker.shutdown_handle()),
                        tokio::runtime::Handle::current(),
                    )));
                    worker.run().await?;
                    Ok(())
                })
            })?;
        let (shutdown, runtime) = rx
            .recv()
            .map_err(|_| anyhow::anyhow!("the worker thread stopped before it started"))??;
        Ok(Self {
            shutdown,
            runtime,
            thread: Some(thread),
        })
    }

    /// Asks the worker to stop, lets in-flight work finish, and waits for the thread.
    pub fn stop(mut self) -> anyhow::Result<()> {
        self.ask_to_stop();
        match self.thread.take().map(std::thread::JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(anyhow::anyhow!("the worker thread panicked")),
            None => Ok(()),
        }
    }
}

impl WorkerThread {
    fn ask_to_stop(&self) {
        let _inside = self.runtime.enter();
        (self.shutdown)();
    }
}

impl Drop for WorkerThread {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            self.ask_to_stop();
            let _ = t.join();
        }
    }
}
