//! Publishing a rendered site. A publish either fully replaces what was there or leaves it
//! exactly as it was: readers never see half a site, and a failed run never costs the last
//! good one.
//!
//! Not here: deciding whether a run is worth publishing (the pipeline does), rendering.

pub mod local;

pub use local::{LocalError, MARKER, publish_dir};
