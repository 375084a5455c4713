//! `du`, from uutils coreutils (the `uu_du` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_du);
