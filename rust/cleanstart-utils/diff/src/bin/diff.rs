//! `diff`: compare files line by line (uutils diffutils' formats, our command line).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    cleanstart_utils_diff::main(std::env::args_os())
}
