//! The conformance suite's library: its case files and how a case runs. The suite itself is
//! `tests/conformance.rs`; this crate is never shipped.
//!
//! - [`cases`]: the case files, `conformance/cases/*.toml` (format: `README.md`).
//! - [`runner`]: one case run with one set of tools, in a sandbox of its own.
#![forbid(unsafe_code)]

pub mod cases;
pub mod runner;
