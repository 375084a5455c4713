//! `realpath`, from uutils coreutils (the `uu_realpath` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_realpath);
