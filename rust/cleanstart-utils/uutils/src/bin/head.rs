//! `head`, from uutils coreutils (the `uu_head` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_head);
