//! `cp`, from uutils coreutils (the `uu_cp` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_cp);
