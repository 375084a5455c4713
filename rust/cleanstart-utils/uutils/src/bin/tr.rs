//! `tr`, from uutils coreutils (the `uu_tr` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_tr);
