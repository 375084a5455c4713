//! `id`: print user and group ids and names (GNU coreutils compatible, no NSS needed).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    cleanstart_utils_id::id_main(std::env::args_os().skip(1))
}
