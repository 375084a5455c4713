//! `touch`, from uutils coreutils (the `uu_touch` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_touch);
