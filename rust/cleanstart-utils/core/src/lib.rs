//! What several CleanStart utilities share, and nothing that only one needs: this crate is in
//! every hand-written utility's crate list, so it stays free of other crates.
//!
//! - [`cmdline`]: short-option clusters, long options, `--version`, usage errors, UTC dates.
//! - [`messages`]: error texts and quoting as GNU tools print them.
//! - [`accounts`]: users and groups from `/etc/passwd` and `/etc/group`, process credentials
//!   (`id`, `whoami`, `ls`, `find`, `ps`, `tar`).
//! - [`modes`]: permission text as `ls -l` writes it (`ls`, `find`, `tar`).
//! - [`fnmatch`]: POSIX shell patterns on bytes (`find -name`, `ls --ignore`).
//! - [`argv`]: arguments built from templates (`find -exec`'s `{}`, `xargs -I`).
#![forbid(unsafe_code)]

pub mod accounts;
pub mod argv;
pub mod cmdline;
pub mod fnmatch;
pub mod messages;
pub mod modes;
