//! Shared process logic of the CleanStart userspace.
//!
//! `cleanimg_init` (PID 1 of production images) and the CleanStart utilities share these pieces
//! so that "what exit code does a container report" and "how are signals handled" have a single
//! answer across the project.
//!
//! - [`command`]: finding the program a command names, as `execvp` does, with clear errors.
//! - [`exit`]: how a child's end maps to an exit code (`128 + signal` for a signal death).
//! - [`process`]: the only module that makes process and signal system calls (through `nix`):
//!   blocking and waiting for signals, forwarding them, reaping children, subreaping, dropping
//!   privileges.
//! - [`process_tree`]: the descendants of a process, from `/proc`.
//! - [`runtime_policy`]: the runtime policy file of production images (what the init starts, as
//!   whom, which executables it trusts) and its parser.
//! - [`digest`]: digests of file contents in hex (SHA-256 as the policy writes them; the `*sum`
//!   utilities' digests).
//! - [`io_message`]: I/O errors without Rust's "(os error N)" suffix.
//! - [`mounts`]: `/proc/self/mountinfo`, and which mounts are writable.
#![forbid(unsafe_code)]

pub mod command;
pub mod digest;
pub mod exit;
pub mod io_message;
pub mod mounts;
pub mod process;
pub mod process_tree;
pub mod runtime_policy;
