//! `kill`, from uutils coreutils (the `uu_kill` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_kill);
