//! `[`, from uutils coreutils (the `uu_test` crate): `test` that wants a closing `]`. Installed
//! as `/usr/bin/[` (cargo cannot name a binary `[`, hence this file's name); uu_test reads the
//! name it was started under.
#![forbid(unsafe_code)]

uucore::bin!(uu_test);
