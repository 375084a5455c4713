//! `grep`: search files for lines matching patterns (POSIX and GNU options).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    cleanstart_utils_grep::main(std::env::args_os().skip(1))
}
