//! Building and running a worker: the workflow and every activity on the task queue, bounded
//! concurrency, a bounded workflow cache, and a graceful stop on SIGINT/SIGTERM.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use temporalio_client::Client;
use temporalio_common::telemetry::metrics::CoreMeter;
use temporalio_common::telemetry::{
    PrometheusExporterOptions, TelemetryOptions, start_prometheus_metric_exporter,
};
use temporalio_sdk::runtime::RuntimeOptions;
use temporalio_sdk::runtime::worker_tuner::{FixedSizeSlotSupplier, TunerHolder};
use temporalio_sdk::{Runtime, Worker, WorkerOptions};

use crate::activities::ActivitySettings;
use crate::{
    FoodTruckActivities, FoodTruckPartWorkflow, FoodTruckRangeWorkflow, FoodTruckWorkflow,
};

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
    /// The activities' settings: what a workflow's input may choose (default: nothing but the
    /// built-in configuration), the limits, the keys.
    pub activities: ActivitySettings,
    /// This port's own task queue (default: the main one + `-atg`; [`crate::workflows::own_queue`]).
    pub own_task_queue: Option<String>,
    /// Serve Prometheus metrics (the SDK's and [`crate::activities::STALE_METRIC`]) here.
    pub metrics_addr: Option<SocketAddr>,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            task_queue: atg_temporal_config::DEFAULT_TASK_QUEUE.to_string(),
            max_concurrent_activities: 10,
            max_concurrent_workflow_tasks: 10,
            max_cached_workflows: 50,
            graceful_shutdown: Duration::from_secs(30),
            activities: ActivitySettings::for_test(crate::activities::WorkerTrust::default()),
            own_task_queue: None,
            metrics_addr: None,
        }
    }
}

/// The SDK's runtime, with its metrics served at `metrics_addr` when there is one. Must be
/// called inside a tokio runtime.
pub struct WorkerRuntime {
    pub runtime: Runtime,
    metrics: Option<Metrics>,
}

/// The Prometheus endpoint: its meter, address, and the task serving it.
struct Metrics {
    meter: Arc<dyn CoreMeter>,
    addr: SocketAddr,
    server: tokio::task::AbortHandle,
}

impl WorkerRuntime {
    pub fn new(metrics_addr: Option<SocketAddr>) -> anyhow::Result<Self> {
        let metrics = match metrics_addr {
            Some(addr) => {
                let started = start_prometheus_metric_exporter(
                    PrometheusExporterOptions::builder()
                        .socket_addr(addr)
                        .build(),
                )
                .map_err(|e| anyhow::anyhow!("cannot serve metrics on {addr}: {e}"))?;
                Some(Metrics {
                    meter: started.meter,
                    addr: started.bound_addr,
                    server: started.abort_handle,
                })
            }
            None => None,
        };
        let options = RuntimeOptions::builder()
            .telemetry_options(
                TelemetryOptions::builder()
                    .maybe_metrics(metrics.as_ref().map(|m| m.meter.clone()))
                    .build(),
            )
            .build()
            .map_err(|e| anyhow::anyhow!("cannot configure the Temporal runtime: {e}"))?;
        Ok(Self {
            runtime: Runtime::from_current_tokio(options)?,
            metrics,
        })
    }

    /// Where the metrics are served.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|m| m.addr)
    }

    fn meter(&self) -> Option<Arc<dyn CoreMeter>> {
        self.metrics.as_ref().map(|m| m.meter.clone())
    }
}

impl Drop for WorkerRuntime {
    fn drop(&mut self) {
        if let Some(m) = &self.metrics {
            m.server.abort();
        }
    }
}

impl WorkerSettings {
    /// The task queues this worker polls: the main one (shared with the original's workers in
    /// a migration) and this port's own one.
    pub fn queues(&self) -> [String; 2] {
        let own = self
            .own_task_queue
            .clone()
            .unwrap_or_else(|| crate::workflows::own_queue(&self.task_queue));
        [self.task_queue.clone(), own]
    }
}

/// The workers of a process: one per task queue ([`WorkerSettings::queues`]), each with the
/// workflows and every activity registered and sharing the activities' state (one HTTP
/// client, one vision cache). The original's workers may share the main queue: the
/// workflows here send every step the original lacks to the own queue.
pub fn build_workers(
    rt: &WorkerRuntime,
    client: Client,
    s: &WorkerSettings,
) -> anyhow::Result<Vec<Worker>> {
    let [main, own] = s.queues();
    if let Some(q) = &s.own_task_queue {
        crate::workflows::set_own_queue(q);
    }
    let activities = FoodTruckActivities::new(s.activities.clone(), rt.meter());
    [main, own]
        .into_iter()
        .map(|queue| {
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
            let options = WorkerOptions::new(queue)
                .register_workflow::<FoodTruckWorkflow>()?
                .register_workflow::<FoodTruckPartWorkflow>()?
                .register_workflow::<FoodTruckRangeWorkflow>()?
                .register_activities(activities.clone())
                // Heartbeats reach the server at least every second, so a cancelled
                // workflow's activities learn of it within a second or two.
                .max_heartbeat_throttle_interval(crate::activities::HEARTBEAT_EVERY)
                .tuner(tuner)
                .max_cached_workflows(s.max_cached_workflows)
                .graceful_shutdown_period(s.graceful_shutdown)
                .build();
            Ok(Worker::new(&rt.runtime, client.clone(), options)?)
        })
        .collect()
}

/// Runs `workers` until SIGINT or SIGTERM, then drains in-flight work and returns.
pub async fn run_until_signal(workers: Vec<Worker>) -> anyhow::Result<()> {
    let shutdowns: Vec<_> = workers.iter().map(Worker::shutdown_handle).collect();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::spawn(async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: finishing in-flight work, then stopping"),
            _ = term.recv() => tracing::info!("SIGTERM: finishing in-flight work, then stopping"),
        }
        for shutdown in shutdowns {
            shutdown();
        }
    });
    run_all(workers).await
}

/// Runs every worker until all have stopped; the first error, if any.
async fn run_all(workers: Vec<Worker>) -> anyhow::Result<()> {
    let results = futures::future::join_all(
        workers
            .into_iter()
            .map(|mut w| async move { w.run().await }),
    )
    .await;
    for r in results {
        r?;
    }
    Ok(())
}

/// A worker on a thread of its own, with its own async runtime (the SDK's run future is not
/// `Send`), for embedding a worker in another program or a test.
pub struct WorkerThread {
    shutdown: Box<dyn Fn() + Send + Sync>,
    /// Where its metrics are served (when its settings asked for them).
    pub metrics_addr: Option<SocketAddr>,
    /// The worker's runtime: the shutdown must be asked for inside it.
    runtime: tokio::runtime::Handle,
    thread: Option<std::thread::JoinHandle<anyhow::Result<()>>>,
}

type Started = (
    Box<dyn Fn() + Send + Sync>,
    tokio::runtime::Handle,
    Option<SocketAddr>,
);

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
                        let runtime = WorkerRuntime::new(settings.metrics_addr)?;
                        let workers = build_workers(&runtime, client, &settings)?;
                        anyhow::Ok((runtime, workers))
                    }
                    .await;
                    let (_runtime, workers) = match started {
                        Ok(w) => w,
                        Err(e) => {
                            let _ = tx.send(Err(anyhow::anyhow!("{e:#}")));
                            return Err(e);
                        }
                    };
                    let shutdowns: Vec<_> = workers.iter().map(Worker::shutdown_handle).collect();
                    let _ = tx.send(Ok((
                        Box::new(move || {
                            for s in &shutdowns {
                                s();
                            }
                        }),
                        tokio::runtime::Handle::current(),
                        _runtime.metrics_addr(),
                    )));
                    run_all(workers).await
                })
            })?;
        let (shutdown, runtime, metrics_addr) = rx
            .recv()
            .map_err(|_| anyhow::anyhow!("the worker thread stopped before it started"))??;
        Ok(Self {
            shutdown,
            metrics_addr,
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
