//! cleanimg: writes deterministic OCI image layouts from declared files.
//!
//! Bazel's `image_layout` rule (tools/image.bzl) writes a [`spec::Spec`] and runs
//! `cleanimg build`; `image_index` runs `cleanimg index` to join per-platform layouts. The
//! output is a standard OCI image layout directory that `oci_push`, `oci_load`, crane and cning
//! read unchanged. Two builds of the same spec give the same bytes, so the same digests.
//!
//! - [`spec`]: the image description Bazel hands over.
//! - [`layer`]: the layer tar: sorted entries, fixed times and owners, gzip or zstd.
//! - [`layout`]: blobs, config, manifest, index, and joining platforms into one index.
#![forbid(unsafe_code)]

pub mod layer;
pub mod layout;
pub mod spec;
