//! cning: the build-time policy checker of CleanStart images.
//!
//! It reads the filesystem that will become an image (the compiled files themselves, not package
//! metadata) and reports what the policy forbids.
//!
//! - [`source`]: what the user points at: a directory, an OCI layout, an OCI or docker archive.
//! - [`layers`]: applying layer tar streams (plain, gzip, zstd) with whiteouts, under size caps.
//! - [`tree`]: the merged filesystem and symlink resolution inside it.
//! - [`content`]: facts read from each file's bytes (sha256, ELF, `#!`, signatures).
//! - [`positioned`]: reads at an offset, from a file or from memory, under size caps.
//! - [`elf`]: machine, interpreter, needed libraries, static or dynamic, from the headers only.
//! - [`regions`]: which bytes of an ELF file the signature search reads, and when not to trust its headers.
//! - [`signatures`]: BusyBox and toybox recognised by content.
//! - [`packers`]: executables packed by UPX or another self-extracting packer.
//! - [`crates`]: the crate lists Rust binaries carry (`.dep-v0`), for inventories.
//! - [`linking`]: what each executable's dynamic loader loads from the image (`cleanstart-ldso`).
//! - [`packages`]: the Debian packages an image's records (`/var/lib/dpkg/status.d`) declare, and their files.
//! - [`policy`]: the policy file format.
//! - [`findings`]: the rules, each with a stable id, and the findings that name them.
//! - [`rules`]: the checks.
//! - [`report`]: findings as text, JSON, SARIF 2.1.0 or JUnit XML.
//! - [`output`]: where `--output` and `--junit` write, atomically or through a device, never over one.
//! - [`stream`]: an image's entries one at a time, in bounded memory, for inventories.
//! - [`inventory`]: every file of an image as SPDX 2.3 or CycloneDX 1.6 JSON.
#![forbid(unsafe_code)]

pub mod content;
pub mod crates;
pub mod elf;
pub mod findings;
pub mod inventory;
pub mod layers;
pub mod linking;
pub mod output;
pub mod packages;
pub mod packers;
pub mod policy;
pub mod positioned;
pub mod regions;
pub mod report;
pub mod rules;
pub mod signatures;
pub mod source;
pub mod stream;
pub mod tree;
