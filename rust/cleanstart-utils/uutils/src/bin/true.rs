//! `true`, from uutils coreutils (the `uu_true` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_true);
