//! The rendered site: what the renderer makes and the publishers write, without either
//! knowing the other.

/// One file of the site, at a path relative to the site's root (`data.json`, `events.ics`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

impl SiteFile {
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            path: path.into(),
            bytes: bytes.into(),
        }
    }
}

/// A rendered site: its files, and a digest of everything in them but the time it was made, so
/// a publisher tells an unchanged schedule from a new one without reading any file back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub files: Vec<SiteFile>,
    /// Hex SHA-256 of the files with the moment of rendering left out.
    pub digest: String,
    /// How many events the site shows.
    pub events: usize,
}

impl Site {
    /// The one publishing rule: a site without events is never published, so an outage never
    /// replaces the last good site with an empty one.
    pub fn publishable(&self) -> bool {
        self.events > 0
    }
}
