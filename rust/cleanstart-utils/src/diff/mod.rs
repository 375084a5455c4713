//! `diff`: the command line of uutils diffutils' `diff`, whose library gives us option parsing
//! and the five output formats (normal, unified, context, ed, side by side) but keeps its own
//! `main` private. Exit status as GNU diff: 0 same, 1 different, 2 trouble.

use crate::messages::io_message;
use diffutilslib::params::{parse_params, Format, Params};
use std::ffi::{OsStr, OsString};
use std::io::{self, Read, Write};
use std::process::ExitCode;

const TROUBLE: u8 = 2;

/// Runs `diff` with `args` (the program name first, as `std::env::args_os` gives it).
pub fn main(args: impl Iterator<Item = OsString>) -> ExitCode {
    let params = match parse_params(args.peekable()) {
        Ok(params) => params,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(TROUBLE);
        }
    };
    match run(&params) {
        Ok(code) => ExitCode::from(code),
        // A closed pipe is the reader's choice, not trouble worth a message (GNU is silent too).
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(TROUBLE),
        Err(e) => {
            eprintln!("diff: {e}");
            ExitCode::from(TROUBLE)
        }
    }
}

fn run(params: &Params) -> io::Result<u8> {
    let (from_is_dir, to_is_dir) = (is_dir(&params.from), is_dir(&params.to));
    if from_is_dir && to_is_dir {
        eprintln!(
            "diff: {} and {}: comparing directories is not supported",
            params.from.to_string_lossy(),
            params.to.to_string_lossy()
        );
        return Ok(TROUBLE);
    }
    if params.from == params.to && params.from != "-"
        || params.from != "-" && params.to != "-" && same_file::is_same_file(&params.from, &params.to).unwrap_or(false)
    {
        report_identical(params);
        return Ok(0);
    }
    let (Some(from), Some(to)) = (read_input(&params.from), read_input(&params.to)) else {
        return Ok(TROUBLE);
    };
    if from == to {
        report_identical(params);
        return Ok(0);
    }
    let mut out = io::stdout().lock();
    if params.brief || is_binary(&from) || is_binary(&to) {
        // GNU diff does not print line differences of binary files, only that they differ.
        let kind = if params.brief { "Files" } else { "Binary files" };
        writeln!(out, "{kind} {} and {} differ", params.from.to_string_lossy(), params.to.to_string_lossy())?;
        out.flush()?;
        return Ok(1);
    }
    let text = match params.format {
        Format::Normal => diffutilslib::normal_diff(&from, &to, params),
        Format::Unified => diffutilslib::unified_diff(&from, &to, params),
        Format::Context => diffutilslib::context_diff(&from, &to, params),
        Format::Ed => match diffutilslib::ed_diff(&from, &to, params) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("diff: {e}");
                return Ok(TROUBLE);
            }
        },
        Format::SideBySide => {
            diffutilslib::side_by_side_diff(&from, &to, &mut out, params);
            Vec::new()
        }
    };
    out.write_all(&text)?;
    out.flush()?;
    Ok(1)
}

fn is_dir(path: &OsStr) -> bool {
    path != "-" && std::path::Path::new(path).is_dir()
}

/// Reads a file, or standard input for `-`; on failure prints GNU's message and gives `None`.
fn read_input(path: &OsString) -> Option<Vec<u8>> {
    let read = if path == "-" {
        let mut content = Vec::new();
        io::stdin().read_to_end(&mut content).map(|_| content)
    } else {
        std::fs::read(path)
    };
    match read {
        Ok(content) => Some(content),
        Err(e) => {
            eprintln!("diff: {}: {}", path.to_string_lossy(), io_message(&e));
            None
        }
    }
}

/// GNU diff's test: a NUL byte in the first buffer's worth of data means binary.
fn is_binary(content: &[u8]) -> bool {
    content.iter().take(32 * 1024).any(|&b| b == 0)
}

fn report_identical(params: &Params) {
    if params.report_identical_files {
        println!("Files {} and {} are identical", params.from.to_string_lossy(), params.to.to_string_lossy());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_means_a_nul_byte_near_the_start() {
        assert!(is_binary(b"ELF\0\x01"));
        assert!(!is_binary(b"plain text\n"));
    }

    #[test]
    fn io_messages_read_like_the_c_library() {
        let e = io::Error::from_raw_os_error(2);
        assert_eq!(io_message(&e), "No such file or directory");
    }
}
