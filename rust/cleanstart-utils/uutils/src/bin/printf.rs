//! `printf`, from uutils coreutils (the `uu_printf` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_printf);
