//! `sha256sum`: print or check SHA-256 checksums (GNU coreutils compatible).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    cleanstart_utils_sum::main::<sha2::Sha256>("sha256sum", std::env::args_os().skip(1))
}
