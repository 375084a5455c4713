//! `readlink`, from uutils coreutils (the `uu_readlink` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_readlink);
