//! `mv`, from uutils coreutils (the `uu_mv` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_mv);
