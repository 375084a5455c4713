//! The `*sum` utilities: print or check message digests, with GNU coreutils' formats.
//!
//! Output lines are `HEX  NAME` (`HEX *NAME` in binary mode), or with `--tag` BSD's
//! `ALGO (NAME) = HEX`; a name holding a backslash or a newline is escaped and the line starts
//! with `\`, as GNU does, except with `-z`, whose lines end in NUL and keep names raw.
//! `--check` reads both forms back and reports `NAME: OK` or `NAME: FAILED`, then the same
//! warnings and exit status as GNU. Verdict lines escape names the same way, as current GNU
//! coreutils does (9.10; 9.1 printed them raw).
#![forbid(unsafe_code)]

use cleanstart_utils_core::cmdline::{print_version, usage_error};
use cleanstart_utils_core::messages::io_message;
use libcleanstart::digest::digest_hex;
use digest::Digest;
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::process::ExitCode;

/// Options of a `*sum` utility.
#[derive(Debug, Default)]
struct Options {
    check: bool,
    /// BSD-style `ALGO (NAME) = HEX` lines.
    tag: bool,
    /// `-b` (true) or `-t` (false) as last given.
    binary: Option<bool>,
    /// Lines end in NUL and names are not escaped.
    zero: bool,
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
            // One mode on Linux; binary mode only changes the mark before the name.
            b"-b" | b"--binary" => opts.binary = Some(true),
            b"-t" | b"--text" => opts.binary = Some(false),
            b"--tag" => opts.tag = true,
            b"-z" | b"--zero" => opts.zero = true,
            b"--status" => opts.status = true,
            b"--quiet" => opts.quiet = true,
            b"-w" | b"--warn" => opts.warn = true,
            b"--strict" => opts.strict = true,
            b"--help" => {
                println!(
                    "Usage: {util} [OPTION]... [FILE]...\n\
                     Print or check checksums. With no FILE, or when FILE is -, read standard input.\n\n  \
                     -b, --binary   read in binary mode (same as text mode on Linux)\n  \
                     -c, --check    read checksums from the FILEs and check them\n      \
                     --tag      create a BSD-style checksum\n  \
                     -t, --text     read in text mode\n  \
                     -z, --zero     end each output line with NUL, not newline, and do not escape names\n\n\
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
    // GNU's checks, in GNU's order. As in 9.10, `-t` conflicts with `--tag` wherever it stands
    // (9.1's `--tag` reset the mode to binary, so it accepted `-t --tag`).
    if opts.tag && opts.binary == Some(false) {
        return Err("--tag does not support --text mode".into());
    }
    if opts.check && opts.zero {
        return Err("the --zero option is not supported when verifying checksums".into());
    }
    if opts.check && opts.tag {
        return Err("the --tag option is meaningless when verifying checksums".into());
    }
    if opts.check && opts.binary.is_some() {
        return Err("the --binary and --text options are meaningless when verifying checksums".into());
    }
    for (given, name) in [(opts.status, "status"), (opts.warn, "warn"), (opts.quiet, "quiet"), (opts.strict, "strict")] {
        if given && !opts.check {
            return Err(format!("the --{name} option is meaningful only when verifying checksums"));
        }
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

/// The name of the digest in BSD-style lines: `SHA256` for `sha256sum`, `MD5` for `md5sum`.
fn algorithm(util: &str) -> String {
    util.strip_suffix("sum").unwrap_or(util).to_ascii_uppercase()
}

/// One output line, as GNU coreutils 9 writes it.
fn output_line(algorithm: &str, sum: &str, name: &[u8], opts: &Options) -> Vec<u8> {
    let (escaped, name) = if opts.zero { (false, name.to_vec()) } else { escape(name) };
    let mut line = Vec::with_capacity(name.len() + sum.len() + algorithm.len() + 8);
    if escaped {
        line.push(b'\\');
    }
    if opts.tag {
        line.extend_from_slice(format!("{algorithm} (").as_bytes());
        line.extend_from_slice(&name);
        line.extend_from_slice(b") = ");
        line.extend_from_slice(sum.as_bytes());
    } else {
        line.extend_from_slice(sum.as_bytes());
        line.extend_from_slice(if opts.binary == Some(true) { b" *" } else { b"  " });
        line.extend_from_slice(&name);
    }
    line.push(if opts.zero { 0 } else { b'\n' });
    line
}

fn print<D: Digest>(util: &str, opts: &Options, out: &mut impl Write) -> bool {
    let algorithm = algorithm(util);
    let mut ok = true;
    for name in &opts.files {
        match open(name).and_then(digest_hex::<D>) {
            Ok(sum) => {
                if out.write_all(&output_line(&algorithm, &sum, name.as_bytes(), opts)).is_err() {
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

/// GNU's `ISWHITE`: the blanks allowed around the parts of a checksum line.
fn is_blank(b: &u8) -> bool {
    matches!(b, b' ' | b'\t')
}

fn skip_blanks(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| is_blank(b)).count();
    &s[n..]
}

/// Splits one checksum line into (hex digest, file name), or None when it is not one. Both of
/// GNU's forms are read: `HEX  NAME` (or `HEX *NAME`) and, as GNU coreutils 9 reads them, BSD's
/// `ALGO (NAME) = HEX` (`--tag` output), whose name ends at the line's last `)`.
fn parse_line(line: &[u8], hex_len: usize, algorithm: &str) -> Option<(String, Vec<u8>)> {
    let line = skip_blanks(line);
    let (escaped, line) = match line.strip_prefix(b"\\") {
        Some(rest) => (true, rest),
        None => (false, line),
    };
    let (sum, name) = if let Some(tagged) = line.strip_prefix(algorithm.as_bytes()) {
        let tagged = tagged.strip_prefix(b" ").unwrap_or(tagged).strip_prefix(b"(")?;
        let close = tagged.iter().rposition(|&b| b == b')')?;
        let (name, rest) = (&tagged[..close], &tagged[close + 1..]);
        let sum = skip_blanks(skip_blanks(rest).strip_prefix(b"=")?);
        if sum.len() != hex_len {
            return None;
        }
        (sum, name)
    } else {
        if line.len() < hex_len + 2 {
            return None;
        }
        let (sum, rest) = line.split_at(hex_len);
        if !is_blank(&rest[0]) || !matches!(rest[1], b' ' | b'*') || rest.len() == 2 {
            return None;
        }
        (sum, &rest[2..])
    };
    if !sum.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let name = if escaped { unescape(name)? } else { name.to_vec() };
    Some((String::from_utf8_lossy(sum).to_ascii_lowercase(), name))
}

fn check<D: Digest>(util: &str, opts: &Options, out: &mut impl Write) -> bool {
    let hex_len = <D as Digest>::output_size() * 2;
    let algorithm = algorithm(util);
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
            let Some((want, name)) = parse_line(line, hex_len, &algorithm) else {
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
        let parse = |line: String| parse_line(line.as_bytes(), 64, "SHA256");
        let (got, name) = parse(format!("{sum}  file")).unwrap();
        assert_eq!((got.as_str(), name.as_slice()), (sum.as_str(), &b"file"[..]));
        assert_eq!(parse(format!("{sum} *bin")).unwrap().1, b"bin");
        assert_eq!(parse(format!(" \t{sum}\t file")).unwrap().1, b"file");
        assert!(parse("short  file".into()).is_none());
        assert!(parse(format!("{sum}  ")).is_none());
        assert!(parse(format!("{}  file", "zz".repeat(32))).is_none());
    }

    #[test]
    fn tagged_lines_parse_as_gnu_reads_them() {
        let sum = "ab".repeat(32);
        let parse = |line: String| parse_line(line.as_bytes(), 64, "SHA256");
        let name = |line: String| parse(line).map(|(_, n)| String::from_utf8(n).unwrap());
        assert_eq!(parse(format!("SHA256 (f) = {}", sum.to_uppercase())).unwrap(), (sum.clone(), b"f".to_vec()));
        // Blanks around `=` are optional, the name ends at the last `)`, and may be empty.
        assert_eq!(name(format!("SHA256(a (b)) =\t{sum}")).as_deref(), Some("a (b)"));
        assert_eq!(name(format!("  SHA256 () ={sum}")).as_deref(), Some(""));
        assert_eq!(name(format!("\\SHA256 (a\\\\b\\nc) = {sum}")).as_deref(), Some("a\\b\nc"));
        for bad in [
            format!("SHA256  (f) = {sum}"),
            format!("SHA256 (f) = {sum} "),
            format!("SHA256 (f) = {sum}0"),
            format!("SHA256 (f) = {}", &sum[1..]),
            format!("SHA256 (f) {sum}"),
            format!("sha256 (f) = {sum}"),
            format!("MD5 (f) = {sum}"),
            format!("\\SHA256 (a\\q) = {sum}"),
        ] {
            assert!(parse(bad.clone()).is_none(), "{bad}");
        }
    }

    #[test]
    fn output_lines_in_gnu_formats() {
        let sum = "0f";
        let line = |name: &[u8], opts: Options| String::from_utf8(output_line("MD5", sum, name, &opts)).unwrap();
        assert_eq!(line(b"f", Options::default()), "0f  f\n");
        assert_eq!(line(b"f", Options { binary: Some(true), ..Options::default() }), "0f *f\n");
        assert_eq!(line(b"f", Options { tag: true, ..Options::default() }), "MD5 (f) = 0f\n");
        assert_eq!(line(b"a\\b", Options { tag: true, ..Options::default() }), "\\MD5 (a\\\\b) = 0f\n");
        assert_eq!(line(b"a\nb", Options { tag: true, zero: true, ..Options::default() }), "MD5 (a\nb) = 0f\0");
        assert_eq!(line(b"a\\b", Options { zero: true, ..Options::default() }), "0f  a\\b\0");
        assert_eq!(algorithm("sha256sum"), "SHA256");
    }

    #[test]
    fn option_conflicts_are_rejected_as_gnu_does() {
        let parse = |args: &[&str]| parse("sha256sum", args.iter().map(OsString::from)).map(|o| o.is_some());
        assert_eq!(parse(&["--tag", "-t"]).unwrap_err(), "--tag does not support --text mode");
        assert!(parse(&["-t", "--tag"]).is_err());
        assert!(parse(&["-b", "--tag"]).unwrap());
        assert_eq!(parse(&["--tag", "-c", "-z"]).unwrap_err(), "the --zero option is not supported when verifying checksums");
        assert_eq!(parse(&["--tag", "-c"]).unwrap_err(), "the --tag option is meaningless when verifying checksums");
        assert!(parse(&["-b", "-c"]).is_err());
        assert_eq!(parse(&["--status"]).unwrap_err(), "the --status option is meaningful only when verifying checksums");
    }
}
