//! `chown`, from uutils coreutils (the `uu_chown` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_chown);
