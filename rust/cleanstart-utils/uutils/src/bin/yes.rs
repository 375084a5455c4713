//! `yes`, from uutils coreutils (the `uu_yes` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_yes);
