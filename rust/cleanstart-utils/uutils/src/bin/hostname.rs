//! `hostname`, from uutils coreutils (the `uu_hostname` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_hostname);
