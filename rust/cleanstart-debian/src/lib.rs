//! Debian package data, owned here for every part of the build that needs it: which packages an
//! image's programs come from, at which version, with which digest.
//!
//! - [`version`]: Debian version numbers and their order (dpkg's algorithm).
//! - [`deb822`]: the stanza format of `Packages` indexes and `dpkg` status files.
//! - [`index`]: a `Packages` index: each package's version, architecture, relations and file.
//! - [`relations`]: `Depends`-style fields (alternatives, version constraints, `:any`).
//! - [`resolve`]: the closure of the packages some roots need, as apt would install them.
//! - [`apt`]: the machine's mirror, and indexes of any architecture and suite fetched from it.
//! - [`lock`]: the manifest a build asks with, and the lock file that pins what it resolved to.
//! - [`status`]: the package records an image carries (`/var/lib/dpkg/status.d`), written and read.
#![forbid(unsafe_code)]

pub mod apt;
pub mod deb822;
pub mod index;
pub mod lock;
pub mod relations;
pub mod resolve;
pub mod status;
pub mod version;
