//! `mktemp`, from uutils coreutils (the `uu_mktemp` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_mktemp);
