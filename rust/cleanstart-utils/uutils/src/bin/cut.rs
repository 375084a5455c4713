//! `cut`, from uutils coreutils (the `uu_cut` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_cut);
