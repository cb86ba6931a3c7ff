//! The worker's health endpoint (`--health-addr`), and `atg-worker --health`, which asks it:
//! a container's HEALTHCHECK.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

/// Where `--health` looks when no `--health-addr` is given.
pub const DEFAULT_HEALTH_ADDR: &str = "127.0.0.1:9465";

/// Serves `GET /healthz` → 200 `ok` until the worker stops (the task ends with the process).
pub async fn serve(addr: SocketAddr) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot serve the health endpoint on {addr}"))?;
    let app = axum::Router::new().route("/healthz", axum::routing::get(|| async { "ok\n" }));
    tracing::info!(%addr, "health endpoint at http://{addr}/healthz");
    Ok(tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::warn!(error = %e, "the health endpoint stopped");
        }
    }))
}

/// `--health`: 0 when the worker's health endpoint answers 200 within 3 s, else 1.
pub async fn check(addr: Option<SocketAddr>) -> ExitCode {
    let addr = addr.map_or_else(|| DEFAULT_HEALTH_ADDR.to_string(), |a| a.to_string());
    let url = format!("http://{addr}/healthz");
    let answer = async {
        // The worker's own endpoint, on this machine.
        let client = atg_http::Outbound {
            internal: atg_http::InternalHosts::of([url.as_str()]),
            ..atg_http::Outbound::default()
        }
        .with_timeout(Duration::from_secs(3))
        .client()?;
        client.get(&url).send().await?.error_for_status()
    };
    match answer.await {
        Ok(_) => {
            println!("healthy: {url}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("unhealthy: {url}: {}", e.without_url());
            ExitCode::from(1)
        }
    }
}
