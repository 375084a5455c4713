//! `nproc`, from uutils coreutils (the `uu_nproc` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_nproc);
