//! `cat`, from uutils coreutils (the `uu_cat` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_cat);
