//! `rm`, from uutils coreutils (the `uu_rm` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_rm);
