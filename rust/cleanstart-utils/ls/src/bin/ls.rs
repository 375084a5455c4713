//! `ls`: list directory contents (GNU options and formats).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    cleanstart_utils_ls::main(std::env::args_os().skip(1))
}
