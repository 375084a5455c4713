//! `gzip`: compress or decompress files (GNU gzip compatible).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    cleanstart_utils_gzip::main(cleanstart_utils_gzip::Mode::Gzip, std::env::args_os().skip(1))
}
