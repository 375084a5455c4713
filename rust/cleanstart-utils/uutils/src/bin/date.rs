//! `date`, from uutils coreutils (the `uu_date` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_date);
