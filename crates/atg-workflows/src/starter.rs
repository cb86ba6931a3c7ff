//! Starting `FoodTruckWorkflow` and waiting for its result.

use std::time::Duration;

use atg_temporal_config::TemporalSettings;
use chrono::{DateTime, Utc};
use temporalio_client::{Client, WorkflowGetResultOptions, WorkflowStartOptions};

use crate::{FoodTruckWorkflow, WorkflowParams, WorkflowResult};

/// `food-truck-workflow-YYYYMMDD-HHMMSS` (Pacific time), the original's form.
pub fn workflow_id(now: DateTime<Utc>) -> String {
    format!(
        "food-truck-workflow-{}",
        now.with_timezone(&atg_pipeline::core::PACIFIC)
            .format("%Y%m%d-%H%M%S")
    )
}

/// A started run: its ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub workflow_id: String,
    pub run_id: String,
}

/// Starts the workflow; with `wait`, also waits for its result.
pub async fn start(
    client: &Client,
    task_queue: &str,
    workflow_id: &str,
    params: WorkflowParams,
    wait: bool,
) -> anyhow::Result<(Started, Option<WorkflowResult>)> {
    let handle = client
        .start_workflow(
            FoodTruckWorkflow::run,
            params,
            WorkflowStartOptions::new(task_queue.to_string(), workflow_id.to_string())
                .execution_timeout(Duration::from_secs(3600))
                .build(),
        )
        .await?;
    let started = Started {
        workflow_id: workflow_id.to_string(),
        run_id: handle.run_id().unwrap_or_default().to_string(),
    };
    if !wait {
        return Ok((started, None));
    }
    let result = handle
        .get_result(WorkflowGetResultOptions::default())
        .await?;
    Ok((started, Some(result)))
}

/// Where to look at a run in the Temporal UI: `TEMPORAL_UI_URL` if set, the dev server's UI
/// for a local address, Temporal Cloud's for a Cloud address.
pub fn ui_link(
    settings: &TemporalSettings,
    ui_url: Option<&str>,
    workflow_id: &str,
) -> Option<String> {
    let base = match ui_url {
        Some(u) => u.trim_end_matches('/').to_string(),
        None => {
            let host = settings.address.split("://").last()?.split(':').next()?;
            if ["localhost", "127.0.0.1", "[::1]", "0.0.0.0"].contains(&host) {
                format!("http://{host}:8233")
            } else if host.ends_with(".tmprl.cloud") {
                "https://cloud.temporal.io".to_string()
            } else {
                return None;
            }
        }
    };
    Some(format!(
        "{base}/namespaces/{}/workflows/{workflow_id}",
        settings.namespace
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_links() {
        let t = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 26, 6, 5, 9).unwrap();
        assert_eq!(workflow_id(t), "food-truck-workflow-20261125-220509");
        let local = TemporalSettings::default();
        assert_eq!(
            ui_link(&local, None, "w1").as_deref(),
            Some("http://localhost:8233/namespaces/default/workflows/w1")
        );
        let cloud = TemporalSettings {
            address: "ns.acct.tmprl.cloud:7233".into(),
            namespace: "ns.acct".into(),
            ..TemporalSettings::default()
        };
        assert_eq!(
            ui_link(&cloud, None, "w").as_deref(),
            Some("https://cloud.temporal.io/namespaces/ns.acct/workflows/w")
        );
        let other = TemporalSettings {
            address: "temporal.internal:7233".into(),
            ..TemporalSettings::default()
        };
        assert_eq!(ui_link(&other, None, "w"), None);
        assert_eq!(
            ui_link(&other, Some("https://ui.internal/"), "w").as_deref(),
            Some("https://ui.internal/namespaces/default/workflows/w")
        );
    }
}
