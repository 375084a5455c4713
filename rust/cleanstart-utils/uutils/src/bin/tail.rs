//! `tail`, from uutils coreutils (the `uu_tail` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_tail);
