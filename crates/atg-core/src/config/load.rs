//! Configuration files found and read: bounded, regular files only, and for a configuration
//! someone else named, only inside the directory the worker's operator allowed.

use std::io::Read;
use std::path::Path;

use super::model::{SiteConfig, SiteList};
use super::{ConfigError, EMBEDDED_CONFIG, EMBEDDED_CONFIG_NAME, MAX_CONFIG_BYTES, MAX_SITE_FILES};

impl SiteConfig {
    /// The configuration compiled into the binary.
    pub fn embedded() -> Result<Self, ConfigError> {
        Self::parse(EMBEDDED_CONFIG, EMBEDDED_CONFIG_NAME)
    }

    /// The default site of `path` (a file or a directory of sites), else the embedded one.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        SiteList::load(path)?.site(None).cloned()
    }

    /// The default site of a configuration someone else named ([`SiteList::load_within`]).
    pub fn load_within(requested: Option<&str>, dir: Option<&Path>) -> Result<Self, ConfigError> {
        SiteList::load_within(requested, dir)?.site(None).cloned()
    }

    /// The default site of configuration text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConfigError> {
        SiteList::parse(text, origin)?.site(None).cloned()
    }
}

impl SiteList {
    /// The sites at `path`: a file, or a directory whose `*.json` files are read in name order;
    /// without a path, the embedded configuration.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_inside(path, None)
    }

    /// [`SiteList::load`], every file of a directory checked to be inside `base` once its
    /// symlinks are resolved (a link in the worker's config directory to a file outside it
    /// is refused, and named, never read).
    fn load_inside(path: Option<&Path>, base: Option<&Path>) -> Result<Self, ConfigError> {
        let Some(p) = path else {
            return Self::parse(EMBEDDED_CONFIG, EMBEDDED_CONFIG_NAME);
        };
        if !p.is_dir() {
            return Self::parse(&read_bounded(p)?, &p.display().to_string());
        }
        let read_err = |source| ConfigError::Read {
            path: p.display().to_string(),
            source,
        };
        let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(p)
            .map_err(read_err)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|f| f.extension().is_some_and(|x| x == "json"))
            .take(MAX_SITE_FILES + 1)
            .collect();
        if files.len() > MAX_SITE_FILES {
            return Err(ConfigError::Unusable {
                path: p.display().to_string(),
                problem: format!("holds more than {MAX_SITE_FILES} site files"),
            });
        }
        files.sort();
        if let Some(base) = base {
            for f in &files {
                let inside = f.canonicalize().is_ok_and(|real| real.starts_with(base));
                if !inside {
                    return Err(ConfigError::NotPermitted {
                        requested: f.display().to_string(),
                        reason: "a link to a file outside the worker's config directory".into(),
                    });
                }
            }
        }
        let mut all = Self { sites: Vec::new() };
        for f in files {
            let more = Self::parse(&read_bounded(&f)?, &f.display().to_string())?;
            for site in more.sites {
                if let Some(first) = all.sites.iter().find(|s| s.site.key == site.site.key) {
                    return Err(ConfigError::Invalid {
                        origin: site.origin.clone(),
                        field: "key".into(),
                        message: format!(
                            "the site key {:?} is also the key of a site in {}",
                            site.site.key, first.origin
                        ),
                    });
                }
                all.sites.push(site);
            }
        }
        if all.sites.is_empty() {
            return Err(ConfigError::Unusable {
                path: p.display().to_string(),
                problem: "holds no site (*.json)".into(),
            });
        }
        Ok(all)
    }

    /// A configuration someone else named (a workflow's `config_path`): read only from inside
    /// `dir`, the directory the worker's operator allowed (`ATG_CONFIG_DIR`), after symlinks
    /// are resolved (a directory's files too); without a `dir`, only the embedded
    /// configuration. A relative `requested` is taken inside `dir`.
    pub fn load_within(requested: Option<&str>, dir: Option<&Path>) -> Result<Self, ConfigError> {
        match resolve_within(requested, dir)? {
            None => Self::load(None),
            Some((real, base)) => Self::load_inside(Some(&real), Some(&base)),
        }
    }

    /// What the files of the configuration [`SiteList::load_within`] would read are now (each
    /// file's path, size and modification time): the same stamp means the same configuration,
    /// without reading it again.
    pub fn stamp_within(
        requested: Option<&str>,
        dir: Option<&Path>,
    ) -> Result<Vec<FileStamp>, ConfigError> {
        let Some((real, _)) = resolve_within(requested, dir)? else {
            return Ok(Vec::new());
        };
        let stamp = |p: &Path| {
            let m = std::fs::metadata(p).ok();
            (
                p.to_path_buf(),
                m.as_ref().map_or(0, std::fs::Metadata::len),
                m.and_then(|m| m.modified().ok()),
            )
        };
        if !real.is_dir() {
            return Ok(vec![stamp(&real)]);
        }
        let mut files: Vec<FileStamp> = std::fs::read_dir(&real)
            .map_err(|source| ConfigError::Read {
                path: real.display().to_string(),
                source,
            })?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|f| f.extension().is_some_and(|x| x == "json"))
            .take(MAX_SITE_FILES + 1)
            .map(|f| stamp(&f))
            .collect();
        files.sort();
        Ok(files)
    }
}

/// A configuration file's path, size and modification time.
pub type FileStamp = (std::path::PathBuf, u64, Option<std::time::SystemTime>);

/// Where a configuration someone else named is, inside `dir` (the directory the worker's
/// operator allowed) after symlinks are resolved, with that directory; `None` for the
/// embedded configuration. A relative `requested` is taken inside `dir`.
fn resolve_within(
    requested: Option<&str>,
    dir: Option<&Path>,
) -> Result<Option<(std::path::PathBuf, std::path::PathBuf)>, ConfigError> {
    let Some(req) = requested.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let refuse = |reason: &str| ConfigError::NotPermitted {
        requested: req.to_string(),
        reason: reason.to_string(),
    };
    let Some(dir) = dir else {
        return Err(refuse(
            "this worker reads only its built-in configuration (its operator can allow a directory of configs with ATG_CONFIG_DIR)",
        ));
    };
    let base = dir.canonicalize().map_err(|source| ConfigError::Read {
        path: dir.display().to_string(),
        source,
    })?;
    let real = base
        .join(req)
        .canonicalize()
        .map_err(|_| refuse("no such file in the worker's config directory"))?;
    if !real.starts_with(&base) {
        return Err(refuse("outside the worker's config directory"));
    }
    Ok(Some((real, base)))
}

/// A regular file of at most [`MAX_CONFIG_BYTES`], as UTF-8 text.
fn read_bounded(p: &Path) -> Result<String, ConfigError> {
    let path = p.display().to_string();
    let read_err = |source| ConfigError::Read {
        path: path.clone(),
        source,
    };
    let unusable = |problem: String| ConfigError::Unusable {
        path: path.clone(),
        problem,
    };
    // Only a regular file is opened: a FIFO or a device would block the open or never end
    // (checked before the open, and again on what was opened, which is opened without
    // blocking in case the path was swapped in between).
    let not_regular = || unusable("is not a regular file".into());
    if !std::fs::metadata(p).map_err(read_err)?.is_file() {
        return Err(not_regular());
    }
    let file = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits())
            .open(p)
            .map_err(read_err)?
    };
    if !file.metadata().map_err(read_err)?.is_file() {
        return Err(not_regular());
    }
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(unusable(format!(
            "is larger than the {} MiB a brewery list may have",
            MAX_CONFIG_BYTES / 1024 / 1024
        )));
    }
    String::from_utf8(bytes).map_err(|_| unusable("is not UTF-8 text".into()))
}
