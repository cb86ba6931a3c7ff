use std::path::{Path, PathBuf};

use atg_core::{Site, SiteFile};
pub use atg_deploy::testkit::{bare_repo, git};
use atg_deploy::{GitDeploy, GitTarget, Identity, Secret};

/// A bare repository at `dir/site.git`, optionally with one commit on `main` holding a
/// README and a stale file under public/.
pub fn bare_remote(dir: &Path, seeded: bool) -> PathBuf {
    let remote = bare_repo(dir);
    if seeded {
        let work = dir.join("seed");
        git(dir, &["init", "-q", "-b", "main", work.to_str().unwrap()]);
        std::fs::write(work.join("README.md"), "# the target site\n").unwrap();
        std::fs::create_dir_all(work.join("public")).unwrap();
        std::fs::write(work.join("public/old-page.html"), "stale").unwrap();
        git(&work, &["add", "."]);
        git(
            &work,
            &[
                "-c",
                "user.name=Seed",
                "-c",
                "user.email=seed@test",
                "commit",
                "-q",
                "-m",
                "seed",
            ],
        );
        git(&work, &["push", "-q", remote.to_str().unwrap(), "main"]);
    }
    remote
}

pub fn commits(remote: &Path, branch: &str) -> Vec<String> {
    git(remote, &["log", "--format=%s", branch])
        .lines()
        .map(str::to_string)
        .collect()
}

pub fn files(remote: &Path, branch: &str) -> Vec<String> {
    git(remote, &["ls-tree", "-r", "--name-only", branch])
        .lines()
        .map(str::to_string)
        .collect()
}

pub fn show(remote: &Path, spec: &str) -> String {
    git(remote, &["show", spec])
}

/// A small site whose data.json has the given events and `updated` stamp; its digest, as the
/// renderer's, depends on the events and not on the stamp.
pub fn site(vendors: &[&str], updated: &str) -> Site {
    let events: Vec<String> = vendors
        .iter()
        .map(|v| format!("    {{\n      \"vendor\": \"{v}\"\n    }}"))
        .collect();
    let data = format!(
        "{{\n  \"events\": [\n{}\n  ],\n  \"updated\": \"{updated}\",\n  \"total_events\": {}\n}}",
        events.join(",\n"),
        vendors.len()
    );
    let files = vec![
        SiteFile::new("index.html", "<!doctype html><title>t</title>"),
        SiteFile::new("data.json", data),
        SiteFile::new(
            "events.ics",
            format!(
                "BEGIN:VCALENDAR\r\n{}END:VCALENDAR\r\n",
                vendors.join("\r\n")
            ),
        ),
    ];
    Site::new(files, vendors.join("|"), vendors.len())
}

pub fn job(url: &str, branch: &str, token: Option<&str>, time: i64) -> GitDeploy {
    GitDeploy {
        target: GitTarget {
            url: url.into(),
            branch: branch.into(),
            dir: atg_deploy::git::SITE_DIR.into(),
        },
        token: token.map(Secret::new),
        identity: Identity {
            name: "Test Bot".into(),
            email: "bot@test".into(),
        },
        message: "🚚 Update food truck data - 2026-11-25 13:00".into(),
        time,
        max_attempts: 3,
        workdir: None,
        timeout: atg_deploy::DEFAULT_GIT_TIMEOUT,
        cancel: Default::default(),
    }
}
