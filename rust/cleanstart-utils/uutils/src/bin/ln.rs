//! `ln`, from uutils coreutils (the `uu_ln` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_ln);
