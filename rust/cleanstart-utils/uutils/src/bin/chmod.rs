//! `chmod`, from uutils coreutils (the `uu_chmod` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_chmod);
