//! `seq`, from uutils coreutils (the `uu_seq` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_seq);
