//! `env`, from uutils coreutils (the `uu_env` crate).
#![forbid(unsafe_code)]

uucore::bin!(uu_env);
