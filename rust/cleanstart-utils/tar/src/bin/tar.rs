//! `tar`: create, list and extract archives, gzip and zstd included.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    cleanstart_utils_tar::main(std::env::args_os().skip(1))
}
