//! Publishing into a git repository: a shallow fetch of the target branch with gix, the site
//! written under its directory (`public/` unless its `publish.path` says otherwise; `.` is the
//! root) as a new tree, a commit only when the site changed, and a push with the `git` command
//! (gix cannot push). A credential reaches git through the environment
//! of that one process, never argv, a URL, a config file or a log line.

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use gix::ObjectId;
use gix::bstr::ByteSlice;

use crate::local::safe_relative;
use atg_core::{Secret, Site, SiteFile};

/// Where the site goes inside the target repository unless told otherwise, as the original.
pub const SITE_DIR: &str = atg_core::DEFAULT_SITE_DIR;

/// The branch to publish to, the repository (any URL git understands: https, ssh, a local
/// path, file://), and the directory inside it that the site replaces (`""`: the root, whose
/// dot-entries such as `.github` are kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitTarget {
    pub url: String,
    pub branch: String,
    pub dir: String,
}

/// Who the commits are by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub email: String,
}

impl Default for Identity {
    fn default() -> Self {
        Self {
            name: "Around the Grounds Bot".into(),
            email: "around-the-grounds-bot@users.noreply.github.com".into(),
        }
    }
}

/// One deploy.
#[derive(Debug, Clone)]
pub struct GitDeploy {
    pub target: GitTarget,
    /// An HTTPS token (GitHub App installation token or a personal token).
    pub token: Option<Secret>,
    pub identity: Identity,
    pub message: String,
    /// Commit time, seconds since the epoch (from the run's clock).
    pub time: i64,
    /// Attempts when the push is rejected because the branch moved meanwhile.
    pub max_attempts: u32,
    /// Where to fetch into; a temporary directory (removed afterwards) when `None`.
    pub workdir: Option<PathBuf>,
    /// The most the whole deploy may take; a step still running then is abandoned (a push is
    /// killed) and nothing is pushed afterwards.
    pub timeout: Duration,
    /// Raised by whoever gave up on this deploy (a cancelled activity): no push after it.
    pub cancel: Arc<AtomicBool>,
}

impl GitDeploy {
    /// Cancelled, or past `deadline`: start nothing more, and stop what is running.
    fn given_up(&self, deadline: Instant) -> bool {
        self.cancel.load(Ordering::SeqCst) || Instant::now() >= deadline
    }
}

/// What a deploy did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deployed {
    /// A commit was pushed.
    Committed { commit: String, attempts: u32 },
    /// The published site already matches (apart from `updated`): nothing was pushed.
    NoChanges,
}

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("cannot fetch {url} (branch {branch}): {detail}")]
    Fetch {
        url: String,
        branch: String,
        detail: String,
    },
    #[error("cannot build the commit: {0}")]
    Commit(String),
    #[error("git push to {url} failed: {detail}")]
    Push { url: String, detail: String },
    #[error("git push to {url} was rejected {attempts} times because the branch kept moving")]
    Raced { url: String, attempts: u32 },
    #[error("cannot run git: {0} (is git installed?)")]
    NoGit(String),
    #[error("{step} {url} did not finish within {seconds} s; nothing was pushed after that")]
    TimedOut {
        step: &'static str,
        url: String,
        seconds: u64,
    },
    #[error("the deploy to {0} was cancelled before it pushed")]
    Cancelled(String),
    #[error("{0}")]
    Io(String),
}

/// The trailer of a deploy's commit message that names what it published: the site's
/// directory and digest ([`Site::digest`]), `Site-Digest: public 3f…`. A tip that carries the
/// digest of the site at hand has nothing new. Sites sharing a repository (in directories of
/// their own) each keep their trailer: a commit repeats the tip's trailers of the others.
pub const DIGEST_TRAILER: &str = "Site-Digest";

/// Where a job fetches into: its workdir, else a temporary directory (kept alive by the
/// returned guard).
fn work_root(d: &GitDeploy) -> Result<(PathBuf, Option<tempfile::TempDir>), GitError> {
    let (root, guard) = match &d.workdir {
        Some(w) => (w.clone(), None),
        None => {
            let tmp = tempfile::tempdir()
                .map_err(|e| GitError::Io(format!("cannot make a temporary directory: {e}")))?;
            (tmp.path().to_path_buf(), Some(tmp))
        }
    };
    std::fs::create_dir_all(&root)
        .map_err(|e| GitError::Io(format!("cannot create {}: {e}", root.display())))?;
    Ok((root, guard))
}

/// The bytes of `file` in the site directory of the branch's tip; `None` when the branch, the
/// directory or the file is not there yet.
pub fn read_published_file(d: &GitDeploy, file: &str) -> Result<Option<Vec<u8>>, GitError> {
    let (root, _guard) = work_root(d)?;
    let deadline = Instant::now() + d.timeout;
    let dir = root.join("read.git");
    let tip = fetch_with_deadline(&dir, d, deadline).ok_or_else(|| GitError::TimedOut {
        step: "fetching",
        url: d.target.url.clone(),
        seconds: d.timeout.as_secs(),
    })?;
    let redact = |s: String| d.token.as_ref().map_or(s.clone(), |t| t.redact(&s));
    let Some(tip) = tip.map_err(|detail| GitError::Fetch {
        url: d.target.url.clone(),
        branch: d.target.branch.clone(),
        detail: redact(detail),
    })?
    else {
        return Ok(None);
    };
    let repo =
        gix::open(&dir).map_err(|e| GitError::Io(format!("cannot open {}: {e}", dir.display())))?;
    let path = if d.target.dir.is_empty() {
        file.to_string()
    } else {
        format!("{}/{file}", d.target.dir)
    };
    let found = repo
        .find_commit(tip)
        .ok()
        .and_then(|c| c.tree().ok())
        .and_then(|t| t.lookup_entry_by_path(&path).ok().flatten())
        .and_then(|e| e.object().ok())
        .map(|o| o.data.clone());
    Ok(found)
}

/// Publishes `site` into the site directory of the target branch.
pub fn deploy_site(d: &GitDeploy, site: &Site) -> Result<Deployed, GitError> {
    let (root, _guard) = work_root(d)?;
    let redact = |s: String| d.token.as_ref().map_or(s.clone(), |t| t.redact(&s));
    let deadline = Instant::now() + d.timeout;
    // Why a step was given up on: the cancel flag, else the deadline.
    let stopped = |step| {
        if d.cancel.load(Ordering::SeqCst) {
            GitError::Cancelled(d.target.url.clone())
        } else {
            GitError::TimedOut {
                step,
                url: d.target.url.clone(),
                seconds: d.timeout.as_secs(),
            }
        }
    };
    for attempt in 1..=d.max_attempts.max(1) {
        let dir = root.join(format!("attempt-{attempt}.git"));
        let tip = fetch_with_deadline(&dir, d, deadline).ok_or_else(|| stopped("fetching"))?;
        let tip = tip.map_err(|detail| GitError::Fetch {
            url: d.target.url.clone(),
            branch: d.target.branch.clone(),
            detail: redact(detail),
        })?;
        let repo = gix::open(&dir)
            .map_err(|e| GitError::Io(format!("cannot open {}: {e}", dir.display())))?;
        let Some(commit) = build_commit(&repo, tip, d, site).map_err(GitError::Commit)? else {
            tracing::info!(url = %d.target.url, "the published site is unchanged; nothing to push");
            return Ok(Deployed::NoChanges);
        };
        if d.given_up(deadline) {
            return Err(stopped("pushing to"));
        }
        match push(&dir, d, commit, deadline) {
            Ok(()) => {
                return Ok(Deployed::Committed {
                    commit: commit.to_string(),
                    attempts: attempt,
                });
            }
            Err(PushError::Rejected(detail)) => {
                tracing::warn!(attempt, detail = %redact(detail), "push rejected; rebuilding on the new tip");
            }
            Err(PushError::Failed(detail)) => {
                return Err(GitError::Push {
                    url: d.target.url.clone(),
                    detail: redact(detail),
                });
            }
            Err(PushError::Spawn(e)) => return Err(GitError::NoGit(e)),
            Err(PushError::Stopped) => return Err(stopped("pushing to")),
        }
    }
    Err(GitError::Raced {
        url: d.target.url.clone(),
        attempts: d.max_attempts.max(1),
    })
}

/// How often a waiting deploy looks at its deadline and cancel flag.
const POLL: Duration = Duration::from_millis(50);

/// A new bare repository at `dir` and [`fetch_tip`] into it, on its own thread, given up on
/// at `deadline` or when the deploy is cancelled (`None`). gix's HTTP transport has no read timeout, so a remote that accepts and never
/// answers would hold the fetch forever: the thread is left to end with its connection, and
/// since the push happens here, not there, nothing it does can publish.
fn fetch_with_deadline(
    dir: &Path,
    d: &GitDeploy,
    deadline: Instant,
) -> Option<Result<Option<ObjectId>, String>> {
    let (tx, rx) = std::sync::mpsc::channel();
    let job = d.clone();
    let dir = dir.to_path_buf();
    std::thread::Builder::new()
        .name("git-fetch".into())
        .spawn(move || {
            let tip = gix::init_bare(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))
                .and_then(|mut repo| fetch_tip(&mut repo, &job));
            let _ = tx.send(tip);
        })
        .ok()?;
    loop {
        match rx.recv_timeout(POLL) {
            Ok(done) => return Some(done),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return None,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if d.given_up(deadline) {
                    return None;
                }
            }
        }
    }
}

fn remote_ref(branch: &str) -> String {
    format!("refs/remotes/origin/{branch}")
}

fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    atg_core::error_chain(e)
}

/// Fetches the branch's tip (depth 1); `None` when the repository or the branch is empty.
fn fetch_tip(repo: &mut gix::Repository, d: &GitDeploy) -> Result<Option<ObjectId>, String> {
    if let Some(t) = &d.token {
        // In this process's memory only: the repository's config file never sees it.
        let mut config = repo.config_snapshot_mut();
        config
            .set_value(
                &gix::config::tree::Http::EXTRA_HEADER,
                auth_header(t).as_str(),
            )
            .map_err(|e| chain(&e))?;
        config.commit().map_err(|e| chain(&e))?;
    }
    let branch = &d.target.branch;
    let spec = format!("+refs/heads/{branch}:{}", remote_ref(branch));
    let remote = repo
        .remote_at(d.target.url.as_str())
        .map_err(|e| chain(&e))?
        .with_refspecs([spec.as_str()], gix::remote::Direction::Fetch)
        .map_err(|e| chain(&e))?;
    let mut conn = remote
        .connect(gix::remote::Direction::Fetch)
        .map_err(|e| chain(&e))?;
    // No interactive credential helpers or prompts: a deploy runs unattended.
    conn.set_credentials(|_| Ok(None));
    let prepared = conn
        .prepare_fetch(gix::progress::Discard, Default::default())
        .map_err(|e| chain(&e))?;
    if prepared.ref_map().is_missing_required_mapping() || prepared.ref_map().mappings.is_empty() {
        // An empty repository, or no such branch yet: the site starts its history.
        return Ok(None);
    }
    prepared
        .with_shallow(gix::remote::fetch::Shallow::DepthAtRemote(NonZeroU32::MIN))
        .receive(gix::progress::Discard, &AtomicBool::new(false))
        .map_err(|e| chain(&e))?;
    match repo.try_find_reference(remote_ref(branch).as_str()) {
        Ok(Some(mut r)) => Ok(Some(r.peel_to_id().map_err(|e| chain(&e))?.detach())),
        Ok(None) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// The new commit on top of `tip`, or `None` when the site there already matches: the tip
/// says it published this digest for the site's directory, or that directory holds these very
/// files.
fn build_commit(
    repo: &gix::Repository,
    tip: Option<ObjectId>,
    d: &GitDeploy,
    site: &Site,
) -> Result<Option<ObjectId>, String> {
    let dir = if d.target.dir.is_empty() {
        "."
    } else {
        d.target.dir.as_str()
    };
    let ours = format!("{DIGEST_TRAILER}: {dir} ");
    let trailer = format!("{ours}{}", site.digest);
    let mut others: Vec<String> = Vec::new();
    let base_tree = match tip {
        Some(id) => {
            let commit = repo.find_commit(id).map_err(|e| e.to_string())?;
            let message = commit.message_raw().map_err(|e| e.to_string())?;
            for line in message.lines().map(|l| l.trim_ascii().to_str_lossy()) {
                if line == trailer {
                    return Ok(None);
                }
                if line.starts_with(&format!("{DIGEST_TRAILER}: ")) && !line.starts_with(&ours) {
                    others.push(line.into_owned());
                }
            }
            commit.tree_id().map_err(|e| e.to_string())?.detach()
        }
        None => ObjectId::empty_tree(repo.object_hash()),
    };
    let tree = site_tree(repo, base_tree, &d.target.dir, &site.files)?;
    if tree == base_tree {
        return Ok(None);
    }
    let time = gix::date::Time::new(d.time, 0);
    let signature = gix::actor::Signature {
        name: d.identity.name.as_str().into(),
        email: d.identity.email.as_str().into(),
        time,
    };
    let mut time_buf = gix::date::parse::TimeBuf::default();
    let sig = signature.to_ref(&mut time_buf);
    others.push(trailer);
    let message = format!("{}\n\n{}\n", d.message.trim_end(), others.join("\n"));
    let commit = repo
        .new_commit_as(sig, sig, message.as_str(), tree, tip)
        .map_err(|e| e.to_string())?;
    Ok(Some(commit.id))
}

/// `base` with its site directory `dir` replaced by `files`.
fn site_tree(
    repo: &gix::Repository,
    base: ObjectId,
    dir: &str,
    files: &[SiteFile],
) -> Result<ObjectId, String> {
    // The site's directory, like its files, is a plain path inside the repository (never
    // `..`, `/…` or `.git`), whoever chose it.
    if !dir.is_empty() && !atg_core::is_site_directory(dir) {
        return Err(format!(
            "the site's directory {dir:?} is not a plain directory inside the repository"
        ));
    }
    let mut editor = repo.edit_tree(base).map_err(|e| e.to_string())?;
    if dir.is_empty() {
        let tree = repo.find_tree(base).map_err(|e| e.to_string())?;
        for entry in tree.iter() {
            let entry = entry.map_err(|e| e.to_string())?;
            let name = entry.filename().to_string();
            if !name.starts_with('.') {
                editor.remove(name.as_str()).map_err(|e| e.to_string())?;
            }
        }
    } else {
        editor.remove(dir).map_err(|e| e.to_string())?;
    }
    for f in files {
        let rel = safe_relative(&f.path).map_err(|e| e.to_string())?;
        let bytes = f
            .bytes()
            .map_err(|e| format!("cannot read the rendered {}: {e}", f.path))?;
        let blob = repo.write_blob(&*bytes).map_err(|e| e.to_string())?;
        drop(bytes);
        let path = Path::new(dir).join(rel);
        let path = path
            .to_str()
            .ok_or_else(|| format!("non-UTF-8 path {}", path.display()))?;
        editor
            .upsert(path, gix::object::tree::EntryKind::Blob, blob)
            .map_err(|e| e.to_string())?;
    }
    Ok(editor.write().map_err(|e| e.to_string())?.detach())
}

/// The HTTP header that carries a token, as GitHub expects it for installation tokens.
fn auth_header(token: &Secret) -> String {
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("x-access-token:{}", token.expose()));
    format!("Authorization: Basic {basic}")
}

/// Reads a child's pipe to its end on a thread of its own (so a full pipe never blocks the
/// child), bounded: git's own messages, never a pack.
fn drain<R: std::io::Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(p) = pipe {
            let _ = std::io::Read::read_to_end(&mut std::io::Read::take(p, 1 << 20), &mut buf);
        }
        buf
    })
}

enum PushError {
    /// The remote refused because the branch moved (or could not be updated): worth a retry.
    Rejected(String),
    Failed(String),
    Spawn(String),
    /// Killed: the deadline passed or the deploy was cancelled.
    Stopped,
}

/// `git push <url> <commit>:refs/heads/<branch>`, the token in this process's environment.
fn push(
    git_dir: &Path,
    d: &GitDeploy,
    commit: ObjectId,
    deadline: Instant,
) -> Result<(), PushError> {
    let refspec = format!("{commit}:refs/heads/{}", d.target.branch);
    let mut cmd = Command::new("git");
    cmd.arg("--git-dir")
        .arg(git_dir)
        .args(["push", "--porcelain", "--no-verify"])
        .arg(&d.target.url)
        .arg(&refspec)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("GIT_ASKPASS")
        .env_remove("SSH_ASKPASS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(t) = &d.token {
        cmd.env("GIT_CONFIG_COUNT", "1")
            .env("GIT_CONFIG_KEY_0", "http.extraHeader")
            .env("GIT_CONFIG_VALUE_0", auth_header(t));
    }
    let mut child = cmd.spawn().map_err(|e| PushError::Spawn(e.to_string()))?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if d.given_up(deadline) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(PushError::Stopped);
            }
            Ok(None) => std::thread::sleep(POLL),
            Err(e) => return Err(PushError::Failed(format!("cannot wait for git push: {e}"))),
        }
    };
    let out_bytes = stdout.join().unwrap_or_default();
    let err_bytes = stderr.join().unwrap_or_default();
    if status.success() {
        return Ok(());
    }
    let text = format!(
        "{} {}",
        out_bytes.to_str_lossy().trim(),
        err_bytes.to_str_lossy().trim()
    );
    let rejected = [
        "[rejected]",
        "non-fast-forward",
        "fetch first",
        "failed to update ref",
        "cannot lock ref",
    ]
    .iter()
    .any(|s| text.contains(s));
    let detail = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    if rejected {
        Err(PushError::Rejected(detail))
    } else {
        Err(PushError::Failed(detail))
    }
}
