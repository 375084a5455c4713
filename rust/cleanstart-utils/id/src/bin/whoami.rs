//! `whoami`: print the effective user's name (from /etc/passwd, no NSS needed).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    cleanstart_utils_id::whoami_main(std::env::args_os().skip(1))
}
