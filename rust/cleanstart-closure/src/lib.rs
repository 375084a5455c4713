//! The files an application image needs from Debian packages, and nothing else: the runtime
//! closure of its programs, searched over the packages' files by the loader model cning checks
//! images with (`cleanstart-ldso`), plus the files the user declares (configuration, data,
//! `dlopen`ed modules), each tied to the package it came from.
//!
//! - [`packages`]: a package's files (its data tar, read as an image layer by cning), control
//!   stanza and md5sums, and all packages merged into one tree that knows each file's package.
//! - [`selection`]: what the programs load, the declared files, and the symlinks on the way.
//! - [`layout`]: the selected files written out for `cleanimg` (an entry list it includes), with
//!   a record per package in `/var/lib/dpkg/status.d`.
#![forbid(unsafe_code)]

pub mod layout;
pub mod packages;
pub mod selection;
