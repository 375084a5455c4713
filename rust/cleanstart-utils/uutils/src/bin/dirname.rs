//! `dirname`, from uutils coreutils (the `uu_dirname` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_dirname);
