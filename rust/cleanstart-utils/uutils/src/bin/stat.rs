//! `stat`, from uutils coreutils (the `uu_stat` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_stat);
