//! `wc`, from uutils coreutils (the `uu_wc` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_wc);
