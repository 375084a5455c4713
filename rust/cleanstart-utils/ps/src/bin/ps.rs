//! `ps`: report processes from /proc (procps-compatible output).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    cleanstart_utils_ps::main(std::env::args_os().skip(1))
}
