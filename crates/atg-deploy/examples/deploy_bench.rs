//! Benchmark helper for `cargo xtask bench`: deploys a typical site (the page, data.json with
//! 25 events, nine calendar feeds) to a local bare repository, a changed schedule each time, and
//! prints the wall time of each deploy (seconds) as JSON.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::process::Command;
use std::time::Instant;

use atg_core::{Site, SiteFile};
use atg_deploy::{Deployed, GitDeploy, GitTarget, Identity, deploy_site};

/// The page's own files, as large as the shipped ones.
const PAGE: [(&str, &str); 3] = [
    ("index.html", include_str!("../../../public/index.html")),
    ("app.js", include_str!("../../../public/app.js")),
    ("style.css", include_str!("../../../public/style.css")),
];

fn site(run: usize) -> Site {
    let mut files: Vec<SiteFile> = PAGE.iter().map(|(p, b)| SiteFile::new(*p, *b)).collect();
    let events: Vec<String> = (0..25)
        .map(|i| format!("{{\"vendor\": \"Truck {i} of run {run}\"}}"))
        .collect();
    files.push(SiteFile::new(
        "data.json",
        format!(
            "{{\"events\": [{}], \"updated\": \"{run}\"}}",
            events.join(",")
        ),
    ));
    for f in [
        "events.ics",
        "events-a.ics",
        "events-b.ics",
        "events-c.ics",
        "events-d.ics",
        "events-e.ics",
        "events-f.ics",
        "events-g.ics",
    ] {
        files.push(SiteFile::new(
            f,
            format!("BEGIN:VCALENDAR\r\nX-RUN:{run}\r\nEND:VCALENDAR\r\n"),
        ));
    }
    Site::new(files, format!("run-{run}"), 25)
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10);
    let tmp = tempfile::tempdir().unwrap();
    let remote = tmp.path().join("site.git");
    let ok = Command::new("git")
        .args(["init", "-q", "--bare", "-b", "main"])
        .arg(&remote)
        .status()
        .unwrap();
    assert!(ok.success());
    let mut walls = Vec::new();
    for run in 0..=runs {
        let job = GitDeploy {
            target: GitTarget {
                url: remote.display().to_string(),
                branch: "main".into(),
                dir: atg_deploy::git::SITE_DIR.into(),
            },
            token: None,
            identity: Identity::default(),
            message: format!("bench {run}"),
            time: 1_764_000_000 + run as i64,
            max_attempts: 1,
            workdir: None,
            timeout: atg_deploy::DEFAULT_GIT_TIMEOUT,
            cancel: Default::default(),
        };
        let started = Instant::now();
        let done = deploy_site(&job, &site(run)).unwrap();
        assert!(matches!(done, Deployed::Committed { .. }));
        // The first deploy (an empty repository) is the warm-up.
        if run > 0 {
            walls.push(started.elapsed().as_secs_f64());
        }
    }
    println!("{{\"walls\": {walls:?}}}");
}
