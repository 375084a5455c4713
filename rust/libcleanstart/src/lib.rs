//! Shared process logic of the CleanStart userspace.
//!
//! `cleanimg_init` (PID 1 of production images) and the CleanStart utilities share these pieces
//! so that "what exit code does a container report" and "how are signals handled" have a single
//! answer across the project.
//!
//! - [`command`]: finding the program a command names, as `execvp` does, with clear errors.
//! - [`exit`]: how a child's end maps to an exit code (`128 + signal` for a signal death).
//! - [`process`]: the only module that makes process and signal system calls (through `nix`):
//!   blocking and waiting for signals, forwarding them, reaping children, subreaping.
#![forbid(unsafe_code)]

pub mod command;
pub mod exit;
pub mod process;
