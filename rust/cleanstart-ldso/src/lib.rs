//! The dynamic loader's search, run over the files of an image instead of a live system: which
//! objects a program loads, from which paths, and which needs nothing in the image satisfies.
//!
//! It follows glibc's `ld.so` (as Debian builds it) and musl's loader, told apart by the
//! program's `PT_INTERP`. It reads nothing itself: the caller's [`Image`] answers path lookups
//! (symlinks followed inside the image), lists directories and hands over each file's ELF facts
//! ([`Object`]), so the same search serves an image being checked (cning) and a set of packages
//! being laid out into one.
//!
//! - [`object`]: what the loader needs to know about one ELF file.
//! - [`image`]: the questions the search asks of a filesystem.
//! - [`flavor`]: glibc or musl, and each one's built-in directories.
//! - [`config`]: `/etc/ld.so.conf` (with `include`), musl's `/etc/ld-musl-ARCH.path`, `/etc/ld.so.preload`.
//! - [`tokens`]: search path lists and dynamic string tokens (`$ORIGIN`, `$LIB`, `$PLATFORM`).
//! - [`closure`]: the search itself, breadth first as the loaders load, and its result.
//! - [`memory`]: an image held in memory, for tests and fuzzing.
#![forbid(unsafe_code)]

pub mod closure;
pub mod config;
pub mod flavor;
pub mod image;
pub mod memory;
pub mod object;
pub mod tokens;

pub use closure::{Closure, Loaded, Missing, Resolver, Settings};
pub use flavor::Flavor;
pub use image::{Image, Lookup};
pub use object::{Class, Kind, Object};
