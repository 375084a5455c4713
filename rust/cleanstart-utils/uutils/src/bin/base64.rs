//! `base64`, from uutils coreutils (the `uu_base64` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_base64);
