//! `df`, from uutils coreutils (the `uu_df` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_df);
