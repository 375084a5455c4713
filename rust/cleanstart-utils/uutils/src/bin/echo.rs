//! `echo`, from uutils coreutils (the `uu_echo` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_echo);
