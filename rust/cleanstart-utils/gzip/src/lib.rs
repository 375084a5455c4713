//! `gzip`, `gunzip` and `zcat` (`gzip -d` and `gzip -cd`), following GNU gzip 1.12.
//!
//! Exit status as GNU: 0 done, 1 error, 2 warning (unknown suffix, trailing garbage, directory,
//! output exists). An output file is written under a temporary name beside its final one and
//! renamed only once complete, so failing input never leaves a partial file behind; the input
//! file is removed only after that, unless `-k` or `-c`.
#![forbid(unsafe_code)]

use cleanstart_utils_core::cmdline::{print_version, usage_error, Cluster, LongOption};
use cleanstart_utils_compress::{self as compress, Trailer};
use cleanstart_utils_core::messages::io_message;
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, BufReader, IsTerminal, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Clone)]
struct Options {
    stdout: bool,
    decompress: bool,
    force: bool,
    keep: bool,
    quiet: bool,
    verbose: bool,
    test: bool,
    no_name: bool,
    level: u32,
    suffix: String,
    files: Vec<OsString>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            stdout: false,
            decompress: false,
            force: false,
            keep: false,
            quiet: false,
            verbose: false,
            test: false,
            no_name: false,
            level: 6,
            suffix: ".gz".into(),
            files: Vec::new(),
        }
    }
}

/// Which program was invoked: `gunzip` is `gzip -d`, `zcat` is `gzip -cd`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Gzip,
    Gunzip,
    Zcat,
}

const OK: u8 = 0;
const ERROR: u8 = 1;
const WARNING: u8 = 2;

fn parse(mode: Mode, args: impl Iterator<Item = OsString>) -> Result<Option<Options>, String> {
    let mut o = Options { decompress: mode != Mode::Gzip, stdout: mode == Mode::Zcat, ..Options::default() };
    let mut args = args.peekable();
    let mut only_files = false;
    while let Some(arg) = args.next() {
        let s = arg.to_string_lossy().into_owned();
        if only_files || s == "-" || !s.starts_with('-') {
            o.files.push(arg);
            continue;
        }
        if let Some(long) = LongOption::parse(&s) {
            match long.name {
                "" => only_files = true,
                "stdout" | "to-stdout" => o.stdout = true,
                "decompress" | "uncompress" => o.decompress = true,
                "force" => o.force = true,
                "keep" => o.keep = true,
                "quiet" => o.quiet = true,
                "verbose" => o.verbose = true,
                "test" => o.test = true,
                "no-name" => o.no_name = true,
                "name" => o.no_name = false,
                "fast" => o.level = 1,
                "best" => o.level = 9,
                "suffix" => o.suffix = long.value(&mut args)?,
                "help" => {
                    println!(
                        "Usage: gzip [OPTION]... [FILE]...\n\
                         Compress or uncompress FILEs (by default, compress FILES in-place).\n\n  \
                         -c, --stdout      write on standard output, keep original files unchanged\n  \
                         -d, --decompress  decompress\n  \
                         -f, --force       force overwrite of output file and compress links\n  \
                         -k, --keep        keep (don't delete) input files\n  \
                         -n, --no-name     do not save or restore the original name and timestamp\n  \
                         -N, --name        save or restore the original name and timestamp\n  \
                         -q, --quiet       suppress all warnings\n  \
                         -S, --suffix=SUF  use suffix SUF on compressed files\n  \
                         -t, --test        test compressed file integrity\n  \
                         -v, --verbose     verbose mode\n  \
                         -1, --fast        compress faster\n  \
                         -9, --best        compress better\n\n\
                         With no FILE, or when FILE is -, read standard input."
                    );
                    return Ok(None);
                }
                "version" => {
                    print_version("gzip");
                    return Ok(None);
                }
                _ => return Err(format!("unrecognized option '{s}'")),
            }
            continue;
        }
        let mut cluster = Cluster::new(&s[1..]);
        while let Some(c) = cluster.next() {
            match c {
                'c' => o.stdout = true,
                'd' => o.decompress = true,
                'f' => o.force = true,
                'k' => o.keep = true,
                'q' => o.quiet = true,
                'v' => o.verbose = true,
                't' => o.test = true,
                'n' => o.no_name = true,
                'N' => o.no_name = false,
                'S' => o.suffix = cluster.value(c, &mut args)?,
                '1'..='9' => o.level = c.to_digit(10).unwrap_or(6),
                _ => return Err(format!("invalid option -- '{c}'")),
            }
        }
    }
    if o.suffix.is_empty() {
        return Err("invalid suffix ''".into());
    }
    if o.test {
        o.decompress = true;
        o.stdout = true;
    }
    Ok(Some(o))
}

/// Entry point of `gzip`, `gunzip` and `zcat`.
pub fn main(mode: Mode, args: impl Iterator<Item = OsString>) -> ExitCode {
    let o = match parse(mode, args) {
        Ok(Some(o)) => o,
        Ok(None) => return ExitCode::SUCCESS,
        Err(msg) => return usage_error("gzip", &msg, 1),
    };
    let mut status = OK;
    let files = if o.files.is_empty() { vec![OsString::from("-")] } else { o.files.clone() };
    for file in files {
        let result = if file.as_bytes() == b"-" { treat_stdin(&o) } else { treat_file(&o, Path::new(&file)) };
        status = status.max(result);
    }
    ExitCode::from(status)
}

fn warn(o: &Options, msg: std::fmt::Arguments) -> u8 {
    if !o.quiet {
        eprintln!("gzip: {msg}");
    }
    WARNING
}

fn treat_stdin(o: &Options) -> u8 {
    let stdin = io::stdin();
    if !o.force && !o.test {
        let terminal = if o.decompress { stdin.is_terminal() } else { io::stdout().is_terminal() };
        if terminal {
            let what = if o.decompress { "read from" } else { "written to" };
            eprintln!("gzip: compressed data not {what} a terminal. Use -f to force {}compression.\nFor help, type: gzip -h", if o.decompress { "de" } else { "" });
            return ERROR;
        }
    }
    let mut out = io::stdout().lock();
    let status = transcode(o, "stdin", BufReader::new(stdin.lock()), &mut out, None, 0);
    if status != ERROR && out.flush().is_err() {
        return ERROR;
    }
    status
}

/// Compresses or decompresses one stream; the status is OK, WARNING or ERROR (already reported).
fn transcode(o: &Options, shown: &str, mut input: impl io::BufRead, output: &mut impl Write, name: Option<&[u8]>, mtime: u32) -> u8 {
    if o.decompress {
        // zcat -f passes data through that is not compressed, as GNU does.
        if o.force && o.stdout && !o.test {
            match input.fill_buf() {
                Ok(head) if !head.is_empty() && compress::Codec::sniff(head) != compress::Codec::Gzip => {
                    return match io::copy(&mut input, output) {
                        Ok(_) => OK,
                        Err(e) => {
                            eprintln!("gzip: {shown}: {}", io_message(&e));
                            ERROR
                        }
                    };
                }
                _ => {}
            }
        }
        let mut sink: Box<dyn Write> = if o.test { Box::new(io::sink()) } else { Box::new(output) };
        match compress::gunzip(input, &mut sink) {
            Ok(Trailer::Clean) => OK,
            Ok(Trailer::Garbage) => warn(o, format_args!("{shown}: decompression OK, trailing garbage ignored")),
            Err(e) => {
                eprintln!("gzip: {shown}: {e}");
                ERROR
            }
        }
    } else {
        let mut encoder = compress::gzip_writer(output, o.level, name, mtime);
        let result = io::copy(&mut input, &mut encoder).and_then(|_| encoder.try_finish());
        match result {
            Ok(()) => OK,
            Err(e) => {
                eprintln!("gzip: {shown}: {}", io_message(&e));
                ERROR
            }
        }
    }
}

/// The suffixes GNU gzip recognises on compressed files, and what replaces each when decompressing.
fn suffixes(user_suffix: &str) -> [(&str, &'static str); 9] {
    [(".tgz", ".tar"), (".taz", ".tar"), (user_suffix, ""), (".gz", ""), ("-gz", ""), (".z", ""), ("-z", ""), ("_z", ""), (".Z", "")]
}

/// The compressed-file suffix `name` ends with, if any (with a name before it).
fn known_suffix<'a>(name: &str, user_suffix: &'a str) -> Option<&'a str> {
    suffixes(user_suffix).into_iter().find_map(|(suffix, _)| {
        let base = name.strip_suffix(suffix)?;
        // "foo/.gz" has no name left to restore.
        (!base.is_empty() && !base.ends_with('/')).then_some(suffix)
    })
}

/// The name `name` decompresses to.
fn strip_suffix(name: &str, user_suffix: &str) -> Option<String> {
    let suffix = known_suffix(name, user_suffix)?;
    let with = suffixes(user_suffix).into_iter().find(|(s, _)| *s == suffix).map_or("", |(_, w)| w);
    Some(format!("{}{with}", &name[..name.len() - suffix.len()]))
}

fn treat_file(o: &Options, path: &Path) -> u8 {
    let mut path = path.to_path_buf();
    let shown_orig = path.to_string_lossy().into_owned();
    let mut meta = fs::symlink_metadata(&path);
    if o.decompress && meta.is_err() && strip_suffix(&shown_orig, &o.suffix).is_none() {
        // `gunzip foo` finds foo.gz, as GNU does.
        let with = PathBuf::from(format!("{shown_orig}{}", o.suffix));
        match fs::symlink_metadata(&with) {
            Ok(m) => {
                meta = Ok(m);
                path = with;
            }
            Err(e) => {
                eprintln!("gzip: {}: {}", with.display(), io_message(&e));
                return ERROR;
            }
        }
    }
    let shown = path.to_string_lossy().into_owned();
    let meta = match meta {
        Ok(m) => m,
        Err(e) => {
            eprintln!("gzip: {shown}: {}", io_message(&e));
            return ERROR;
        }
    };
    if meta.is_dir() {
        return warn(o, format_args!("{shown} is a directory -- ignored"));
    }
    if !o.stdout && !o.force && meta.file_type().is_symlink() {
        return warn(o, format_args!("{shown} is not a directory or a regular file - ignored"));
    }
    let target = if o.stdout {
        None
    } else if o.decompress {
        match strip_suffix(&shown, &o.suffix) {
            Some(t) => Some(PathBuf::from(t)),
            None => return warn(o, format_args!("{shown}: unknown suffix -- ignored")),
        }
    } else {
        if let Some(suffix) = known_suffix(&shown, &o.suffix) {
            if !o.quiet {
                eprintln!("gzip: {shown} already has {suffix} suffix -- unchanged");
            }
            return OK;
        }
        Some(PathBuf::from(format!("{shown}{}", o.suffix)))
    };
    let input = match File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("gzip: {shown}: {}", io_message(&e));
            return ERROR;
        }
    };
    let meta = input.metadata().unwrap_or(meta);
    let base_name = path.file_name().map(|n| n.as_bytes().to_vec());
    let (name, mtime) =
        if o.no_name { (None, 0) } else { (base_name.as_deref(), u32::try_from(meta.mtime()).unwrap_or(0)) };
    let reader = BufReader::with_capacity(128 * 1024, input);
    let Some(target) = target else {
        let mut out = io::stdout().lock();
        let status = transcode(o, &shown, reader, &mut out, name, mtime);
        return if status != ERROR && out.flush().is_err() { ERROR } else { status };
    };
    if fs::symlink_metadata(&target).is_ok() && !o.force {
        return warn(o, format_args!("{} already exists;\tnot overwritten", target.display()));
    }
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut temp = match tempfile::Builder::new().prefix(".gzip-").tempfile_in(&dir) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("gzip: {}: {}", target.display(), io_message(&e));
            return ERROR;
        }
    };
    let mut writer = io::BufWriter::with_capacity(128 * 1024, temp.as_file_mut());
    let status = transcode(o, &shown, reader, &mut writer, name, mtime);
    if status == ERROR {
        return ERROR; // the temporary file is removed when dropped
    }
    if let Err(e) = writer.flush() {
        eprintln!("gzip: {}: {}", target.display(), io_message(&e));
        return ERROR;
    }
    drop(writer);
    if let Err(e) = copy_attributes(temp.as_file(), &meta) {
        eprintln!("gzip: {}: {}", target.display(), io_message(&e));
        return ERROR;
    }
    if let Err(e) = temp.persist(&target) {
        eprintln!("gzip: {}: {}", target.display(), io_message(&e.error));
        return ERROR;
    }
    if o.verbose {
        report_ratio(&shown, &meta, &target, o, name.map_or(0, |n| n.len() + 1));
    }
    if !o.keep {
        if let Err(e) = fs::remove_file(&path) {
            eprintln!("gzip: {shown}: {}", io_message(&e));
            return ERROR;
        }
    }
    status
}

/// The output takes the input's permissions, times and (when allowed) owner, as GNU does.
fn copy_attributes(out: &File, meta: &fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    // Owner first: changing it may clear set-id bits, which the mode then restores.
    let _ = std::os::unix::fs::fchown(out, Some(meta.uid()), Some(meta.gid()));
    out.set_permissions(fs::Permissions::from_mode(meta.mode() & 0o7777))?;
    let times = fs::FileTimes::new().set_accessed(meta.accessed()?).set_modified(meta.modified()?);
    out.set_times(times)
}

/// GNU's `-v` line. Its ratio leaves out the gzip header and trailer (10 bytes, the stored
/// name, 8 bytes).
fn report_ratio(shown: &str, meta: &fs::Metadata, target: &Path, o: &Options, stored_name: usize) {
    let Ok(out) = fs::metadata(target) else { return };
    let (plain, packed) = if o.decompress { (out.len(), meta.len()) } else { (meta.len(), out.len()) };
    let packed = packed.saturating_sub(18 + stored_name as u64);
    let ratio = if plain == 0 { 0.0 } else { 100.0 * (plain as f64 - packed as f64) / plain as f64 };
    let verb = if o.keep { "created" } else { "replaced with" };
    eprintln!("{shown}:\t{ratio:5.1}% -- {verb} {}", target.display());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(mode: Mode, args: &[&str]) -> Options {
        parse(mode, args.iter().map(OsString::from)).unwrap().unwrap()
    }

    #[test]
    fn modes_and_flags() {
        let z = opts(Mode::Zcat, &[]);
        assert!(z.decompress && z.stdout);
        let g = opts(Mode::Gzip, &["-9kc", "--", "-f"]);
        assert_eq!((g.level, g.keep, g.stdout, g.force), (9, true, true, false));
        assert_eq!(g.files, vec![OsString::from("-f")]);
        assert_eq!(opts(Mode::Gzip, &["-S", ".z"]).suffix, ".z");
        assert_eq!(opts(Mode::Gzip, &["--suffix=.x"]).suffix, ".x");
        assert!(parse(Mode::Gzip, ["-Q"].iter().map(OsString::from)).is_err());
    }

    #[test]
    fn suffixes_like_gnu() {
        assert_eq!(strip_suffix("a.gz", ".gz").as_deref(), Some("a"));
        assert_eq!(strip_suffix("a.tgz", ".gz").as_deref(), Some("a.tar"));
        assert_eq!(strip_suffix("dir/a.Z", ".gz").as_deref(), Some("dir/a"));
        assert_eq!(strip_suffix("a.txt", ".gz"), None);
        assert_eq!(strip_suffix(".gz", ".gz"), None);
    }

    #[test]
    fn corrupt_input_leaves_no_output_file() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.gz");
        fs::write(&bad, b"\x1f\x8b\x08\x00garbage that is not deflate").unwrap();
        let o = opts(Mode::Gunzip, &[]);
        assert_eq!(treat_file(&o, &bad), ERROR);
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, vec![OsString::from("bad.gz")]);
    }

    #[test]
    fn round_trip_keeps_mode_and_time() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("data");
        fs::write(&file, b"hello hello hello").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).unwrap();
        let before = fs::metadata(&file).unwrap();
        assert_eq!(treat_file(&opts(Mode::Gzip, &[]), &file), OK);
        assert!(!file.exists());
        let gz = dir.path().join("data.gz");
        assert_eq!(fs::metadata(&gz).unwrap().mode() & 0o777, 0o640);
        assert_eq!(treat_file(&opts(Mode::Gunzip, &[]), &gz), OK);
        let after = fs::metadata(&file).unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"hello hello hello");
        assert_eq!(after.mtime(), before.mtime());
    }
}
