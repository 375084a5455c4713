//! `mkdir`, from uutils coreutils (the `uu_mkdir` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_mkdir);
