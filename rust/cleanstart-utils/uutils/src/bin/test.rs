//! `test`, from uutils coreutils (the `uu_test` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_test);
