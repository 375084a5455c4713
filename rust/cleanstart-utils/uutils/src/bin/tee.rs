//! `tee`, from uutils coreutils (the `uu_tee` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_tee);
