//! CleanStart development utilities.
//!
//! Each utility is its own static binary (`src/bin/<name>.rs`, a few lines that call in here),
//! installed under its own name: never one multi-call binary, never a farm of links to one file.
//! The library holds the code utilities share.
//!
//! - [`checksum`]: the `*sum` family (GNU-compatible output and `--check`).
//! - [`diff`]: `diff` as GNU diff 3.x (files, directories, formats; `-y` from uutils diffutils).
//! - [`accounts`]: users and groups from `/etc/passwd` and `/etc/group`, process credentials.
//! - [`identity`]: `id` and `whoami`.
//! - [`compress`]: gzip and zstd streams shared by `gzip` and `tar`.
//! - [`gzip`]: `gzip`, `gunzip` and `zcat`.
//! - [`archive`]: the `tar` utility.
//! - [`pattern`]: POSIX basic and extended (and GNU emacs) regular expressions for the `regex`
//!   crate, used by `grep` and `find`.
//! - [`grep`]: the `grep` utility.
//! - [`procs`]: processes from `/proc`.
//! - [`ps`]: the `ps` utility.
//! - [`messages`]: error texts as GNU tools print them.
//! - [`cmdline`]: short-option clusters and UTC dates for the hand-written utilities.
//! - [`find`]: `find` (expression parser, walk, tests, `-printf`, `-exec`).
//! - [`xargs`]: the `xargs` utility.
//! - [`modes`]: permission text as `ls -l` writes it (`ls`, `find`, `tar`).
//! - [`ls`]: the `ls` utility (directory-relative reads, GNU's formats).
#![forbid(unsafe_code)]

pub mod checksum;
pub mod diff;
pub mod accounts;
pub mod archive;
pub mod compress;
pub mod gzip;
pub mod identity;
pub mod messages;
pub mod cmdline;
pub mod pattern;
pub mod grep;
pub mod procs;
pub mod ps;
pub mod find;
pub mod xargs;
pub mod ls;
pub mod modes;
