//! `ls`, from uutils coreutils (the `uu_ls` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_ls);
