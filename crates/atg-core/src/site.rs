//! The rendered site: what the renderer makes and the publishers write, without either
//! knowing the other. A large site lives on disk, file by file, so no step holds all of it in
//! memory at once.

use std::borrow::Cow;
use std::sync::Arc;

/// One file of the site, at a path relative to the site's root (`data.json`, `events.ics`):
/// its bytes, or where they were written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFile {
    pub path: String,
    body: Body,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Body {
    Memory(Vec<u8>),
    /// A file (its name) in a site's directory, which lives as long as any of its files does.
    Disk(Box<str>, SiteDir),
}

impl SiteFile {
    /// A file whose bytes are at hand.
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            path: path.into(),
            body: Body::Memory(bytes.into()),
        }
    }

    /// A file already written to `name` in `dir` (by the renderer).
    pub fn on_disk(path: impl Into<String>, dir: &SiteDir, name: &str) -> Self {
        Self {
            path: path.into(),
            body: Body::Disk(name.into(), dir.clone()),
        }
    }

    /// How many bytes the file has.
    pub fn size(&self) -> std::io::Result<u64> {
        match &self.body {
            Body::Memory(b) => Ok(b.len() as u64),
            Body::Disk(name, dir) => std::fs::metadata(dir.path().join(&**name)).map(|m| m.len()),
        }
    }

    /// The file's bytes (read from disk for a file that is there).
    pub fn bytes(&self) -> std::io::Result<Cow<'_, [u8]>> {
        match &self.body {
            Body::Memory(b) => Ok(Cow::Borrowed(b)),
            Body::Disk(name, dir) => {
                let at = dir.path().join(&**name);
                std::fs::read(&at)
                    .map(Cow::Owned)
                    .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", at.display())))
            }
        }
    }
}

/// Whether `dir` names a directory inside a repository a site may be published to: relative,
/// each part a plain name (no empty part, `.` or `..`), no backslash, never `.git`. The one
/// rule for a site's `publish.path` (at load) and for the directory a deploy writes.
pub fn is_site_directory(dir: &str) -> bool {
    !dir.is_empty()
        && !dir.starts_with('/')
        && !dir.contains('\\')
        && dir
            .split('/')
            .all(|part| !matches!(part, "" | "." | "..") && !part.eq_ignore_ascii_case(".git"))
}

/// The temporary directory a site was rendered into, kept as long as a file of it is, removed
/// after.
#[derive(Debug, Clone)]
pub struct SiteDir(Arc<tempfile::TempDir>);

impl SiteDir {
    /// A new directory under the system's temporary directory (`TMPDIR`).
    pub fn new() -> std::io::Result<Self> {
        tempfile::Builder::new()
            .prefix("atg-site-")
            .tempdir()
            .map(|d| Self(Arc::new(d)))
    }

    pub fn path(&self) -> &std::path::Path {
        self.0.path()
    }
}

impl PartialEq for SiteDir {
    fn eq(&self, other: &Self) -> bool {
        self.path() == other.path()
    }
}

impl Eq for SiteDir {}

/// A rendered site: its files, and a digest of everything in them but the time it was made, so
/// a publisher tells an unchanged schedule from a new one without reading any file back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub files: Vec<SiteFile>,
    /// Hex SHA-256 of the files with the moment of rendering left out.
    pub digest: String,
    /// How many events the site shows.
    pub events: usize,
    /// The site's time zone (its commit messages are on its clock).
    pub zone: chrono_tz::Tz,
}

impl Site {
    pub fn new(files: Vec<SiteFile>, digest: String, events: usize) -> Self {
        Self {
            files,
            digest,
            events,
            zone: crate::PACIFIC,
        }
    }

    /// The same site, on the clock of `zone`.
    pub fn in_zone(self, zone: chrono_tz::Tz) -> Self {
        Self { zone, ..self }
    }

    /// The one publishing rule: a site without events is never published, so an outage never
    /// replaces the last good site with an empty one.
    pub fn publishable(&self) -> bool {
        self.events > 0
    }

    /// The file at `path`, if the site has it.
    pub fn file(&self, path: &str) -> Option<&SiteFile> {
        self.files.iter().find(|f| f.path == path)
    }
}
