//! A site in a local directory, replaced as a whole: the new site is written next to it,
//! flushed to disk, and swapped in by one atomic exchange of the two directories (Linux's
//! `renameat2(RENAME_EXCHANGE)`), so a reader sees the old site or the new one, never none.

use std::path::{Component, Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use atg_core::SiteFile;

/// The file that marks a directory as a site written by this tool; a directory without it is
/// never replaced (so `--out public` cannot wipe the page's sources, nor `--out ~` a home).
pub const MARKER: &str = ".around-the-grounds";

#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error(
        "refusing to replace {0}: it is not empty and was not written by around-the-grounds (no {MARKER} file)"
    )]
    Foreign(PathBuf),
    #[error("{0} exists and is not a directory")]
    NotADirectory(PathBuf),
    #[error("site file path {0:?} is not a plain relative path")]
    BadPath(String),
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn io<'p>(action: &'static str, path: &'p Path) -> impl FnOnce(std::io::Error) -> LocalError + 'p {
    move |source| LocalError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Replaces the site in `dir` by `files`. On any failure the previous site is left in place.
pub fn publish_dir(dir: &Path, files: &[SiteFile]) -> Result<(), LocalError> {
    check_replaceable(dir)?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io("cannot create", &parent))?;
    let name = dir
        .file_name()
        .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
    let stamp = format!(
        "{}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let staging = parent.join(format!(".{name}.new-{stamp}"));
    if let Err(e) = write_all(&staging, files) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    if !dir.exists() {
        std::fs::rename(&staging, dir).map_err(|e| {
            let _ = std::fs::remove_dir_all(&staging);
            io("cannot move the new site to", dir)(e)
        })?;
        return sync_dir(&parent);
    }
    // After the exchange, `staging` holds the previous site.
    if let Err(e) = exchange(&staging, dir) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(io("cannot swap the new site into", dir)(e));
    }
    sync_dir(&parent)?;
    if let Err(e) = std::fs::remove_dir_all(&staging) {
        tracing::warn!(path = %staging.display(), error = %e, "the previous site could not be removed");
    }
    Ok(())
}

/// Swaps two directories in one step.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use nix::fcntl::{AT_FDCWD, RenameFlags, renameat2};
    renameat2(AT_FDCWD, a, AT_FDCWD, b, RenameFlags::RENAME_EXCHANGE)
        .map_err(|e| std::io::Error::from_raw_os_error(e as i32))
}

/// Without an exchange call: two renames, the old site first moved aside (a moment with no
/// site at `b`, put back if the second rename fails).
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    let aside = a.with_extension("swap");
    std::fs::rename(b, &aside)?;
    if let Err(e) = std::fs::rename(a, b) {
        let _ = std::fs::rename(&aside, b);
        return Err(e);
    }
    std::fs::rename(&aside, a)
}

/// Flushes a directory's entries (the renames in it) to disk.
fn sync_dir(dir: &Path) -> Result<(), LocalError> {
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(io("cannot flush", dir))
}

fn check_replaceable(dir: &Path) -> Result<(), LocalError> {
    match std::fs::symlink_metadata(dir) {
        Err(_) => Ok(()),
        Ok(m) if !m.is_dir() => Err(LocalError::NotADirectory(dir.to_path_buf())),
        Ok(_) => {
            let empty = std::fs::read_dir(dir)
                .map_err(io("cannot read", dir))?
                .next()
                .is_none();
            if empty || dir.join(MARKER).is_file() {
                Ok(())
            } else {
                Err(LocalError::Foreign(dir.to_path_buf()))
            }
        }
    }
}

/// The relative path of a site file, refusing anything that could leave the site.
pub fn safe_relative(path: &str) -> Result<PathBuf, LocalError> {
    let p = Path::new(path);
    let plain = !path.is_empty() && p.components().all(|c| matches!(c, Component::Normal(_)));
    if plain {
        Ok(p.to_path_buf())
    } else {
        Err(LocalError::BadPath(path.to_string()))
    }
}

fn write_all(root: &Path, files: &[SiteFile]) -> Result<(), LocalError> {
    std::fs::create_dir_all(root).map_err(io("cannot create", root))?;
    std::fs::write(
        root.join(MARKER),
        "Written by around-the-grounds; replaced on every run.\n",
    )
    .map_err(io("cannot write", root))?;
    for f in files {
        let target = root.join(safe_relative(&f.path)?);
        if let Some(p) = target.parent() {
            std::fs::create_dir_all(p).map_err(io("cannot create", p))?;
        }
        let bytes = f
            .bytes()
            .map_err(io("cannot read the rendered", Path::new(&f.path)))?;
        write_synced(&target, &bytes)?;
    }
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| root.join(&f.path).parent().map(Path::to_path_buf))
        .collect();
    dirs.push(root.to_path_buf());
    dirs.sort();
    dirs.dedup();
    for d in dirs {
        sync_dir(&d)?;
    }
    Ok(())
}

/// Writes a file and flushes it to disk, so a crash after the swap cannot leave it empty.
fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), LocalError> {
    use std::io::Write;
    let mut f = std::fs::File::create(path).map_err(io("cannot write", path))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(io("cannot write", path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(p: &str, s: &str) -> SiteFile {
        SiteFile::new(p, s)
    }

    #[test]
    fn replaces_the_whole_site_and_drops_stale_files() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("site");
        publish_dir(&dir, &[file("index.html", "one"), file("old.txt", "stale")]).unwrap();
        publish_dir(&dir, &[file("index.html", "two"), file("feeds/a.ics", "a")]).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("index.html")).unwrap(),
            "two"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("feeds/a.ics")).unwrap(),
            "a"
        );
        assert!(!dir.join("old.txt").exists());
        let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, ["site"]);
    }

    #[test]
    fn a_failed_publish_keeps_the_previous_site() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("site");
        publish_dir(&dir, &[file("index.html", "good")]).unwrap();
        let e =
            publish_dir(&dir, &[file("index.html", "bad"), file("../escape", "x")]).unwrap_err();
        assert!(matches!(e, LocalError::BadPath(_)), "{e}");
        assert_eq!(
            std::fs::read_to_string(dir.join("index.html")).unwrap(),
            "good"
        );
        assert!(!tmp.path().join("escape").exists());
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn never_replaces_a_directory_it_did_not_write() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("public");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("index.html"), "hand-written").unwrap();
        let e = publish_dir(&dir, &[file("index.html", "x")]).unwrap_err();
        assert!(e.to_string().starts_with("refusing to replace"), "{e}");
        assert_eq!(
            std::fs::read_to_string(dir.join("index.html")).unwrap(),
            "hand-written"
        );
        let f = tmp.path().join("file");
        std::fs::write(&f, "x").unwrap();
        assert!(matches!(
            publish_dir(&f, &[]).unwrap_err(),
            LocalError::NotADirectory(_)
        ));
    }

    #[test]
    fn safe_paths() {
        assert!(safe_relative("a/b.ics").is_ok());
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "./x"] {
            assert!(safe_relative(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn readers_never_see_a_moment_without_a_site() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("site");
        publish_dir(&dir, &[file("index.html", "0")]).unwrap();
        let done = Arc::new(AtomicBool::new(false));
        let (misses, looks) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let reader = {
            let (dir, done, misses, looks) =
                (dir.clone(), done.clone(), misses.clone(), looks.clone());
            std::thread::spawn(move || {
                while !done.load(Ordering::SeqCst) {
                    looks.fetch_add(1, Ordering::SeqCst);
                    if std::fs::metadata(dir.join("index.html")).is_err() {
                        misses.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        };
        for i in 1..=200 {
            publish_dir(&dir, &[file("index.html", &i.to_string())]).unwrap();
        }
        done.store(true, Ordering::SeqCst);
        reader.join().unwrap();
        assert!(looks.load(Ordering::SeqCst) > 0);
        assert_eq!(
            misses.load(Ordering::SeqCst),
            0,
            "the site was missing while being replaced"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("index.html")).unwrap(),
            "200"
        );
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    }
}
