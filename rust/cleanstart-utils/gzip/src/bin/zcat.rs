//! `zcat`: decompress to standard output (gzip -cd).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    cleanstart_utils_gzip::main(cleanstart_utils_gzip::Mode::Zcat, std::env::args_os().skip(1))
}
