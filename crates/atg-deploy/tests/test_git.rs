use atg_deploy::{Deployed, GitError, deploy_site};

use crate::support::*;

#[test]
fn first_deploy_then_unchanged_then_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let remote = bare_remote(tmp.path(), true);
    let url = remote.to_str().unwrap();

    let first = deploy_site(
        &job(url, "main", None, 1_764_100_000),
        &site(&["Woodshop BBQ"], "2026-11-25T20:00:00+00:00"),
    )
    .unwrap();
    assert!(
        matches!(first, Deployed::Committed { attempts: 1, .. }),
        "{first:?}"
    );
    assert_eq!(
        commits(&remote, "main"),
        ["🚚 Update food truck data - 2026-11-25 13:00", "seed"]
    );
    let mut f = files(&remote, "main");
    f.sort();
    // The site replaces public/ (the stale page is gone); the rest of the repository stays.
    assert_eq!(
        f,
        [
            "README.md",
            "public/data.json",
            "public/events.ics",
            "public/index.html"
        ]
    );
    let author = git(&remote, &["log", "-1", "--format=%an <%ae> %at", "main"]);
    assert_eq!(author.trim(), "Test Bot <bot@test> 1764100000");

    // The same schedule an hour later: only `updated` differs, so nothing is committed.
    let again = deploy_site(
        &job(url, "main", None, 1_764_103_600),
        &site(&["Woodshop BBQ"], "2026-11-25T21:00:00+00:00"),
    )
    .unwrap();
    assert_eq!(again, Deployed::NoChanges);
    assert_eq!(commits(&remote, "main").len(), 2);

    // A changed schedule: exactly one new commit.
    let changed = deploy_site(
        &job(url, "main", None, 1_764_107_200),
        &site(
            &["Woodshop BBQ", "Tacos & Beer"],
            "2026-11-25T22:00:00+00:00",
        ),
    )
    .unwrap();
    assert!(matches!(changed, Deployed::Committed { .. }));
    assert_eq!(commits(&remote, "main").len(), 3);
    assert!(show(&remote, "main:public/data.json").contains("Tacos & Beer"));
}

#[test]
fn an_empty_repository_and_a_new_branch() {
    let tmp = tempfile::tempdir().unwrap();
    let remote = bare_remote(tmp.path(), false);
    let url = format!("file://{}", remote.display());
    deploy_site(&job(&url, "main", None, 1), &site(&["A"], "x")).unwrap();
    assert_eq!(commits(&remote, "main").len(), 1);
    // A branch that does not exist yet starts its own history.
    deploy_site(&job(&url, "gh-pages", None, 2), &site(&["B"], "y")).unwrap();
    assert_eq!(commits(&remote, "gh-pages").len(), 1);
    assert!(show(&remote, "gh-pages:public/data.json").contains("\"B\""));
    assert_eq!(commits(&remote, "main").len(), 1);
}

#[test]
fn a_push_racing_another_is_rebuilt_on_the_new_tip() {
    let tmp = tempfile::tempdir().unwrap();
    let remote = bare_remote(tmp.path(), true);
    // Someone else's commit, waiting on a side branch.
    let other = tmp.path().join("other");
    git(
        tmp.path(),
        &[
            "clone",
            "-q",
            remote.to_str().unwrap(),
            other.to_str().unwrap(),
        ],
    );
    std::fs::write(other.join("NOTES.md"), "someone else's change\n").unwrap();
    git(&other, &["add", "."]);
    git(
        &other,
        &[
            "-c",
            "user.name=Other",
            "-c",
            "user.email=o@test",
            "commit",
            "-q",
            "-m",
            "concurrent change",
        ],
    );
    git(
        &other,
        &["push", "-q", "origin", "main:refs/heads/concurrent"],
    );
    // The first push to arrive finds that commit landed on main between our fetch and push.
    let hook = remote.join("hooks/pre-receive");
    std::fs::write(
        &hook,
        "#!/bin/sh\nif [ ! -e \"$GIT_DIR/raced\" ]; then\n  touch \"$GIT_DIR/raced\"\n  unset GIT_QUARANTINE_PATH\n  git update-ref refs/heads/main refs/heads/concurrent\nfi\nexit 0\n",
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();

    let url = remote.to_str().unwrap();
    let done = deploy_site(&job(url, "main", None, 3), &site(&["Mine"], "z")).unwrap();
    assert!(
        matches!(done, Deployed::Committed { attempts: 2, .. }),
        "{done:?}"
    );
    // Both changes are there: ours on top of theirs.
    assert_eq!(
        commits(&remote, "main"),
        [
            "🚚 Update food truck data - 2026-11-25 13:00",
            "concurrent change",
            "seed"
        ]
    );
    let f = files(&remote, "main");
    assert!(
        f.contains(&"NOTES.md".to_string()) && f.contains(&"public/data.json".to_string()),
        "{f:?}"
    );
}

#[test]
fn an_unreachable_repository_is_one_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope.git");
    let e = deploy_site(
        &job(missing.to_str().unwrap(), "main", None, 1),
        &site(&["A"], "x"),
    )
    .unwrap_err();
    assert!(matches!(e, GitError::Fetch { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.starts_with(&format!("cannot fetch {}", missing.display())),
        "{msg}"
    );
    assert_eq!(msg.lines().count(), 1, "{msg}");
}

#[test]
fn a_refused_push_is_reported_with_gits_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let remote = bare_remote(tmp.path(), true);
    let hook = remote.join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\necho 'branch is protected' >&2\nexit 1\n").unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let e = deploy_site(
        &job(remote.to_str().unwrap(), "main", None, 1),
        &site(&["A"], "x"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("branch is protected"), "{e}");
    assert_eq!(commits(&remote, "main"), ["seed"]);
}

#[test]
fn sites_in_their_own_directories_share_a_repository_and_a_bad_directory_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let remote = bare_remote(tmp.path(), true);
    let url = remote.to_str().unwrap();
    let in_dir = |dir: &str| {
        let mut j = job(url, "main", None, 1_764_100_000);
        j.target.dir = dir.into();
        j
    };
    let brooklyn = site(&["Pierogi Wagon"], "2026-11-25T20:00:00+00:00");
    deploy_site(
        &in_dir("public"),
        &site(&["Woodshop BBQ"], "2026-11-25T20:00:00+00:00"),
    )
    .unwrap();
    deploy_site(&in_dir("sites/brooklyn"), &brooklyn).unwrap();
    let mut f = files(&remote, "main");
    f.sort();
    assert!(f.contains(&"public/data.json".to_string()), "{f:?}");
    assert!(f.contains(&"sites/brooklyn/data.json".to_string()), "{f:?}");
    // Each directory keeps its own digest: the second site again is no change.
    assert_eq!(
        deploy_site(&in_dir("sites/brooklyn"), &brooklyn).unwrap(),
        Deployed::NoChanges
    );
    let before = commits(&remote, "main").len();
    for bad in ["../outside", "/etc", "a/../../b", ".git/hooks", "sub/.GIT"] {
        let e = deploy_site(&in_dir(bad), &brooklyn).unwrap_err();
        assert!(e.to_string().contains("the site's directory"), "{bad}: {e}");
    }
    assert_eq!(commits(&remote, "main").len(), before);
}
