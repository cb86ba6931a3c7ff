//! The schedule operations, through the Temporal client: the high-level schedule API where it
//! covers the need, the raw service where it does not (a catch-up window at creation, an update
//! that changes only the interval and retries on a conflict-token mismatch).

use std::time::{Duration, SystemTime};

use crate::{WORKFLOW_TYPE, WorkflowParams};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde::Serialize;
use temporalio_client::grpc::WorkflowService;
use temporalio_client::schedules::{
    ListSchedulesOptions, ScheduleError, ScheduleOverlapPolicy as Overlap,
};
use temporalio_client::tonic::{Code, IntoRequest, Status};
use temporalio_client::{Client, NamespacedClient};
use temporalio_common::protos::temporal::api::common::v1::{Payload, Payloads, WorkflowType};
use temporalio_common::protos::temporal::api::schedule::v1::{
    IntervalSpec, Schedule, ScheduleAction, SchedulePolicies, ScheduleSpec, ScheduleState,
    schedule_action::Action,
};
use temporalio_common::protos::temporal::api::taskqueue::v1::TaskQueue;
use temporalio_common::protos::temporal::api::workflow::v1::NewWorkflowExecutionInfo;
use temporalio_common::protos::temporal::api::workflowservice::v1::{
    CreateScheduleRequest, DescribeScheduleRequest, UpdateScheduleRequest,
};

/// What can go wrong, in words a person acts on.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleFailure {
    #[error("schedule '{0}' not found")]
    NotFound(String),
    #[error("schedule '{0}' already exists (update it, or delete it first)")]
    AlreadyExists(String),
    #[error("the interval must be at least 1 minute (got {0})")]
    Interval(u64),
    #[error("the Temporal server refused: {0}")]
    Server(String),
    #[error("{0}")]
    Other(String),
}

fn from_status(id: &str, s: &Status) -> ScheduleFailure {
    match s.code() {
        Code::NotFound => ScheduleFailure::NotFound(id.to_string()),
        Code::AlreadyExists => ScheduleFailure::AlreadyExists(id.to_string()),
        _ => ScheduleFailure::Server(format!("{:?}: {}", s.code(), s.message())),
    }
}

fn from_schedule_error(id: &str, e: &ScheduleError) -> ScheduleFailure {
    match e {
        ScheduleError::Rpc(s) => from_status(id, s),
        other => ScheduleFailure::Other(other.to_string()),
    }
}

/// The overlap policies, by the names people type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverlapPolicy {
    Skip,
    BufferOne,
    BufferAll,
    CancelOther,
    TerminateOther,
    AllowAll,
}

impl OverlapPolicy {
    /// Every policy, by the name people type (`skip`, `buffer-one`, …).
    pub const ALL: [(&'static str, Self); 6] = [
        ("skip", Self::Skip),
        ("buffer-one", Self::BufferOne),
        ("buffer-all", Self::BufferAll),
        ("cancel-other", Self::CancelOther),
        ("terminate-other", Self::TerminateOther),
        ("allow-all", Self::AllowAll),
    ];

    fn proto(self) -> i32 {
        match self {
            Self::Skip => 1,
            Self::BufferOne => 2,
            Self::BufferAll => 3,
            Self::CancelOther => 4,
            Self::TerminateOther => 5,
            Self::AllowAll => 6,
        }
    }

    /// The name of a policy as the server numbers it (0, unset, is the server's default: skip).
    pub fn name_of(proto: i32) -> &'static str {
        let proto = if proto == 0 { 1 } else { proto };
        Self::ALL
            .iter()
            .find(|(_, p)| p.proto() == proto)
            .map_or("unknown", |(name, _)| name)
    }
}

impl std::str::FromStr for OverlapPolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .iter()
            .find(|(name, _)| *name == s)
            .map(|(_, p)| *p)
            .ok_or_else(|| {
                let names: Vec<_> = Self::ALL.iter().map(|(n, _)| *n).collect();
                format!("{s:?} is not an overlap policy ({})", names.join(", "))
            })
    }
}

/// A new schedule.
#[derive(Debug, Clone)]
pub struct NewSchedule {
    pub id: String,
    pub interval_minutes: u64,
    pub params: WorkflowParams,
    pub note: String,
    pub paused: bool,
    pub overlap: OverlapPolicy,
    pub catchup_window: Duration,
    pub task_queue: String,
}

/// What `create` made.
#[derive(Debug, Clone, Serialize)]
pub struct Created {
    pub schedule_id: String,
    pub created: bool,
    pub interval_minutes: u64,
    pub paused: bool,
    pub note: String,
    pub workflow_id: String,
}

/// The workflow id prefix of a schedule's runs (the server appends the time).
pub fn workflow_id_for(schedule_id: &str) -> String {
    format!("food-truck-workflow-{schedule_id}")
}

/// The original's note.
pub fn default_note(minutes: u64) -> String {
    format!("Food Truck data scraping and deployment every {minutes} minutes")
}

/// An interval of `m` minutes, as the protocol's duration.
fn minutes<T: TryFrom<Duration>>(m: u64) -> Result<T, ScheduleFailure> {
    if m == 0 {
        return Err(ScheduleFailure::Interval(m));
    }
    duration_of(Duration::from_secs(m.saturating_mul(60)))
}

fn duration_of<T: TryFrom<Duration>>(d: Duration) -> Result<T, ScheduleFailure> {
    T::try_from(d).map_err(|_| ScheduleFailure::Other(format!("duration {d:?} is too long")))
}

pub async fn create(client: &Client, s: &NewSchedule) -> Result<Created, ScheduleFailure> {
    let params =
        serde_json::to_vec(&s.params).map_err(|e| ScheduleFailure::Other(e.to_string()))?;
    let payload = Payload {
        metadata: [("encoding".to_string(), b"json/plain".to_vec())].into(),
        data: params,
        ..Default::default()
    };
    let schedule = Schedule {
        spec: Some(ScheduleSpec {
            interval: vec![IntervalSpec {
                interval: Some(minutes(s.interval_minutes)?),
                phase: None,
            }],
            ..Default::default()
        }),
        action: Some(ScheduleAction {
            action: Some(Action::StartWorkflow(NewWorkflowExecutionInfo {
                workflow_id: workflow_id_for(&s.id),
                workflow_type: Some(WorkflowType {
                    name: WORKFLOW_TYPE.to_string(),
                }),
                task_queue: Some(TaskQueue {
                    name: s.task_queue.clone(),
                    ..Default::default()
                }),
                input: Some(Payloads {
                    payloads: vec![payload],
                }),
                workflow_execution_timeout: Some(duration_of(Duration::from_secs(3600))?),
                ..Default::default()
            })),
        }),
        policies: Some(SchedulePolicies {
            overlap_policy: s.overlap.proto(),
            catchup_window: Some(duration_of(s.catchup_window)?),
            ..Default::default()
        }),
        state: Some(ScheduleState {
            notes: s.note.clone(),
            paused: s.paused,
            ..Default::default()
        }),
    };
    let request = CreateScheduleRequest {
        namespace: client.namespace(),
        schedule_id: s.id.clone(),
        schedule: Some(schedule),
        identity: client.identity(),
        request_id: uuid::Uuid::new_v4().to_string(),
        ..Default::default()
    };
    WorkflowService::create_schedule(&mut client.clone(), request.into_request())
        .await
        .map_err(|e| from_status(&s.id, &e))?;
    Ok(Created {
        schedule_id: s.id.clone(),
        created: true,
        interval_minutes: s.interval_minutes,
        paused: s.paused,
        note: s.note.clone(),
        workflow_id: workflow_id_for(&s.id),
    })
}

/// A schedule as `list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    pub schedule_id: String,
    pub workflow_type: Option<String>,
    pub paused: bool,
    pub note: Option<String>,
    pub next_action_times: Vec<String>,
}

pub async fn list(client: &Client) -> Result<Vec<Listed>, ScheduleFailure> {
    let mut stream = client.list_schedules(ListSchedulesOptions::default());
    let mut out = Vec::new();
    while let Some(entry) = stream.next().await {
        let s = entry.map_err(|e| from_schedule_error("*", &e))?;
        out.push(Listed {
            schedule_id: s.schedule_id().to_string(),
            workflow_type: s.workflow_type().map(str::to_string),
            paused: s.paused(),
            note: s.note().map(str::to_string),
            next_action_times: s
                .future_action_times()
                .into_iter()
                .take(5)
                .map(iso)
                .collect(),
        });
    }
    out.sort_by(|a, b| a.schedule_id.cmp(&b.schedule_id));
    Ok(out)
}

/// One past run.
#[derive(Debug, Clone, Serialize)]
pub struct RecentAction {
    pub scheduled_time: Option<String>,
    pub actual_time: Option<String>,
    pub workflow_id: String,
}

/// What `describe` shows.
#[derive(Debug, Clone, Serialize)]
pub struct Described {
    pub schedule_id: String,
    pub note: Option<String>,
    pub paused: bool,
    pub interval_minutes: Vec<f64>,
    pub overlap_policy: String,
    pub catchup_window_seconds: Option<i64>,
    pub workflow_type: String,
    pub task_queue: String,
    pub workflow_id_prefix: String,
    pub params: Option<serde_json::Value>,
    pub next_action_times: Vec<String>,
    pub recent_actions: Vec<RecentAction>,
    pub action_count: i64,
}

pub async fn describe(client: &Client, id: &str) -> Result<Described, ScheduleFailure> {
    let d = client
        .get_schedule_handle(id)
        .describe(Default::default())
        .await
        .map_err(|e| from_schedule_error(id, &e))?;
    let raw = d.raw();
    let schedule = raw.schedule.as_ref();
    let spec = schedule.and_then(|s| s.spec.as_ref());
    let policies = schedule.and_then(|s| s.policies.as_ref());
    let start = schedule
        .and_then(|s| s.action.as_ref())
        .and_then(|a| a.action.as_ref())
        .and_then(|a| match a {
            Action::StartWorkflow(w) => Some(w),
            #[allow(unreachable_patterns)]
            _ => None,
        });
    let params = start
        .and_then(|w| w.input.as_ref())
        .and_then(|p| p.payloads.first())
        .and_then(|p| serde_json::from_slice(&p.data).ok());
    let mut recent: Vec<RecentAction> = d
        .recent_actions()
        .into_iter()
        .map(|a| RecentAction {
            scheduled_time: a.schedule_time.map(iso),
            actual_time: a.actual_time.map(iso),
            workflow_id: a.workflow_id,
        })
        .collect();
    let skip = recent.len().saturating_sub(5);
    recent.drain(..skip);
    Ok(Described {
        schedule_id: id.to_string(),
        note: d.note().map(str::to_string),
        paused: d.paused(),
        interval_minutes: spec
            .map(|s| {
                s.interval
                    .iter()
                    .filter_map(|i| i.interval.as_ref())
                    .map(|i| i.seconds as f64 / 60.0)
                    .collect()
            })
            .unwrap_or_default(),
        overlap_policy: OverlapPolicy::name_of(policies.map_or(0, |p| p.overlap_policy))
            .to_string(),
        catchup_window_seconds: policies
            .and_then(|p| p.catchup_window.as_ref())
            .map(|c| c.seconds),
        workflow_type: start
            .and_then(|w| w.workflow_type.as_ref())
            .map(|t| t.name.clone())
            .unwrap_or_default(),
        task_queue: start
            .and_then(|w| w.task_queue.as_ref())
            .map(|t| t.name.clone())
            .unwrap_or_default(),
        workflow_id_prefix: start.map(|w| w.workflow_id.clone()).unwrap_or_default(),
        params,
        next_action_times: d
            .future_action_times()
            .into_iter()
            .take(5)
            .map(iso)
            .collect(),
        recent_actions: recent,
        action_count: d.action_count(),
    })
}

pub async fn pause(client: &Client, id: &str, note: &str) -> Result<(), ScheduleFailure> {
    client
        .get_schedule_handle(id)
        .pause(Some(note), Default::default())
        .await
        .map_err(|e| from_schedule_error(id, &e))
}

pub async fn unpause(client: &Client, id: &str, note: &str) -> Result<(), ScheduleFailure> {
    client
        .get_schedule_handle(id)
        .unpause(Some(note), Default::default())
        .await
        .map_err(|e| from_schedule_error(id, &e))
}

/// One run now, under the schedule's own overlap policy.
pub async fn trigger(client: &Client, id: &str) -> Result<(), ScheduleFailure> {
    client
        .get_schedule_handle(id)
        .trigger(Overlap::Unspecified, Default::default())
        .await
        .map_err(|e| from_schedule_error(id, &e))
}

pub async fn delete(client: &Client, id: &str) -> Result<(), ScheduleFailure> {
    client
        .get_schedule_handle(id)
        .delete(Default::default())
        .await
        .map_err(|e| from_schedule_error(id, &e))
}

/// Sets the interval and keeps everything else; a concurrent change (conflict token) is
/// re-read and retried.
pub async fn update_interval(
    client: &Client,
    id: &str,
    interval_minutes: u64,
) -> Result<(), ScheduleFailure> {
    // Checked before anything is read.
    minutes::<Duration>(interval_minutes)?;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let current = WorkflowService::describe_schedule(
            &mut client.clone(),
            DescribeScheduleRequest {
                namespace: client.namespace(),
                schedule_id: id.to_string(),
            }
            .into_request(),
        )
        .await
        .map_err(|e| from_status(id, &e))?
        .into_inner();
        let mut schedule = current
            .schedule
            .ok_or_else(|| ScheduleFailure::Other(format!("schedule '{id}' has no definition")))?;
        let spec = schedule.spec.get_or_insert_with(Default::default);
        spec.interval = vec![IntervalSpec {
            interval: Some(minutes(interval_minutes)?),
            phase: None,
        }];
        let request = UpdateScheduleRequest {
            namespace: client.namespace(),
            schedule_id: id.to_string(),
            schedule: Some(schedule),
            conflict_token: current.conflict_token,
            identity: client.identity(),
            request_id: uuid::Uuid::new_v4().to_string(),
            ..Default::default()
        };
        match WorkflowService::update_schedule(&mut client.clone(), request.into_request()).await {
            Ok(_) => return Ok(()),
            Err(e) if attempts < 5 && e.message().contains("conflict token") => {
                tracing::debug!(
                    attempt = attempts,
                    "conflict token changed; re-reading the schedule"
                );
                tokio::time::sleep(Duration::from_millis(100 * attempts)).await;
            }
            Err(e) => return Err(from_status(id, &e)),
        }
    }
}

fn iso(t: SystemTime) -> String {
    DateTime::<Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_policies_by_name_and_by_the_servers_number() {
        for (name, policy) in OverlapPolicy::ALL {
            assert_eq!(name.parse::<OverlapPolicy>(), Ok(policy));
            assert_eq!(OverlapPolicy::name_of(policy.proto()), name);
        }
        assert_eq!(
            OverlapPolicy::name_of(0),
            "skip",
            "unset is the server's skip"
        );
        assert_eq!(OverlapPolicy::name_of(99), "unknown");
        let e = "sometimes".parse::<OverlapPolicy>().unwrap_err();
        assert!(
            e.contains("buffer-one") && e.contains("\"sometimes\""),
            "{e}"
        );
    }
}
