//! `md5sum`: print or check MD5 checksums (GNU coreutils compatible).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    cleanstart_utils_sum::main::<md5::Md5>("md5sum", std::env::args_os().skip(1))
}
