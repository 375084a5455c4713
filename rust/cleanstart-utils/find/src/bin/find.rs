//! `find`: search for files in a directory hierarchy (GNU findutils compatible).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    cleanstart_utils_find::main(std::env::args_os().skip(1))
}
