//! `false`, from uutils coreutils (the `uu_false` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_false);
