//! `pwd`, from uutils coreutils (the `uu_pwd` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_pwd);
