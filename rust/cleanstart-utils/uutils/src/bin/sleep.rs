//! `sleep`, from uutils coreutils (the `uu_sleep` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_sleep);
