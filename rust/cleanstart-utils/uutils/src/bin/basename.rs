//! `basename`, from uutils coreutils (the `uu_basename` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_basename);
