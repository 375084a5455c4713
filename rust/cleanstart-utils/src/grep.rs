//! `grep`: POSIX grep with GNU grep's common options, over [`crate::pattern`].
//!
//! Input is read in large blocks; the buffer regex (multi-line anchors) finds the next candidate
//! line in a block and the line regex confirms it, so lines that cannot match are skipped at the
//! regex engine's speed instead of being tested one by one. Exit status as GNU: 0 a line was
//! selected, 1 none, 2 an error (unless `-q` already found a line).

use crate::cmdline::{print_version, Cluster, LongOption};
use crate::messages::io_message;
use crate::pattern::{Extent, Matcher, Syntax};
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Default)]
struct Options {
    syntax: Option<Syntax>,
    patterns: Vec<String>,
    pattern_given: bool,
    ignore_case: bool,
    invert: bool,
    count: bool,
    files_with_matches: bool,
    files_without_match: bool,
    line_number: bool,
    with_filename: Option<bool>,
    only_matching: bool,
    quiet: bool,
    no_messages: bool,
    recursive: bool,
    dereference_recursive: bool,
    extent: Extent,
    max_count: Option<u64>,
    binary_as_text: bool,
    skip_binary: bool,
    files: Vec<OsString>,
}

fn parse(args: Vec<OsString>) -> Result<Option<Options>, String> {
    let mut o = Options::default();
    let mut args = args.into_iter();
    let mut only_operands = false;
    let mut operands = Vec::new();
    let add_patterns = |o: &mut Options, text: &str| {
        o.pattern_given = true;
        // A pattern holding newlines is several patterns.
        o.patterns.extend(text.split('\n').map(String::from));
    };
    let read_pattern_file = |o: &mut Options, name: &str| -> Result<(), String> {
        let data = if name == "-" {
            let mut v = Vec::new();
            io::stdin().read_to_end(&mut v).map(|_| v)
        } else {
            std::fs::read(name)
        }
        .map_err(|e| format!("{name}: {}", io_message(&e)))?;
        o.pattern_given = true;
        let text = String::from_utf8_lossy(&data);
        let text = text.strip_suffix('\n').unwrap_or(&text);
        if !data.is_empty() {
            o.patterns.extend(text.split('\n').map(String::from));
        }
        Ok(())
    };
    while let Some(arg) = args.next() {
        let s = arg.to_string_lossy().into_owned();
        if only_operands || s == "-" || !s.starts_with('-') {
            operands.push(arg);
            continue;
        }
        if let Some(long) = LongOption::parse(&s) {
            let mut value = || long.value(&mut args);
            match long.name {
                "" => only_operands = true,
                "extended-regexp" => o.syntax = Some(Syntax::Extended),
                "fixed-strings" => o.syntax = Some(Syntax::Fixed),
                "basic-regexp" => o.syntax = Some(Syntax::Basic),
                "regexp" => {
                    let v = value()?;
                    add_patterns(&mut o, &v);
                }
                "file" => {
                    let v = value()?;
                    read_pattern_file(&mut o, &v)?;
                }
                "ignore-case" => o.ignore_case = true,
                "no-ignore-case" => o.ignore_case = false,
                "invert-match" => o.invert = true,
                "count" => o.count = true,
                "files-with-matches" => o.files_with_matches = true,
                "files-without-match" => o.files_without_match = true,
                "line-number" => o.line_number = true,
                "with-filename" => o.with_filename = Some(true),
                "no-filename" => o.with_filename = Some(false),
                "only-matching" => o.only_matching = true,
                "quiet" | "silent" => o.quiet = true,
                "no-messages" => o.no_messages = true,
                "recursive" => o.recursive = true,
                "dereference-recursive" => o.dereference_recursive = true,
                "word-regexp" => o.extent = Extent::Word,
                "line-regexp" => o.extent = Extent::Line,
                "text" => o.binary_as_text = true,
                "max-count" => {
                    let v = value()?;
                    o.max_count = Some(v.parse().map_err(|_| format!("invalid max count '{v}'"))?);
                }
                "color" | "colour" => match long.inline {
                    None | Some("never" | "auto" | "always" | "no" | "none" | "yes" | "tty" | "if-tty" | "force") => {}
                    Some(other) => return Err(format!("invalid argument '{other}' for '--color'")),
                },
                "help" => {
                    println!(
                        "Usage: grep [OPTION]... PATTERNS [FILE]...\n\
                         Search for PATTERNS in each FILE.\n\n  \
                         -E, -F, -G        extended, fixed-string, basic (default) patterns\n  \
                         -e PATTERNS, -f FILE  patterns from the argument or the file\n  \
                         -i, -w, -x        ignore case, whole words, whole lines\n  \
                         -v, -c, -l, -L    invert, count, files with / without matches\n  \
                         -n, -h, -H, -o    line numbers, no / with file names, only the matches\n  \
                         -q, -s            quiet, no messages about unreadable files\n  \
                         -r, -R            recursive (-R follows all symlinks)\n  \
                         -m NUM            stop after NUM selected lines\n  \
                         -a, -I            binary files as text, skip binary files\n      \
                         --color=WHEN      accepted; output is never colored\n\n\
                         Exit status is 0 if any line is selected, 1 otherwise, 2 if an error occurred."
                    );
                    return Ok(None);
                }
                "version" => {
                    print_version("grep");
                    return Ok(None);
                }
                _ => return Err(format!("unrecognized option '{s}'")),
            }
            continue;
        }
        let mut cluster = Cluster::new(&s[1..]);
        while let Some(c) = cluster.next() {
            match c {
                'E' => o.syntax = Some(Syntax::Extended),
                'F' => o.syntax = Some(Syntax::Fixed),
                'G' => o.syntax = Some(Syntax::Basic),
                'e' => {
                    let v = cluster.value(c, &mut args)?;
                    add_patterns(&mut o, &v);
                }
                'f' => {
                    let v = cluster.value(c, &mut args)?;
                    read_pattern_file(&mut o, &v)?;
                }
                'm' => {
                    let v = cluster.value(c, &mut args)?;
                    o.max_count = Some(v.parse().map_err(|_| format!("invalid max count '{v}'"))?);
                }
                'i' | 'y' => o.ignore_case = true,
                'v' => o.invert = true,
                'c' => o.count = true,
                'l' => o.files_with_matches = true,
                'L' => o.files_without_match = true,
                'n' => o.line_number = true,
                'H' => o.with_filename = Some(true),
                'h' => o.with_filename = Some(false),
                'o' => o.only_matching = true,
                'q' => o.quiet = true,
                's' => o.no_messages = true,
                'r' => o.recursive = true,
                'R' => o.dereference_recursive = true,
                'w' => o.extent = Extent::Word,
                'x' => o.extent = Extent::Line,
                'a' => o.binary_as_text = true,
                'I' => o.skip_binary = true,
                _ => return Err(format!("invalid option -- '{c}'")),
            }
        }
    }
    let mut operands = operands.into_iter();
    if !o.pattern_given {
        let p = operands.next().ok_or_else(|| "no pattern given".to_string())?;
        add_patterns(&mut o, &p.to_string_lossy());
    }
    o.files = operands.collect();
    Ok(Some(o))
}

/// Entry point of `grep`.
pub fn main(args: impl Iterator<Item = OsString>) -> ExitCode {
    let o = match parse(args.collect()) {
        Ok(Some(o)) => o,
        Ok(None) => return ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("grep: {msg}");
            eprintln!("Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.");
            return ExitCode::from(2);
        }
    };
    let matcher = match Matcher::new(&o.patterns, o.syntax.unwrap_or(Syntax::Basic), o.ignore_case, o.extent) {
        Ok(m) => m,
        Err(msg) => {
            eprintln!("grep: {msg}");
            return ExitCode::from(2);
        }
    };
    let recursive = o.recursive || o.dereference_recursive;
    let implicit_dot = recursive && o.files.is_empty();
    let files: Vec<OsString> = if o.files.is_empty() { vec![OsString::from(if recursive { "." } else { "-" })] } else { o.files.clone() };
    let with_filename = o.with_filename.unwrap_or(files.len() > 1 || recursive);
    let mut search = Search { o: &o, matcher, with_filename, out: io::BufWriter::with_capacity(64 * 1024, io::stdout().lock()), selected: false, error: false };
    for file in &files {
        if file.as_bytes() == b"-" {
            let stdin = io::stdin();
            search.file("(standard input)", stdin.lock());
        } else if implicit_dot {
            search.walk(Path::new(file), true, true);
        } else {
            search.walk(Path::new(file), true, false);
        }
        if search.selected && o.quiet {
            break;
        }
    }
    if search.out.flush().is_err() {
        search.error = true;
    }
    if search.selected && o.quiet {
        ExitCode::SUCCESS
    } else if search.error {
        ExitCode::from(2)
    } else if search.selected {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

struct Search<'a, W: Write> {
    o: &'a Options,
    matcher: Matcher,
    with_filename: bool,
    out: W,
    selected: bool,
    error: bool,
}

const BLOCK: usize = 256 * 1024;

impl<W: Write> Search<'_, W> {
    fn complain(&mut self, what: std::fmt::Arguments) {
        if !self.o.no_messages {
            let _ = self.out.flush();
            eprintln!("grep: {what}");
        }
        self.error = true;
    }

    /// One operand: a file, or a directory when recursing. `strip_dot` drops the "./" of the
    /// implicit "." operand from names, as GNU grep does.
    fn walk(&mut self, path: &Path, command_line: bool, strip_dot: bool) {
        let o = self.o;
        let follow = command_line || o.dereference_recursive;
        let meta = if follow { std::fs::metadata(path) } else { std::fs::symlink_metadata(path) };
        let meta = match meta {
            Ok(m) => m,
            Err(e) => {
                self.complain(format_args!("{}: {}", path.display(), io_message(&e)));
                return;
            }
        };
        if meta.file_type().is_symlink() {
            return; // -r does not follow symlinks met while recursing
        }
        if meta.is_dir() {
            if !(o.recursive || o.dereference_recursive) {
                self.complain(format_args!("{}: Is a directory", path.display()));
                return;
            }
            let mut children: Vec<PathBuf> = match std::fs::read_dir(path) {
                Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
                Err(e) => {
                    self.complain(format_args!("{}: {}", path.display(), io_message(&e)));
                    return;
                }
            };
            children.sort();
            for child in children {
                let child = if strip_dot { child.strip_prefix(".").map(Path::to_path_buf).unwrap_or(child) } else { child };
                self.walk(&child, false, false);
                if self.selected && o.quiet {
                    return;
                }
            }
            return;
        }
        if !command_line && !meta.is_file() {
            return; // devices, FIFOs and sockets met while recursing are skipped, as GNU does
        }
        match File::open(path) {
            Ok(f) => self.file(&path.to_string_lossy(), f),
            Err(e) => self.complain(format_args!("{}: {}", path.display(), io_message(&e))),
        }
    }

    /// Searches one input; `name` is how it is shown.
    fn file(&mut self, name: &str, mut input: impl Read) {
        let o = self.o;
        let mut buf: Vec<u8> = Vec::with_capacity(BLOCK);
        let mut line_no = 0u64;
        let mut count = 0u64;
        let mut binary = false;
        let mut eof = false;
        let mut first_block = true;
        let mut done = false;
        while !eof && !done {
            // Fill up to a block, keeping the unfinished last line of the previous one.
            let start = buf.len();
            buf.resize(start + BLOCK, 0);
            let n = loop {
                match input.read(&mut buf[start..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        buf.truncate(start);
                        self.complain(format_args!("{name}: {}", io_message(&e)));
                        return;
                    }
                }
            };
            buf.truncate(start + n);
            if n == 0 {
                eof = true;
            }
            if !o.binary_as_text && !binary && buf[start..].contains(&0) {
                binary = true;
                if o.skip_binary && first_block {
                    return;
                }
            }
            first_block = false;
            if binary {
                // GNU grep treats NUL bytes of binary files as line ends (no line is printed
                // from them, but -c counts those pieces).
                for b in &mut buf[start..] {
                    if *b == 0 {
                        *b = b'\n';
                    }
                }
            }
            let end = if eof {
                buf.len()
            } else {
                match buf.iter().rposition(|&b| b == b'\n') {
                    Some(i) => i + 1,
                    None => continue, // a line longer than the block: read more of it
                }
            };
            if end == 0 {
                continue;
            }
            let block = &buf[..end];
            done = self.block(name, block, &mut line_no, &mut count, binary);
            buf.drain(..end);
        }
        let o = self.o;
        if o.count {
            let line = if self.with_filename { format!("{name}:{count}\n") } else { format!("{count}\n") };
            if !o.quiet && self.out.write_all(line.as_bytes()).is_err() {
                self.error = true;
            }
        }
        if !o.quiet {
            let listed = (o.files_with_matches && count > 0) || (o.files_without_match && count == 0);
            if listed && self.out.write_all(format!("{name}\n").as_bytes()).is_err() {
                self.error = true;
            }
        }
        if o.files_without_match && count == 0 {
            // GNU grep 3.8: -L succeeds when it lists a file.
            self.selected = true;
        }
        if binary && count > 0 && !o.count && !o.quiet && !o.files_with_matches && !o.files_without_match {
            let _ = self.out.flush();
            eprintln!("grep: {name}: binary file matches");
        }
    }

    /// Processes the whole lines of `block`; returns true when the file needs no more reading.
    fn block(&mut self, name: &str, block: &[u8], line_no: &mut u64, count: &mut u64, binary: bool) -> bool {
        let o = self.o;
        let summary_only = o.count || o.files_with_matches || o.files_without_match || o.quiet || binary;
        let mut pos = 0;
        while pos < block.len() {
            // The next line that really matches, at or after pos.
            let next_match = if self.matcher.empty_set { None } else { self.next_matching_line(block, pos) };
            let (stop, matched_line) = match next_match {
                Some((s, e)) => (s, Some((s, e))),
                None => (block.len(), None),
            };
            if o.invert {
                // Every line before the match is selected.
                let mut at = pos;
                while at < stop {
                    let end = line_end(block, at);
                    *line_no += 1;
                    if self.select(name, &block[at..end], *line_no, count, summary_only) {
                        return true;
                    }
                    at = end;
                }
                if let Some((_, e)) = matched_line {
                    *line_no += 1;
                    pos = e;
                } else {
                    pos = block.len();
                }
            } else {
                *line_no += count_lines(&block[pos..stop]);
                match matched_line {
                    Some((s, e)) => {
                        *line_no += 1;
                        if self.select(name, &block[s..e], *line_no, count, summary_only) {
                            return true;
                        }
                        pos = e;
                    }
                    None => pos = block.len(),
                }
            }
        }
        false
    }

    /// Bounds (start, end past the newline) of the next line at or after `pos` that matches.
    fn next_matching_line(&self, block: &[u8], mut pos: usize) -> Option<(usize, usize)> {
        while pos < block.len() {
            let m = self.matcher.buffer.find_at(block, pos)?;
            if m.start() >= block.len() {
                // An empty match after the final newline belongs to no line of this block.
                return None;
            }
            let start = block[..m.start()].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1).max(pos);
            let end = line_end(block, start);
            if self.matcher.line.is_match(strip_newline(&block[start..end])) {
                return Some((start, end));
            }
            // A candidate spanning lines (a class matched the newline): try after this line.
            pos = end;
        }
        None
    }

    /// Handles one selected line; returns true when the file needs no more reading.
    fn select(&mut self, name: &str, line: &[u8], line_no: u64, count: &mut u64, summary_only: bool) -> bool {
        let o = self.o;
        *count += 1;
        self.selected = true;
        if o.quiet || o.files_with_matches || o.files_without_match {
            return true;
        }
        let limit_reached = o.max_count.is_some_and(|m| *count >= m);
        if summary_only {
            // Left here: -c, or a binary file, whose first selected line settles it.
            return limit_reached || !o.count;
        }
        let text = strip_newline(line);
        let mut prefix = Vec::new();
        if self.with_filename {
            prefix.extend_from_slice(name.as_bytes());
            prefix.push(b':');
        }
        if o.line_number {
            prefix.extend_from_slice(format!("{line_no}:").as_bytes());
        }
        let written = if o.only_matching {
            if o.invert {
                Ok(())
            } else {
                let mut r = Ok(());
                for m in self.matcher.line.find_iter(text).filter(|m| !m.is_empty()) {
                    r = self.out.write_all(&[&prefix[..], m.as_bytes(), b"\n"].concat());
                    if r.is_err() {
                        break;
                    }
                }
                r
            }
        } else {
            self.out.write_all(&[&prefix[..], text, b"\n"].concat())
        };
        if written.is_err() {
            self.error = true;
            return true;
        }
        limit_reached
    }
}

fn line_end(block: &[u8], start: usize) -> usize {
    block[start..].iter().position(|&b| b == b'\n').map_or(block.len(), |i| start + i + 1)
}

fn strip_newline(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\n").unwrap_or(line)
}

fn count_lines(s: &[u8]) -> u64 {
    s.iter().filter(|&&b| b == b'\n').count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grep(args: &[&str], input: &str) -> (String, bool) {
        let o = parse(args.iter().map(OsString::from).collect()).unwrap().unwrap();
        let matcher = Matcher::new(&o.patterns, o.syntax.unwrap_or(Syntax::Basic), o.ignore_case, o.extent).unwrap();
        let with_filename = o.with_filename.unwrap_or(false);
        let mut s = Search { o: &o, matcher, with_filename, out: Vec::new(), selected: false, error: false };
        s.file("in", input.as_bytes());
        (String::from_utf8(s.out).unwrap(), s.selected)
    }

    #[test]
    fn selects_lines_with_numbers_and_inversion() {
        let text = "alpha\nbeta\ngamma\ndelta";
        assert_eq!(grep(&["-n", "a$"], text).0, "1:alpha\n2:beta\n3:gamma\n4:delta\n");
        assert_eq!(grep(&["-vn", "m"], text).0, "1:alpha\n2:beta\n4:delta\n");
        assert_eq!(grep(&["-c", "et"], text).0, "1\n");
        assert_eq!(grep(&["-o", "[a-z]a"], text).0, "ha\nta\nga\nma\nta\n");
        assert_eq!(grep(&["zzz"], text), (String::new(), false));
        assert_eq!(grep(&["-m1", "a"], text).0, "alpha\n");
    }

    #[test]
    fn negated_classes_do_not_join_lines() {
        // In the buffer, [^x]* could run across the newline; each line is confirmed alone.
        assert_eq!(grep(&["-x", "a[^x]*b"], "a\nb\nab\n").0, "ab\n");
        assert_eq!(grep(&["-E", r"a\s+b"], "a\nb\n").0, "");
    }

    #[test]
    fn patterns_from_options() {
        let text = "one\ntwo\nthree\n";
        assert_eq!(grep(&["-e", "one", "-e", "three"], text).0, "one\nthree\n");
        assert_eq!(grep(&["-F", "-x", "tw"], text).0, "");
        assert_eq!(grep(&["-i", "TWO"], text).0, "two\n");
        assert_eq!(grep(&["-H", "two"], text).0, "in:two\n");
        assert_eq!(grep(&[""], "a\n\nb").0, "a\n\nb\n");
    }

    #[test]
    fn empty_lines_only_where_they_are() {
        assert_eq!(grep(&["-n", "^$"], "a\n\nb\n").0, "2:\n");
        assert_eq!(grep(&["-c", "^"], "a\nb\n").0, "2\n");
        assert_eq!(grep(&["-c", "x*"], "").0, "0\n");
    }

    #[test]
    fn long_lines_across_blocks() {
        let long = "x".repeat(BLOCK * 2 + 17);
        let text = format!("a\n{long}y\nb\n");
        assert_eq!(grep(&["-c", "xy"], &text).0, "1\n");
        assert_eq!(grep(&["-n", "^b"], &text).0, "3:b\n");
    }
}
