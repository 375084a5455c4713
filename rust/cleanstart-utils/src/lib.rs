//! CleanStart development utilities.
//!
//! Each utility is its own static binary (`src/bin/<name>.rs`, a few lines that call in here),
//! installed under its own name: never one multi-call binary, never a farm of links to one file.
//! The library holds the code utilities share.
//!
//! - [`checksum`]: the `*sum` family (GNU-compatible output and `--check`).
#![forbid(unsafe_code)]

pub mod checksum;
