//! The `*sum` utilities: print or check message digests, with GNU coreutils' formats.
//!
//! Output lines are `HEX  NAME` (a name holding a backslash or a newline is escaped and the line
//! starts with `\`, as GNU does). `--check` reads such lines back and reports `NAME: OK` or
//! `NAME: FAILED`, then the same warnings and exit status as GNU. Verdict lines escape names the
//! same way, as current GNU coreutils does (9.10; 9.1 printed them raw).

use crate::cmdline::{print_version, usage_error};
use crate::messages::io_message;
use libcleanstart::digest::digest_hex;
use sha2::Digest;
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::process::ExitCode;

/// Options of a `*sum` utility.
#[derive(Debug, Default)]
struct Options {
    check: bool,
    status: bool,
    quiet: bool,
    warn: bool,
    strict: bool,
    files: Vec<OsString>,
}

/// Entry point of a `*sum` binary: `util` names it in messages, `D` is its digest.
pub fn main<D: Digest>(util: &str, args: impl Iterator<Item = OsString>) -> ExitCode {
    let opts = match parse(util, args) {
        Ok(Some(opts)) => opts,
        Ok(None) => return ExitCode::SUCCESS,
        Err(msg) => return usage_error(util, &msg, 1),
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let ok = if opts.check {
        check::<D>(util, &opts, &mut out)
    } else {
        print::<D>(util, &opts, &mut out)
    };
    let flushed = out.flush().is_ok();
    if ok && flushed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn parse(util: &str, args: impl Iterator<Item = OsString>) -> Result<Option<Options>, String> {
    let mut opts = Options::default();
    let mut only_files = false;
    for arg in args {
        let bytes = arg.as_bytes();
        if only_files || bytes == b"-" || !bytes.starts_with(b"-") {
            opts.files.push(arg);
            continue;
        }
        match bytes {
            b"--" => only_files = true,
            b"-c" | b"--check" => opts.check = true,
            b"-b" | b"--binary" | b"-t" | b"--text" => {} // one mode on Linux
            b"--status" => opts.status = true,
            b"--quiet" => opts.quiet = true,
            b"-w" | b"--warn" => opts.warn = true,
            b"--strict" => opts.strict = true,
            b"--help" => {
                println!(
                    "Usage: {util} [OPTION]... [FILE]...\n\
                     Print or check checksums. With no FILE, or when FILE is -, read standard input.\n\n  \
                     -b, --binary   read in binary mode (same as text mode on Linux)\n  \
                     -c, --check    read checksums from the FILEs and check them\n  \
                     -t, --text     read in text mode\n\n\
                     With --check:\n      \
                     --quiet    don't print OK for each successfully verified file\n      \
                     --status   don't output anything, status code shows success\n      \
                     --strict   exit non-zero for improperly formatted checksum lines\n  \
                     -w, --warn     warn about improperly formatted checksum lines"
                );
                return Ok(None);
            }
            b"--version" => {
                print_version(util);
                return Ok(None);
            }
            _ => return Err(format!("unrecognized option '{}'", arg.to_string_lossy())),
        }
    }
    if !opts.check && (opts.status || opts.quiet || opts.warn || opts.strict) {
        return Err("the --status, --quiet, --warn and --strict options are meaningful only when verifying checksums".into());
    }
    if opts.files.is_empty() {
        opts.files.push(OsString::from("-"));
    }
    Ok(Some(opts))
}

fn open(name: &OsStr) -> io::Result<Box<dyn Read>> {
    if name.as_bytes() == b"-" {
        Ok(Box::new(io::stdin().lock()))
    } else {
        Ok(Box::new(File::open(name)?))
    }
}

fn print<D: Digest>(util: &str, opts: &Options, out: &mut impl Write) -> bool {
    let mut ok = true;
    for name in &opts.files {
        match open(name).and_then(digest_hex::<D>) {
            Ok(sum) => {
                let (escaped, name) = escape(name.as_bytes());
                let line = [
                    if escaped { &b"\\"[..] } else { b"" },
                    sum.as_bytes(),
                    b"  ",
                    &name,
                    b"\n",
                ]
                .concat();
                if out.write_all(&line).is_err() {
                    return false;
                }
            }
            Err(e) => {
                eprintln!("{util}: {}: {}", name.to_string_lossy(), io_message(&e));
                ok = false;
            }
        }
    }
    ok
}

/// GNU's escaping of names in checksum lines: `\` becomes `\\`, a newline becomes `\n`.
fn escape(name: &[u8]) -> (bool, Vec<u8>) {
    if !name.iter().any(|&b| b == b'\\' || b == b'\n') {
        return (false, name.to_vec());
    }
    let mut out = Vec::with_capacity(name.len() + 4);
    for &b in name {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            _ => out.push(b),
        }
    }
    (true, out)
}

fn unescape(name: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(name.len());
    let mut it = name.iter();
    while let Some(&b) = it.next() {
        if b == b'\\' {
            match it.next() {
                Some(b'\\') => out.push(b'\\'),
                Some(b'n') => out.push(b'\n'),
                _ => return None,
            }
        } else {
            out.push(b);
        }
    }
    Some(out)
}

/// Splits one checksum line into (hex digest, file name), or None when it is not one.
fn parse_line(line: &[u8], hex_len: usize) -> Option<(String, Vec<u8>)> {
    let (escaped, line) = match line.strip_prefix(b"\\") {
        Some(rest) => (true, rest),
        None => (false, line),
    };
    if line.len() < hex_len + 2 {
        return None;
    }
    let (sum, rest) = line.split_at(hex_len);
    if !sum.iter().all(u8::is_ascii_hexdigit) || rest[0] != b' ' || !matches!(rest[1], b' ' | b'*') {
        return None;
    }
    let name = &rest[2..];
    if name.is_empty() {
        return None;
    }
    let name = if escaped { unescape(name)? } else { name.to_vec() };
    Some((String::from_utf8_lossy(sum).to_ascii_lowercase(), name))
}

fn check<D: Digest>(util: &str, opts: &Options, out: &mut impl Write) -> bool {
    let hex_len = <D as Digest>::output_size() * 2;
    let mut all_ok = true;
    for list in &opts.files {
        let list_name = list.to_string_lossy();
        let reader = match open(list) {
            Ok(r) => BufReader::new(r),
            Err(e) => {
                eprintln!("{util}: {list_name}: {}", io_message(&e));
                all_ok = false;
                continue;
            }
        };
        let (mut good, mut mismatched, mut unreadable, mut malformed) = (0u64, 0u64, 0u64, 0u64);
        for (lineno, line) in reader.split(b'\n').enumerate() {
            let line = match line {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("{util}: {list_name}: {}", io_message(&e));
                    all_ok = false;
                    break;
                }
            };
            let line = line.strip_suffix(b"\r").unwrap_or(&line);
            let Some((want, name)) = parse_line(line, hex_len) else {
                malformed += 1;
                if opts.warn {
                    eprintln!("{util}: {list_name}: {}: improperly formatted checksum line", lineno + 1);
                }
                continue;
            };
            good += 1;
            let shown = String::from_utf8_lossy(&name).into_owned();
            let (escaped, listed) = escape(&name);
            let listed = format!("{}{}", if escaped { "\\" } else { "" }, String::from_utf8_lossy(&listed));
            let verdict = match open(OsStr::from_bytes(&name)).and_then(digest_hex::<D>) {
                Ok(got) if got == want => None,
                Ok(_) => {
                    mismatched += 1;
                    Some("FAILED")
                }
                Err(e) => {
                    if !opts.status {
                        eprintln!("{util}: {shown}: {}", io_message(&e));
                    }
                    unreadable += 1;
                    Some("FAILED open or read")
                }
            };
            if opts.status {
                continue;
            }
            let written = match verdict {
                None if opts.quiet => Ok(()),
                None => writeln!(out, "{listed}: OK"),
                Some(v) => writeln!(out, "{listed}: {v}"),
            };
            if written.is_err() {
                return false;
            }
        }
        // Warnings go to stderr after the verdicts, so flush those first to keep them in order.
        let _ = out.flush();
        if good == 0 {
            eprintln!("{util}: {list_name}: no properly formatted checksum lines found");
            all_ok = false;
            continue;
        }
        if !opts.status {
            let plural = |n: u64, one: &str, many: &str| if n == 1 { one.to_string() } else { many.to_string() };
            if malformed > 0 {
                eprintln!("{util}: WARNING: {malformed} {} improperly formatted", plural(malformed, "line is", "lines are"));
            }
            if unreadable > 0 {
                eprintln!("{util}: WARNING: {unreadable} listed {} could not be read", plural(unreadable, "file", "files"));
            }
            if mismatched > 0 {
                eprintln!("{util}: WARNING: {mismatched} computed {} did NOT match", plural(mismatched, "checksum", "checksums"));
            }
        }
        if mismatched > 0 || unreadable > 0 || (opts.strict && malformed > 0) {
            all_ok = false;
        }
    }
    all_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        assert_eq!(
            digest_hex::<sha2::Sha256>(&b""[..]).unwrap(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            digest_hex::<sha2::Sha256>(&b"abc"[..]).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn escaping_round_trips() {
        let (escaped, text) = escape(b"a\\b\nc");
        assert!(escaped);
        assert_eq!(text, b"a\\\\b\\nc");
        assert_eq!(unescape(&text).unwrap(), b"a\\b\nc");
        assert_eq!(escape(b"plain"), (false, b"plain".to_vec()));
    }

    #[test]
    fn check_verdicts_escape_names_like_current_gnu() {
        let dir = tempfile::tempdir().unwrap();
        let odd = dir.path().join("back\\slash");
        std::fs::write(&odd, b"x").unwrap();
        let sum = digest_hex::<sha2::Sha256>(&b"x"[..]).unwrap();
        let list = dir.path().join("sums");
        let (_, escaped) = escape(odd.as_os_str().as_bytes());
        std::fs::write(&list, [b"\\", sum.as_bytes(), b"  ", &escaped, b"\n"].concat()).unwrap();
        let opts = Options { check: true, files: vec![list.into_os_string()], ..Options::default() };
        let mut out = Vec::new();
        assert!(check::<sha2::Sha256>("sha256sum", &opts, &mut out));
        let expected = format!("\\{}: OK\n", String::from_utf8_lossy(&escaped));
        assert_eq!(String::from_utf8_lossy(&out), expected);
    }

    #[test]
    fn checksum_lines_parse() {
        let sum = "ab".repeat(32);
        let (got, name) = parse_line(format!("{sum}  file").as_bytes(), 64).unwrap();
        assert_eq!((got.as_str(), name.as_slice()), (sum.as_str(), &b"file"[..]));
        assert_eq!(parse_line(format!("{sum} *bin").as_bytes(), 64).unwrap().1, b"bin");
        assert!(parse_line(b"short  file", 64).is_none());
        assert!(parse_line(format!("{sum}  ").as_bytes(), 64).is_none());
        assert!(parse_line(format!("{}  file", "zz".repeat(32)).as_bytes(), 64).is_none());
    }
}
