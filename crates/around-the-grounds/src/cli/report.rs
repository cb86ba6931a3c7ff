//! What the CLI says about publishing, and `--serve`.

use std::io::Write;

use anyhow::Context;

use atg_pipeline::web::{Report, render_text};

use atg_cli::say;
use atg_pipeline::{PublishError, Published, Schedule, Target};

/// What a publish did, in one line for people.
pub fn published(target: &Target, done: &Published, events: usize) -> String {
    match (target, done) {
        (Target::Directory(dir), Published::Skipped) => format!(
            "\nℹ️  No events found: the site in {} was left as it was",
            dir.display()
        ),
        (Target::Directory(dir), _) => {
            format!("\n✅ Wrote the site ({events} events) to {}", dir.display())
        }
        (Target::Git(_), Published::Skipped) => {
            "ℹ️  No events found: nothing was deployed, the published site stays".to_string()
        }
        (Target::Git(_), Published::Unchanged | Published::Written) => {
            "ℹ️  No changes to deploy: the published schedule is the same".to_string()
        }
        (Target::Git(git), Published::Committed { commit }) => format!(
            "🚀 Deployed to {} ({}): commit {}",
            git.target.url,
            git.target.branch,
            commit.get(..10).unwrap_or(commit)
        ),
    }
}

pub fn failed(target: &Target, e: &PublishError) -> String {
    match target {
        Target::Directory(_) => format!("❌ Preview failed: {e}"),
        Target::Git(_) => format!("❌ Deploy failed: {e}"),
    }
}

/// Serves `dir` (one site, or one directory per site) over HTTP until Ctrl-C.
pub async fn serve(
    dir: &std::path::Path,
    sites: &[String],
    addr: std::net::SocketAddr,
) -> anyhow::Result<()> {
    let pages: Vec<String> = if dir.join("index.html").is_file() {
        vec![String::new()]
    } else {
        sites
            .iter()
            .filter(|k| dir.join(k).join("index.html").is_file())
            .map(|k| format!("{k}/"))
            .collect()
    };
    anyhow::ensure!(
        !pages.is_empty(),
        "nothing to serve: {} has no index.html (run with --preview first)",
        dir.display()
    );
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    let app = axum::Router::new().fallback_service(tower_http::services::ServeDir::new(dir));
    for page in &pages {
        say(&format!(
            "🌐 Serving {} at http://{local}/{page} (Ctrl-C to stop)",
            dir.join(page).display()
        ));
    }
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("the local server failed")
}

/// The schedule on stdout: one JSON document (`json`), or the text for people.
pub fn print_schedule(json: bool, schedule: &Schedule) -> anyhow::Result<()> {
    match write_schedule(json, schedule) {
        // A reader that stopped reading (`| head`) wanted no more.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(())
        }
        other => other,
    }
}

fn write_schedule(json: bool, schedule: &Schedule) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", Report::new(schedule).to_json()?)?;
    } else {
        writeln!(out, "🍺 Around the Grounds - Food Truck Tracker")?;
        writeln!(out, "{}\n", "=".repeat(50))?;
        if schedule.breweries.is_empty() {
            writeln!(out, "No breweries configured.")?;
        }
        write!(out, "{}", render_text(schedule))?;
    }
    out.flush()?;
    Ok(())
}
