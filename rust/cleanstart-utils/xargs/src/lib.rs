//! `xargs`: build and run command lines from standard input (GNU findutils compatible).
//!
//! Options: `-0`, `-d DELIM`, `-a FILE`, `-E EOF`/`-e[EOF]`, `-I R`/`-i[R]`, `-L N`/`-l[N]`,
//! `-n N`, `-s N`, `-x`, `-r`, `-t`, `-p`, `-P N`, and their GNU long forms. Exit status as GNU:
//! 123 if a command exited 1-125, 124 if one exited 255, 125 if one was killed by a signal,
//! 126 if it could not be run, 127 if it was not found, 1 for xargs' own errors.
//!
//! - [`input`]: splitting the input into items.
#![forbid(unsafe_code)]

pub mod input;

use cleanstart_utils_core::cmdline::{print_version, usage_error};
use cleanstart_utils_core::argv::replace_all;
use libcleanstart::command::command_for;
use cleanstart_utils_core::messages::quote;
use cleanstart_utils_core::messages::io_message;
use input::{InputError, Item, Reader, Split};
use std::ffi::OsString;
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::ExitStatusExt;
use std::process::{ExitCode, ExitStatus, Stdio};
use std::sync::mpsc;

/// GNU xargs' default command-line buffer.
const DEFAULT_MAX_CHARS: usize = 128 * 1024;
/// Upper bound of `-P 0` ("as many as possible").
const MAX_PROCS: usize = 1024;

#[derive(Debug, Clone, PartialEq)]
struct Options {
    split: Split,
    arg_file: Option<OsString>,
    eof_marker: Option<Vec<u8>>,
    replace: Option<Vec<u8>>,
    max_args: Option<usize>,
    max_lines: Option<usize>,
    max_chars: usize,
    exit_if_too_long: bool,
    no_run_if_empty: bool,
    verbose: bool,
    interactive: bool,
    procs: usize,
    command: Vec<OsString>,
}

/// Runs `xargs` with `args` (without the program name).
pub fn main(args: impl Iterator<Item = OsString>) -> ExitCode {
    let args: Vec<OsString> = args.collect();
    let options = match parse(&args) {
        Ok(Some(options)) => options,
        Ok(None) => return ExitCode::SUCCESS,
        Err(message) => return usage_error("xargs", &message, 1),
    };
    ExitCode::from(run(&options))
}

impl Options {
    // -n, -L and -I exclude each other: the last one wins, with GNU's warning.

    fn set_args(&mut self, n: usize) {
        if self.replace.take().is_some() {
            warn_exclusive("--replace", "--max-args/-n");
            self.max_lines = None;
        } else if self.max_lines.take().is_some() {
            warn_exclusive("--max-lines", "--max-args/-n");
        }
        self.max_args = Some(n);
    }

    fn set_lines(&mut self, n: usize) {
        if self.max_args.take().is_some() {
            warn_exclusive("--max-args", "-L");
        }
        self.max_lines = Some(n);
    }

    fn set_replace(&mut self, marker: Vec<u8>) {
        if self.max_args.take().is_some() {
            warn_exclusive("--max-args", "--replace/-I/-i");
        }
        self.replace = Some(marker);
        self.max_lines = Some(1);
    }
}

fn warn_exclusive(previous: &str, new: &str) {
    eprintln!("xargs: warning: options {previous} and {new} are mutually exclusive, ignoring previous {previous} value");
}

fn parse_count(value: &str, option: &str, min: usize) -> Result<usize, String> {
    let n: usize = value.parse().map_err(|_| format!("invalid number \"{value}\" for -{option} option"))?;
    if n < min {
        return Err(format!("value {n} for -{option} option should be >= {min}"));
    }
    Ok(n)
}

/// `-d`'s argument: one character, or an escape (`\n`, `\t`, `\0`, `\\`, `\xHH`, `\NNN`).
fn parse_delimiter(text: &[u8]) -> Result<u8, String> {
    let bad = || {
        format!(
            "invalid input delimiter specification {}: the delimiter must be either a single character or an escape \
             sequence starting with \\.",
            String::from_utf8_lossy(text)
        )
    };
    match text {
        [b] => Ok(*b),
        [b'\\', rest @ ..] => match rest {
            [b'a'] => Ok(7),
            [b'b'] => Ok(8),
            [b'f'] => Ok(12),
            [b'n'] => Ok(b'\n'),
            [b'r'] => Ok(b'\r'),
            [b't'] => Ok(b'\t'),
            [b'v'] => Ok(11),
            [b'\\'] => Ok(b'\\'),
            [b'x', hex @ ..] if !hex.is_empty() && hex.len() <= 2 => {
                u8::from_str_radix(std::str::from_utf8(hex).map_err(|_| bad())?, 16).map_err(|_| bad())
            }
            octal if !octal.is_empty() && octal.len() <= 3 && octal.iter().all(|b| (b'0'..=b'7').contains(b)) => {
                u32::from_str_radix(std::str::from_utf8(octal).map_err(|_| bad())?, 8)
                    .ok()
                    .and_then(|v| u8::try_from(v).ok())
                    .ok_or_else(bad)
            }
            _ => Err(bad()),
        },
        _ => Err(bad()),
    }
}

/// Parses the command line; None when it only asked for `--help` or `--version`.
fn parse(args: &[OsString]) -> Result<Option<Options>, String> {
    let mut o = Options {
        split: Split::Blanks,
        arg_file: None,
        eof_marker: None,
        replace: None,
        max_args: None,
        max_lines: None,
        max_chars: DEFAULT_MAX_CHARS,
        exit_if_too_long: false,
        no_run_if_empty: false,
        verbose: false,
        interactive: false,
        procs: 1,
        command: Vec::new(),
    };
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        let bytes = arg.as_bytes();
        i += 1;
        if bytes == b"--" {
            break;
        }
        if let Some(long) = bytes.strip_prefix(b"--") {
            let (name, value) = match long.iter().position(|&b| b == b'=') {
                Some(eq) => (&long[..eq], Some(&long[eq + 1..])),
                None => (long, None),
            };
            let name = String::from_utf8_lossy(name).into_owned();
            let required = |i: &mut usize| -> Result<Vec<u8>, String> {
                if let Some(v) = value {
                    return Ok(v.to_vec());
                }
                let v = args.get(*i).ok_or_else(|| format!("option '--{name}' requires an argument"))?;
                *i += 1;
                Ok(v.as_bytes().to_vec())
            };
            match name.as_str() {
                "null" => o.split = Split::Delimiter(0),
                "delimiter" => o.split = Split::Delimiter(parse_delimiter(&required(&mut i)?)?),
                "arg-file" => o.arg_file = Some(OsString::from_vec(required(&mut i)?)),
                "eof" => o.eof_marker = value.map(<[u8]>::to_vec),
                "replace" => o.set_replace(value.map_or_else(|| b"{}".to_vec(), <[u8]>::to_vec)),
                "max-lines" => {
                    o.set_lines(value.map_or_else(|| Ok(1), |v| parse_count(&String::from_utf8_lossy(v), "L", 1))?)
                }
                "max-args" => o.set_args(parse_count(&String::from_utf8_lossy(&required(&mut i)?), "n", 1)?),
                "max-chars" => o.max_chars = parse_count(&String::from_utf8_lossy(&required(&mut i)?), "s", 1)?,
                "max-procs" => o.procs = parse_count(&String::from_utf8_lossy(&required(&mut i)?), "P", 0)?,
                "exit" => o.exit_if_too_long = true,
                "no-run-if-empty" => o.no_run_if_empty = true,
                "verbose" => o.verbose = true,
                "interactive" => o.interactive = true,
                "help" => {
                    println!("Usage: xargs [OPTION]... COMMAND [INITIAL-ARGS]...");
                    return Ok(None);
                }
                "version" => {
                    print_version("xargs");
                    return Ok(None);
                }
                _ => return Err(format!("unrecognized option '--{name}'")),
            }
            continue;
        }
        if bytes.len() < 2 || bytes[0] != b'-' {
            i -= 1;
            break;
        }
        // A cluster of short options, e.g. `-0rt` or `-n1`.
        let mut j = 1;
        while j < bytes.len() {
            let flag = bytes[j];
            j += 1;
            let attached = &bytes[j..];
            let required = |i: &mut usize| -> Result<Vec<u8>, String> {
                if !attached.is_empty() {
                    return Ok(attached.to_vec());
                }
                let v = args.get(*i).ok_or_else(|| format!("option requires an argument -- '{}'", flag as char))?;
                *i += 1;
                Ok(v.as_bytes().to_vec())
            };
            let text = |v: Vec<u8>| String::from_utf8_lossy(&v).into_owned();
            match flag {
                b'0' => o.split = Split::Delimiter(0),
                b'r' => o.no_run_if_empty = true,
                b't' => o.verbose = true,
                b'p' => o.interactive = true,
                b'x' => o.exit_if_too_long = true,
                b'a' => o.arg_file = Some(OsString::from_vec(required(&mut i)?)),
                b'd' => o.split = Split::Delimiter(parse_delimiter(&required(&mut i)?)?),
                b'E' => o.eof_marker = Some(required(&mut i)?),
                b'I' => o.set_replace(required(&mut i)?),
                b'L' => o.set_lines(parse_count(&text(required(&mut i)?), "L", 1)?),
                b'n' => o.set_args(parse_count(&text(required(&mut i)?), "n", 1)?),
                b's' => o.max_chars = parse_count(&text(required(&mut i)?), "s", 1)?,
                b'P' => o.procs = parse_count(&text(required(&mut i)?), "P", 0)?,
                // Options whose argument is optional and can only be attached.
                b'e' => o.eof_marker = (!attached.is_empty()).then(|| attached.to_vec()),
                b'i' => o.set_replace(if attached.is_empty() { b"{}".to_vec() } else { attached.to_vec() }),
                b'l' => o.set_lines(if attached.is_empty() { 1 } else { parse_count(&text(attached.to_vec()), "l", 1)? }),
                other => return Err(format!("invalid option -- '{}'", other as char)),
            }
            if matches!(flag, b'a' | b'd' | b'E' | b'I' | b'L' | b'n' | b's' | b'P' | b'e' | b'i' | b'l') {
                break; // the rest of the cluster was this option's argument
            }
        }
    }
    o.command = args[i..].to_vec();
    if o.command.is_empty() {
        o.command.push(OsString::from("echo"));
    }
    if o.replace.is_some() {
        o.exit_if_too_long = true;
        if o.split == Split::Blanks {
            o.split = Split::Lines;
        }
    }
    let limit = system_arg_limit();
    if o.max_chars > limit {
        eprintln!("xargs: warning: value {} for -s option should be <= {limit}", o.max_chars);
        o.max_chars = limit;
    }
    if o.procs == 0 {
        o.procs = MAX_PROCS;
    }
    Ok(Some(o))
}

/// The most argument bytes the kernel takes: a quarter of the stack limit (as Linux computes
/// ARG_MAX), less the environment and GNU's 2048-byte margin.
fn system_arg_limit() -> usize {
    let stack = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("Max stack size"))?;
            line.split_whitespace().nth(3)?.parse::<usize>().ok()
        })
        .unwrap_or(8 * 1024 * 1024);
    let arg_max = (stack / 4).max(DEFAULT_MAX_CHARS);
    let environment: usize = std::env::vars_os().map(|(k, v)| k.len() + v.len() + 2 + 8).sum();
    arg_max.saturating_sub(environment + 2048).max(4096)
}

/// How a command ended, for the exit status.
enum Outcome {
    Done(ExitStatus),
    NotStarted(io::Error),
}

/// The commands in flight (at most `-P` of them), each waited for on its own thread.
struct Pool {
    running: usize,
    limit: usize,
    done: mpsc::Receiver<(OsString, Outcome)>,
    sender: mpsc::Sender<(OsString, Outcome)>,
    /// Worst status seen so far, as xargs will exit.
    status: u8,
    /// A command ended in a way that makes xargs stop (255, signal, not runnable).
    stop: bool,
}

impl Pool {
    fn new(limit: usize) -> Self {
        let (sender, done) = mpsc::channel();
        Pool { running: 0, limit, done, sender, status: 0, stop: false }
    }

    fn start(&mut self, argv: Vec<OsString>, stdin_null: bool) {
        while self.running >= self.limit {
            self.wait_one();
        }
        if self.stop {
            return;
        }
        let name = argv[0].clone();
        let spawned = command_for(&argv[0]).and_then(|mut command| {
            command.args(&argv[1..]);
            if stdin_null {
                command.stdin(Stdio::null());
            }
            command.spawn()
        });
        match spawned {
            // One at a time (the default): no waiting thread needed.
            Ok(mut child) if self.limit == 1 => {
                let outcome = match child.wait() {
                    Ok(status) => Outcome::Done(status),
                    Err(e) => Outcome::NotStarted(e),
                };
                self.record(name, outcome);
            }
            Ok(mut child) => {
                self.running += 1;
                let sender = self.sender.clone();
                std::thread::spawn(move || {
                    let outcome = match child.wait() {
                        Ok(status) => Outcome::Done(status),
                        Err(e) => Outcome::NotStarted(e),
                    };
                    let _ = sender.send((name, outcome));
                });
            }
            Err(e) => self.record(name, Outcome::NotStarted(e)),
        }
    }

    fn wait_one(&mut self) {
        if self.running == 0 {
            return;
        }
        if let Ok((name, outcome)) = self.done.recv() {
            self.running -= 1;
            self.record(name, outcome);
        }
    }

    fn wait_all(&mut self) {
        while self.running > 0 {
            self.wait_one();
        }
    }

    fn record(&mut self, name: OsString, outcome: Outcome) {
        if self.stop {
            return; // GNU exits at the first reason to stop and reports nothing after it
        }
        let name = name.to_string_lossy();
        let (status, stop) = match outcome {
            Outcome::NotStarted(e) => {
                eprintln!("xargs: {name}: {}", io_message(&e));
                (if e.kind() == io::ErrorKind::NotFound { 127 } else { 126 }, true)
            }
            Outcome::Done(status) => match (status.code(), status.signal()) {
                (Some(0), _) => (0, false),
                (Some(255), _) => {
                    eprintln!("xargs: {name}: exited with status 255; aborting");
                    (124, true)
                }
                (Some(_), _) => (123, false),
                (None, Some(signal)) => {
                    eprintln!("xargs: {name}: terminated by signal {signal}");
                    (125, true)
                }
                (None, None) => (125, true),
            },
        };
        // The first reason to stop decides the status; failures only raise it to 123.
        self.status = if stop { status } else { self.status.max(status) };
        self.stop = stop;
    }
}

/// Builds and runs the commands; returns the exit status.
fn run(o: &Options) -> u8 {
    let input: Box<dyn BufRead> = match &o.arg_file {
        Some(path) if path.as_bytes() != b"-" => match std::fs::File::open(path) {
            Ok(file) => Box::new(BufReader::new(file)),
            Err(e) => {
                eprintln!("xargs: Cannot open input file {}: {}", quote(&path.to_string_lossy()), io_message(&e));
                return 1;
            }
        },
        _ => Box::new(BufReader::new(io::stdin())),
    };
    // Commands read /dev/null unless the items come from a file (GNU's rule).
    let stdin_null = o.arg_file.as_ref().is_none_or(|path| path.as_bytes() == b"-");
    let mut reader = Reader::new(input, o.split.clone(), o.eof_marker.clone());
    let mut pool = Pool::new(o.procs);
    let fixed: usize = o.command.iter().map(|a| a.len() + 1).sum();
    let mut batch: Vec<OsString> = Vec::new();
    let mut batch_bytes = fixed;
    let mut batch_lines = 0;
    let mut ran_any = false;
    let mut error: Option<String> = None;
    let launch = |pool: &mut Pool, argv: Vec<OsString>| {
        if confirm_and_show(o, &argv) {
            pool.start(argv, stdin_null);
        }
    };
    loop {
        if pool.stop {
            break;
        }
        let item: Item = match reader.next_item() {
            Ok(Some(item)) => item,
            Ok(None) => break,
            Err(InputError::UnmatchedQuote(kind)) => {
                error = Some(format!(
                    "unmatched {kind} quote; by default quotes are special to xargs unless you use the -0 option"
                ));
                break;
            }
            Err(InputError::Io(e)) => {
                error = Some(format!("read error: {}", io_message(&e)));
                break;
            }
        };
        if let Some(marker) = &o.replace {
            let argv: Vec<OsString> = o.command.iter().map(|a| replace_all(a, marker, &item.bytes)).collect();
            if argv.iter().map(|a| a.len() + 1).sum::<usize>() > o.max_chars {
                error = Some("argument list too long".into());
                break;
            }
            ran_any = true;
            launch(&mut pool, argv);
            continue;
        }
        let size = item.bytes.len() + 1;
        if fixed + size > o.max_chars {
            error = Some("argument line too long".into());
            break;
        }
        if batch_bytes + size > o.max_chars {
            if o.exit_if_too_long && (o.max_args.is_some() || o.max_lines.is_some()) {
                // -x: a batch cut short by the size limit is an error, and it does not run.
                batch.clear();
                error = Some("argument line too long".into());
                break;
            }
            ran_any = true;
            launch(&mut pool, [o.command.clone(), std::mem::take(&mut batch)].concat());
            batch_bytes = fixed;
            batch_lines = 0;
        }
        batch_bytes += size;
        batch.push(OsString::from_vec(item.bytes));
        if item.ends_line {
            batch_lines += 1;
        }
        let full = o.max_args.is_some_and(|n| batch.len() >= n) || o.max_lines.is_some_and(|n| batch_lines >= n);
        if full {
            ran_any = true;
            launch(&mut pool, [o.command.clone(), std::mem::take(&mut batch)].concat());
            batch_bytes = fixed;
            batch_lines = 0;
        }
    }
    // What was read before an input error still runs, as in GNU xargs.
    if !pool.stop && (!batch.is_empty() || (!ran_any && !o.no_run_if_empty && o.replace.is_none() && error.is_none())) {
        launch(&mut pool, [o.command.clone(), batch].concat());
    }
    pool.wait_all();
    // What was read before an error ran first; GNU reports the error after it.
    if let Some(message) = error {
        eprintln!("xargs: {message}");
        return if pool.stop { pool.status } else { 1 };
    }
    pool.status
}

/// `-t` shows the command on standard error; `-p` also asks there and reads the answer from
/// the terminal. Returns whether to run it.
fn confirm_and_show(o: &Options, argv: &[OsString]) -> bool {
    if !o.verbose && !o.interactive {
        return true;
    }
    let mut line = Vec::new();
    for (k, arg) in argv.iter().enumerate() {
        if k > 0 {
            line.push(b' ');
        }
        shell_quote(arg.as_bytes(), &mut line);
    }
    let mut stderr = io::stderr().lock();
    if !o.interactive {
        line.push(b'\n');
        let _ = stderr.write_all(&line);
        return true;
    }
    line.extend_from_slice(b" ?...");
    let _ = stderr.write_all(&line);
    let _ = stderr.flush();
    let answer = std::fs::File::open("/dev/tty").ok().and_then(|tty| {
        let mut text = String::new();
        BufReader::new(tty).read_line(&mut text).ok().map(|_| text)
    });
    answer.is_some_and(|a| a.trim_start().starts_with(['y', 'Y']))
}

/// Quotes an argument for `-t`/`-p` the way GNU xargs does (gnulib's shell-escape style), so
/// the shown line can be pasted into a shell.
fn shell_quote(arg: &[u8], out: &mut Vec<u8>) {
    let safe = |b: u8| b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(&b) || b >= 0x80;
    if arg.is_empty() {
        out.extend_from_slice(b"''");
    } else if arg.iter().all(|&b| safe(b)) {
        out.extend_from_slice(arg);
    } else if arg.iter().any(|&b| b < 0x20 || b == 0x7f) {
        // Printable runs in single quotes, control characters as $'\t' or $'\ooo'.
        let mut in_quotes = false;
        for &b in arg {
            let control = b < 0x20 || b == 0x7f;
            if control {
                if in_quotes {
                    out.push(b'\'');
                    in_quotes = false;
                }
                let escaped = match b {
                    b'\t' => "\\t".to_string(),
                    b'\n' => "\\n".to_string(),
                    b'\r' => "\\r".to_string(),
                    other => format!("\\{other:03o}"),
                };
                out.extend_from_slice(format!("$'{escaped}'").as_bytes());
            } else {
                if !in_quotes {
                    out.push(b'\'');
                    in_quotes = true;
                }
                if b == b'\'' {
                    out.extend_from_slice(b"'\\''");
                } else {
                    out.push(b);
                }
            }
        }
        if in_quotes {
            out.push(b'\'');
        }
    } else if arg.contains(&b'\'') && !arg.iter().any(|b| b"$`\\\"!".contains(b)) {
        out.push(b'"');
        out.extend_from_slice(arg);
        out.push(b'"');
    } else {
        out.push(b'\'');
        for &b in arg {
            if b == b'\'' {
                out.extend_from_slice(b"'\\''");
            } else {
                out.push(b);
            }
        }
        out.push(b'\'');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(text: &str) -> Result<Options, String> {
        let args: Vec<OsString> = text.split_whitespace().map(OsString::from).collect();
        parse(&args).map(|o| o.unwrap())
    }

    #[test]
    fn options_and_command() {
        let o = opts("-0rt -n2 -P 3 printf %s").unwrap();
        assert_eq!(o.split, Split::Delimiter(0));
        assert!(o.no_run_if_empty && o.verbose);
        assert_eq!((o.max_args, o.procs), (Some(2), 3));
        assert_eq!(o.command, ["printf", "%s"]);
        assert_eq!(opts("").unwrap().command, ["echo"]);
        assert_eq!(opts("-- -n").unwrap().command, ["-n"]);
        let o = opts("-I X echo X").unwrap();
        assert_eq!((o.replace.as_deref(), o.max_lines, o.exit_if_too_long), (Some(&b"X"[..]), Some(1), true));
        assert_eq!(o.split, Split::Lines);
        assert_eq!(opts("-i echo").unwrap().replace.as_deref(), Some(&b"{}"[..]));
        assert_eq!(opts("-L 2 -n 3").unwrap().max_lines, None, "the last of -L and -n wins");
        let o = opts("-I X -n 2").unwrap();
        assert_eq!((o.replace, o.max_args, o.max_lines), (None, Some(2), None));
        assert_eq!(opts("--max-args=4 --null").unwrap().max_args, Some(4));
        assert_eq!(opts("-d \\n").unwrap().split, Split::Delimiter(b'\n'));
        assert_eq!(opts("-d \\x41").unwrap().split, Split::Delimiter(b'A'));
        assert_eq!(opts("-d \\101").unwrap().split, Split::Delimiter(b'A'));
        assert_eq!(opts("-E STOP").unwrap().eof_marker.as_deref(), Some(&b"STOP"[..]));
        assert_eq!(opts("-P 0").unwrap().procs, MAX_PROCS);
    }

    #[test]
    fn option_errors() {
        assert!(opts("-n x").unwrap_err().contains("invalid number"));
        assert!(opts("-n 0").unwrap_err().contains("should be >= 1"));
        assert!(opts("-n").unwrap_err().contains("requires an argument"));
        assert!(opts("-d ab").unwrap_err().contains("delimiter"));
        assert!(opts("-q").unwrap_err().contains("invalid option"));
        assert!(opts("--bogus").unwrap_err().contains("unrecognized option"));
    }

    #[test]
    fn traced_commands_are_shell_quoted() {
        let quoted = |args: &[&[u8]]| {
            let mut out = Vec::new();
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                shell_quote(a, &mut out);
            }
            String::from_utf8(out).unwrap()
        };
        assert_eq!(quoted(&[b"echo", b"x\ty", b"a$b", b"it's", b"", "é".as_bytes()]), "echo 'x'$'\\t''y' 'a$b' \"it's\" '' é");
        assert_eq!(quoted(&[b"a b'$c"]), "'a b'\\''$c'");
    }

    #[test]
    fn size_limit_is_sane() {
        let limit = system_arg_limit();
        assert!((4096..1 << 40).contains(&limit));
    }
}
