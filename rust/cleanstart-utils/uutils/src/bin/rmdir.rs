//! `rmdir`, from uutils coreutils (the `uu_rmdir` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_rmdir);
