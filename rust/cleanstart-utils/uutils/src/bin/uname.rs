//! `uname`, from uutils coreutils (the `uu_uname` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_uname);
