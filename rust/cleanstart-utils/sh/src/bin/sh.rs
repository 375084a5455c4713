//! `sh`: the brush shell (POSIX and bash compatible), from the `brush-shell` crate.
#![forbid(unsafe_code)]

fn main() {
    brush_shell::entry::run();
}
