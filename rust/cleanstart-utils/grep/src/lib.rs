//! `grep`: POSIX grep with GNU grep's common options, over [`cleanstart_utils_pattern`].
//!
//! Input is read in large blocks; the buffer regex (multi-line anchors) finds the next candidate
//! line in a block and the line regex confirms it, so lines that cannot match are skipped at the
//! regex engine's speed instead of being tested one by one. Processed lines are dropped from the
//! buffer except the last `-B` lines, kept as leading context for a match in the next block.
//! What is written, and how, is [`output`]'s. Exit status as GNU: 0 a line was selected, 1 none,
//! 2 an error (unless `-q` already found a line).
#![forbid(unsafe_code)]

mod output;

use cleanstart_utils_core::cmdline::{print_version, Cluster, LongOption};
use cleanstart_utils_core::messages::io_message;
use cleanstart_utils_pattern::{Extent, Matcher, Syntax};
use output::{Layout, Line, Printer};
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
    /// `-A`, `-B` and `-C` (or `-NUM`): `-A` and `-B` win over `-C` whatever their order.
    after: Option<u64>,
    before: Option<u64>,
    context: Option<u64>,
    byte_offset: bool,
    /// `--group-separator`; `None` is GNU's `--`.
    group_separator: Option<String>,
    no_group_separator: bool,
    binary_as_text: bool,
    skip_binary: bool,
    files: Vec<OsString>,
}

/// A command-line error; `usage` adds GNU's pointer to `--help` (not given for bad numbers).
#[derive(Debug)]
struct BadArgs {
    message: String,
    usage: bool,
}

impl From<String> for BadArgs {
    fn from(message: String) -> Self {
        BadArgs { message, usage: true }
    }
}

fn bad_number(message: String) -> BadArgs {
    BadArgs { message, usage: false }
}

/// A context length as GNU reads it (`strtoimax`: leading blanks and a sign allowed, the whole
/// argument a number, not negative; values too large to hold saturate).
fn context_length(text: &str) -> Result<u64, BadArgs> {
    let invalid = || bad_number(format!("{text}: invalid context length argument"));
    let number = text.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (negative, digits) = match number.as_bytes().first() {
        Some(b'-') => (true, &number[1..]),
        Some(b'+') => (false, &number[1..]),
        _ => (false, number),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let value = digits.bytes().fold(0u64, |v, d| v.saturating_mul(10).saturating_add(u64::from(d - b'0')));
    if negative && value > 0 {
        return Err(invalid());
    }
    Ok(value)
}

fn max_count(text: &str) -> Result<u64, BadArgs> {
    text.parse().map_err(|_| bad_number(format!("invalid max count '{text}'")))
}

fn parse(args: Vec<OsString>) -> Result<Option<Options>, BadArgs> {
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
                "files-with-matches" => (o.files_with_matches, o.files_without_match) = (true, false),
                "files-without-match" => (o.files_with_matches, o.files_without_match) = (false, true),
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
                "max-count" => o.max_count = Some(max_count(&value()?)?),
                "after-context" => o.after = Some(context_length(&value()?)?),
                "before-context" => o.before = Some(context_length(&value()?)?),
                "context" => o.context = Some(context_length(&value()?)?),
                "byte-offset" => o.byte_offset = true,
                "group-separator" => {
                    o.group_separator = Some(value()?);
                    o.no_group_separator = false;
                }
                "no-group-separator" => o.no_group_separator = true,
                "color" | "colour" => match long.inline {
                    None | Some("never" | "auto" | "always" | "no" | "none" | "yes" | "tty" | "if-tty" | "force") => {}
                    Some(other) => return Err(format!("invalid argument '{other}' for '--color'").into()),
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
                         -m NUM            stop after NUM selected lines (and their trailing context)\n  \
                         -b                the byte offset of each line (with -o: of each match)\n  \
                         -A NUM, -B NUM    NUM lines of trailing, leading context\n  \
                         -C NUM, -NUM      NUM lines of context on both sides\n      \
                         --group-separator=SEP, --no-group-separator  between groups of context (default --)\n  \
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
                _ => return Err(format!("unrecognized option '{s}'").into()),
            }
            continue;
        }
        let mut cluster = Cluster::new(&s[1..]);
        // -NUM: the digits of one run form the number (`-12`); another run starts afresh.
        let mut digits = String::new();
        while let Some(c) = cluster.next() {
            if c.is_ascii_digit() {
                digits.push(c);
                o.context = Some(context_length(&digits)?);
                continue;
            }
            digits.clear();
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
                'm' => o.max_count = Some(max_count(&cluster.value(c, &mut args)?)?),
                'A' => o.after = Some(context_length(&cluster.value(c, &mut args)?)?),
                'B' => o.before = Some(context_length(&cluster.value(c, &mut args)?)?),
                'C' => o.context = Some(context_length(&cluster.value(c, &mut args)?)?),
                'b' => o.byte_offset = true,
                'i' | 'y' => o.ignore_case = true,
                'v' => o.invert = true,
                'c' => o.count = true,
                // The last of -l and -L counts.
                'l' => (o.files_with_matches, o.files_without_match) = (true, false),
                'L' => (o.files_with_matches, o.files_without_match) = (false, true),
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
                _ => return Err(format!("invalid option -- '{c}'").into()),
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
        Err(bad) => {
            eprintln!("grep: {}", bad.message);
            if bad.usage {
                eprintln!("Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.");
            }
            return ExitCode::from(2);
        }
    };
    if o.max_count == Some(0) && !o.files_without_match {
        return ExitCode::from(1); // GNU stops before reading anything
    }
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
    let mut search = Search::new(&o, matcher, with_filename, io::BufWriter::with_capacity(64 * 1024, io::stdout().lock()));
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
    if search.printer.out.flush().is_err() {
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
    printer: Printer<W>,
    /// Only counts, names or the exit status are written: no lines, so no context either.
    summary_only: bool,
    selected: bool,
    error: bool,
}

/// Where the search of one file is.
#[derive(Default)]
struct Progress {
    /// Lines before the unprocessed part of the buffer.
    line_no: u64,
    /// Selected lines.
    count: u64,
    /// `-m` was reached: only the trailing context owed is left to write.
    stopped: bool,
}

const BLOCK: usize = 256 * 1024;

impl<'a, W: Write> Search<'a, W> {
    fn new(o: &'a Options, matcher: Matcher, with_filename: bool, out: W) -> Self {
        let context_given = o.after.is_some() || o.before.is_some() || o.context.is_some();
        let layout = Layout {
            with_filename,
            line_number: o.line_number,
            byte_offset: o.byte_offset,
            only_matching: o.only_matching,
            invert: o.invert,
            before: o.before.or(o.context).unwrap_or(0),
            after: o.after.or(o.context).unwrap_or(0),
            group_separator: (context_given && !o.no_group_separator)
                .then(|| o.group_separator.as_deref().unwrap_or("--").as_bytes().to_vec()),
        };
        let printer = Printer::new(out, layout, matcher.line.clone());
        let summary_only = o.count || o.files_with_matches || o.files_without_match || o.quiet;
        Search { o, matcher, printer, summary_only, selected: false, error: false }
    }

    fn complain(&mut self, what: std::fmt::Arguments) {
        if !self.o.no_messages {
            let _ = self.printer.out.flush();
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
        // Lines kept before the unprocessed part of the buffer, as leading context.
        let keep = if self.summary_only { 0 } else { self.printer.layout().before };
        self.printer.start_file();
        let mut buf: Vec<u8> = Vec::with_capacity(BLOCK);
        // buf[..kept] was processed (kept as leading context); buf[0] is byte buf_offset of the input.
        let mut kept = 0;
        let mut buf_offset = 0u64;
        let mut progress = Progress::default();
        let mut binary = false;
        let mut eof = false;
        let mut first_block = true;
        // -m 0 (with -L, else grep stopped earlier) reads nothing.
        let mut done = o.max_count == Some(0);
        while !eof && !done {
            // Fill up to a block, after the unfinished last line of the previous one.
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
                match buf[kept..].iter().rposition(|&b| b == b'\n') {
                    Some(i) => kept + i + 1,
                    None => continue, // a line longer than the block: read more of it
                }
            };
            if end == kept {
                continue;
            }
            done = self.block(name, &buf[..end], kept, buf_offset, &mut progress, binary);
            let keep_from = start_of_last_lines(&buf[..end], keep);
            buf.drain(..keep_from);
            buf_offset += keep_from as u64;
            kept = end - keep_from;
        }
        let count = progress.count;
        if o.count && !o.files_with_matches && !o.files_without_match {
            // -l and -L win over -c, as in GNU.
            let line = if self.printer.layout().with_filename { format!("{name}:{count}\n") } else { format!("{count}\n") };
            if !o.quiet && self.printer.out.write_all(line.as_bytes()).is_err() {
                self.error = true;
            }
        }
        if !o.quiet {
            let listed = (o.files_with_matches && count > 0) || (o.files_without_match && count == 0);
            if listed && self.printer.out.write_all(format!("{name}\n").as_bytes()).is_err() {
                self.error = true;
            }
        }
        if binary && count > 0 && !o.count && !o.quiet && !o.files_with_matches && !o.files_without_match {
            let _ = self.printer.out.flush();
            eprintln!("grep: {name}: binary file matches");
        }
    }

    /// Processes the whole lines of `block[from..]` (`block` starts at byte `block_offset` of the
    /// input; before `from` are lines kept for leading context); returns true when the input
    /// needs no more reading.
    fn block(&mut self, name: &str, block: &[u8], from: usize, block_offset: u64, progress: &mut Progress, binary: bool) -> bool {
        let o = self.o;
        let summary_only = self.summary_only || binary;
        let mut pos = from;
        while pos < block.len() {
            if progress.stopped {
                // After the -m-th selected line, GNU writes the trailing context owed, whatever
                // those lines hold.
                if self.printer.pending() == 0 {
                    return true;
                }
                pos = self.trailing_context(name, block, block_offset, pos, block.len(), progress);
                continue;
            }
            // The next line that really matches, at or after pos.
            let next_match = if self.matcher.empty_set { None } else { self.next_matching_line(block, pos) };
            let (stop, matched_line) = match next_match {
                Some((s, e)) => (s, Some((s, e))),
                None => (block.len(), None),
            };
            if o.invert {
                // Every line before the match is selected.
                while pos < stop && !progress.stopped {
                    let end = line_end(block, pos);
                    progress.line_no += 1;
                    if self.select(name, block, block_offset, (pos, end), progress, summary_only) {
                        return true;
                    }
                    pos = end;
                }
                if progress.stopped {
                    continue;
                }
                match matched_line {
                    // The matching line is rejected: trailing context, or only counted.
                    Some((s, e)) => {
                        if self.trailing_context(name, block, block_offset, s, e, progress) == s {
                            progress.line_no += 1;
                        }
                        pos = e;
                    }
                    None => pos = block.len(),
                }
            } else {
                if !summary_only {
                    pos = self.trailing_context(name, block, block_offset, pos, stop, progress);
                }
                progress.line_no += count_lines(&block[pos..stop]);
                match matched_line {
                    Some((s, e)) => {
                        progress.line_no += 1;
                        if self.select(name, block, block_offset, (s, e), progress, summary_only) {
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

    /// Writes the trailing context owed from the unselected lines of `block[pos..stop]`; returns
    /// where the lines not written start (their count is the caller's).
    fn trailing_context(&mut self, name: &str, block: &[u8], block_offset: u64, mut pos: usize, stop: usize, progress: &mut Progress) -> usize {
        while pos < stop && self.printer.pending() > 0 {
            let end = line_end(block, pos);
            progress.line_no += 1;
            let line = Line { number: progress.line_no, offset: block_offset + pos as u64, text: &block[pos..end] };
            if self.printer.context(name, line).is_err() {
                self.error = true;
            }
            pos = end;
        }
        pos
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

    /// Handles the selected line `block[line.0..line.1]` (number `progress.line_no`); returns
    /// true when the input needs no more reading.
    fn select(&mut self, name: &str, block: &[u8], block_offset: u64, line: (usize, usize), progress: &mut Progress, summary_only: bool) -> bool {
        let o = self.o;
        progress.count += 1;
        self.selected = true;
        if o.quiet || o.files_with_matches || o.files_without_match {
            return true;
        }
        let limit_reached = o.max_count.is_some_and(|m| progress.count >= m);
        if summary_only {
            // Left here: -c, or a binary file, whose first selected line settles it.
            return limit_reached || !o.count;
        }
        if self.printer.selected(name, block, block_offset, line.0, line.1, progress.line_no).is_err() {
            self.error = true;
            return true;
        }
        progress.stopped = limit_reached;
        limit_reached && self.printer.pending() == 0
    }
}

/// Where the last `n` lines of `text` (which ends with a whole line) start.
fn start_of_last_lines(text: &[u8], n: u64) -> usize {
    let mut start = text.len();
    for _ in 0..n {
        if start == 0 {
            break;
        }
        start = output::previous_line_start(text, start);
    }
    start
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
        let mut s = Search::new(&o, matcher, with_filename, Vec::new());
        s.file("in", input.as_bytes());
        (String::from_utf8(s.printer.out).unwrap(), s.selected)
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
    fn context_lengths_as_gnu_reads_them() {
        assert_eq!(context_length(" +3").unwrap(), 3);
        assert_eq!(context_length("-0").unwrap(), 0);
        assert_eq!(context_length("99999999999999999999999").unwrap(), u64::MAX);
        for bad in ["", "x", "-1", "1x", "3 "] {
            let e = context_length(bad).unwrap_err();
            assert_eq!((e.message, e.usage), (format!("{bad}: invalid context length argument"), false));
        }
        let parsed = |args: &[&str]| parse(args.iter().map(OsString::from).collect()).unwrap().unwrap();
        assert_eq!(parsed(&["-12n", "p"]).context, Some(12));
        assert_eq!(parsed(&["-1n2", "p"]).context, Some(2));
        assert_eq!(parsed(&["-1", "-2", "p"]).context, Some(2));
    }

    #[test]
    fn context_across_blocks() {
        // The first block ends after b2, inside the long matching line: its leading context
        // was processed with the previous block.
        let filler = format!("{}\n", "y".repeat(99));
        let long = format!("match{}", "z".repeat(100));
        let text = format!("{}b1\nb2\n{long}\na1\n", filler.repeat(BLOCK / 100));
        let (lines, offset) = (BLOCK as u64 / 100, BLOCK / 100 * 100);
        let expected = format!(
            "{}-{offset}-b1\n{}-{}-b2\n{}:{}:{long}\n{}-{}-a1\n",
            lines + 1,
            lines + 2,
            offset + 3,
            lines + 3,
            offset + 6,
            lines + 4,
            offset + 6 + long.len() + 1
        );
        assert_eq!(grep(&["-n", "-b", "-C2", "match"], &text).0, expected);
        assert_eq!(grep(&["-m1", "-A1", "y"], "y\ny\nz\n").0, "y\ny\n");
    }

    #[test]
    fn long_lines_across_blocks() {
        let long = "x".repeat(BLOCK * 2 + 17);
        let text = format!("a\n{long}y\nb\n");
        assert_eq!(grep(&["-c", "xy"], &text).0, "1\n");
        assert_eq!(grep(&["-n", "^b"], &text).0, "3:b\n");
    }
}
