//! `gunzip`: decompress files (gzip -d).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    cleanstart_utils_gzip::main(cleanstart_utils_gzip::Mode::Gunzip, std::env::args_os().skip(1))
}
