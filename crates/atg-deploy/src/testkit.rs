//! Real git repositories for tests (feature `testkit`): the `git` command, a bare remote, and
//! how many commits a branch has. Failures panic with git's own message — this is test code.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `git -C dir ARGS`, which must succeed; its stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = match Command::new("git").arg("-C").arg(dir).args(args).output() {
        Ok(out) => out,
        Err(e) => panic!("cannot run git {args:?}: {e}"),
    };
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An empty bare repository at `dir/site.git` whose default branch is `main`.
pub fn bare_repo(dir: &Path) -> PathBuf {
    let repo = dir.join("site.git");
    git(
        dir,
        &[
            "init",
            "-q",
            "--bare",
            "-b",
            "main",
            &repo.to_string_lossy(),
        ],
    );
    repo
}

/// Commits on `main` in `repo`; 0 when the branch does not exist yet.
pub fn commit_count(repo: &Path) -> usize {
    Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["rev-list", "--count", "main"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8_lossy(&out.stdout).trim().parse().ok())
        .unwrap_or(0)
}
