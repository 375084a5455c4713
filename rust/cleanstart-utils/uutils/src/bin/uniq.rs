//! `uniq`, from uutils coreutils (the `uu_uniq` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_uniq);
