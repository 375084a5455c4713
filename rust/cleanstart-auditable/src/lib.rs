//! The list of a binary's crates and versions, embedded in the binary itself, in the format that
//! `cargo auditable` writes and `rust-audit-info`, syft and trivy read: zlib-compressed JSON in an
//! ELF section named `.dep-v0`.
//!
//! Bazel, not cargo, builds CleanStart's binaries, so the crate list comes from the build graph
//! (an aspect in `tools/auditable.bzl` writes it as a [`graph::CrateGraph`]), and the section is
//! added to the linked binary afterwards rather than by the linker (`#[link_section]` would need
//! unsafe code).

#![forbid(unsafe_code)]

/// ELF64 reading and section insertion.
pub mod elf;
/// The `.dep-v0` JSON model and its zlib encoding.
pub mod format;
/// The build graph that the Bazel aspect writes, turned into the package list.
pub mod graph;
/// The workspace's `Cargo.lock`: versions and sources of packages.
pub mod lockfile;
