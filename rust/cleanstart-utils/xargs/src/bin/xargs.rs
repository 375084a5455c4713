//! `xargs`: build and run command lines from standard input (GNU findutils compatible).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    cleanstart_utils_xargs::main(std::env::args_os().skip(1))
}
