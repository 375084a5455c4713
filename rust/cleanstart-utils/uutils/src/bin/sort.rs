//! `sort`, from uutils coreutils (the `uu_sort` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_sort);
