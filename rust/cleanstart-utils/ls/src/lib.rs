//! `ls`: list directory contents, as GNU ls does in the C locale.
//!
//! Written here rather than taken from uutils' `uu_ls`, which makes two `llistxattr` calls on
//! the full path of every entry of a long listing: `ls -lR` took 2.2 times BusyBox's time. This
//! one reads a directory's entries relative to it, stats only when the output needs it, and
//! makes one `llistxattr` call per entry of a long listing (for the ACL marker).
//!
//! - [`options`]: the command line.
//! - [`entries`]: what is read from the file system (the only system calls).
//! - [`order`]: the order of entries.
//! - [`names`]: quoting, indicators and colors.
//! - [`long`]: the long format and the `-i`/`-s` columns.
//! - [`layout`]: one per line, columns and commas.
#![forbid(unsafe_code)]

pub mod entries;
pub mod layout;
pub mod long;
pub mod names;
pub mod options;
pub mod order;

use cleanstart_utils_core::cmdline::{print_version, usage_error};
use cleanstart_utils_core::messages::{io_message, quote};
use entries::{Entry, Needs};
use options::{Deref, Format, Hidden, Indicator, Options, Parsed};
use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::process::ExitCode;

/// Minor trouble (a subdirectory could not be read), as GNU's exit status 1.
const MINOR: u8 = 1;
/// Serious trouble (a command-line operand could not be read), GNU's exit status 2.
const SERIOUS: u8 = 2;

/// Runs `ls` with `args` (without the program name).
pub fn main(args: impl Iterator<Item = OsString>) -> ExitCode {
    let stdout_is_terminal = io::stdout().is_terminal();
    let context = options::Context {
        stdout_is_terminal,
        terminal_width: if stdout_is_terminal {
            terminal_size::terminal_size().map(|(w, _)| usize::from(w.0))
        } else {
            None
        },
        columns_env: std::env::var("COLUMNS").ok(),
        time_style_env: std::env::var("TIME_STYLE").ok(),
    };
    let options = match options::parse(args, &context) {
        Ok(Parsed::Run(options)) => options,
        Ok(Parsed::Help) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::Version) => {
            print_version("ls");
            return ExitCode::SUCCESS;
        }
        Err(e) => return usage_error("ls", &e.message, e.status),
    };
    let env = |name: &str| std::env::var(name).ok();
    let colors = if options.color {
        names::Colors::from_env(env("LS_COLORS").as_deref(), env("COLORTERM").as_deref(), env("TERM").as_deref())
    } else {
        None
    };
    let mut run = Run {
        namer: names::Namer {
            quoting: options.quoting,
            indicator: options.indicator,
            colors: colors.as_ref(),
            used_color: Default::default(),
        },
        lookup: long::Lookup::new(),
        reader: entries::Reader::new(needs(&options, colors.as_ref())),
        out: Vec::with_capacity(OUTPUT_CHUNK * 2),
        stdout: io::stdout().lock(),
        status: 0,
        wrote_listing: false,
        options: &options,
    };
    match run.operands() {
        Ok(()) => ExitCode::from(run.status),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(SERIOUS),
        Err(e) => {
            eprintln!("ls: write error: {}", io_message(&e));
            ExitCode::from(SERIOUS)
        }
    }
}

/// A directory still to list.
struct Pending {
    place: entries::Place,
    /// How it is shown: the operand, or its parent's path and its name.
    path: PathBuf,
    /// 0 for command-line directories.
    depth: usize,
}

/// Output is written to standard output in chunks of about this size.
const OUTPUT_CHUNK: usize = 64 * 1024;

struct Run<'a> {
    options: &'a Options,
    namer: names::Namer<'a>,
    lookup: long::Lookup,
    reader: entries::Reader,
    out: Vec<u8>,
    stdout: io::StdoutLock<'static>,
    status: u8,
    /// Whether a listing was written (later directory headings get a blank line before them).
    wrote_listing: bool,
}

impl Run<'_> {
    /// Lists the operands: files first, as one listing, then each directory.
    fn operands(&mut self) -> io::Result<()> {
        let o = self.options;
        let operands = if o.operands.is_empty() { vec![OsString::from(".")] } else { o.operands.clone() };
        let mut needs = needs(o, self.namer.colors);
        // GNU reads everything about command-line operands, links' targets included.
        needs.target_meta |= self.namer.colors.is_some();
        let (mut files, mut dirs) = (Vec::new(), Vec::new());
        for name in &operands {
            let follow = matches!(o.deref, Deref::Always | Deref::CommandLine);
            let mut entry = match entries::operand(name, follow, needs) {
                Ok(entry) => entry,
                Err(e) => {
                    self.error(&format!("cannot access {}: {}", quote(&name.to_string_lossy()), io_message(&e)), SERIOUS)?;
                    continue;
                }
            };
            if o.deref == Deref::CommandLineDirs && entry.kind == entries::Kind::Symlink {
                if let Some(meta) = entries::directory_behind_link(&entry.name) {
                    entry.meta = Some(meta);
                }
            }
            if entry.is_directory() && !o.directory {
                dirs.push(entry);
            } else {
                files.push(entry);
            }
        }
        order::sort(&mut files, o);
        order::sort(&mut dirs, o);
        if !files.is_empty() {
            self.listing(&files, &dirs);
            self.wrote_listing = true;
        }
        let headings = operands.len() > 1 || o.recursive;
        // Depth first, in listing order, with the ancestors' (device, inode) for -L's loop check.
        let mut stack: Vec<Pending> = dirs
            .into_iter()
            .rev()
            .map(|d| Pending { place: self.reader.operand_place(&d.name), path: PathBuf::from(&*d.name), depth: 0 })
            .collect();
        let mut ancestors: Vec<(u64, u64)> = Vec::new();
        while let Some(next) = stack.pop() {
            let subdirs = self.directory(&next, headings, &mut ancestors)?;
            stack.extend(subdirs.into_iter().rev());
            if self.out.len() >= OUTPUT_CHUNK {
                self.flush()?;
            }
        }
        self.flush()
    }

    /// Lists one directory; returns the subdirectories `-R` descends into, in listing order.
    fn directory(&mut self, at: &Pending, heading: bool, ancestors: &mut Vec<(u64, u64)>) -> io::Result<Vec<Pending>> {
        let (path, depth, command_line) = (at.path.as_path(), at.depth, at.depth == 0);
        let o = self.options;
        let hidden = o.hidden;
        let keep = |name: &[u8]| {
            let shown = match hidden {
                Hidden::All => true,
                Hidden::AlmostAll => name != b"." && name != b"..",
                Hidden::Skip => !name.starts_with(b"."),
            };
            shown && !o.ignore.iter().any(|p| p.matches(name))
        };
        let listing = match self.reader.read_dir(&at.place, path, keep) {
            Ok(listing) => listing,
            Err(e) => {
                let status = if command_line { SERIOUS } else { MINOR };
                self.error(&format!("cannot open directory {}: {}", quote(&path.to_string_lossy()), io_message(&e)), status)?;
                return Ok(Vec::new());
            }
        };
        let entries::Listing { mut entries, errors, dir, id } = listing;
        if let (Some(id), true) = (id, o.recursive) {
            ancestors.truncate(depth);
            if ancestors.contains(&id) {
                let message = format!("{}: not listing already-listed directory", path.to_string_lossy());
                self.error(&message, SERIOUS)?;
                return Ok(Vec::new());
            }
            ancestors.push(id);
        }
        for (path, e) in &errors {
            self.error(&format!("cannot access {}: {}", quote(&path.to_string_lossy()), io_message(e)), MINOR)?;
        }
        order::sort(&mut entries, o);
        if heading {
            if self.wrote_listing {
                self.out.push(b'\n');
            }
            self.out.extend_from_slice(&names::quote(path.as_os_str().as_bytes(), o.quoting));
            self.out.extend_from_slice(b":\n");
        }
        self.wrote_listing = true;
        if o.format == Format::Long || o.blocks {
            self.out.extend_from_slice(long::total_line(&entries, o).as_bytes());
        }
        self.listing(&entries, &[]);
        let subdirs = if o.recursive {
            entries
                .iter()
                .filter(|e| e.is_directory() && !matches!(e.name.as_bytes(), b"." | b".."))
                .filter(|e| o.deref == Deref::Always || e.kind == entries::Kind::Directory)
                .map(|e| {
                    let sub = entries::join(path, &e.name);
                    Pending { place: self.reader.subdir_place(&dir, &e.name, depth + 1, &sub), path: sub, depth: depth + 1 }
                })
                .collect()
        } else {
            Vec::new()
        };
        self.reader.recycle(entries);
        Ok(subdirs)
    }

    /// Writes one listing (the file operands, or a directory's entries) in the chosen format;
    /// long listings' columns also fit `also`.
    fn listing(&mut self, entries: &[Entry], also: &[Entry]) {
        if self.options.format == Format::Long {
            long::write(&mut self.out, entries, also, self.options, &mut self.lookup, &self.namer);
        } else {
            layout::write(&mut self.out, entries, self.options, &self.namer);
        }
    }

    /// Reports `message` after the output so far, and remembers the worst status.
    fn error(&mut self, message: &str, status: u8) -> io::Result<()> {
        self.flush()?;
        eprintln!("ls: {message}");
        self.status = self.status.max(status);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stdout.write_all(&self.out)?;
        self.out.clear();
        self.stdout.flush()
    }
}
/// What the output needs read for every entry.
fn needs(o: &Options, colors: Option<&names::Colors>) -> Needs {
    let long = o.format == Format::Long;
    let sorted_on_meta = matches!(o.sort, options::SortKey::Size | options::SortKey::Time);
    Needs {
        meta: long
            || o.blocks
            || o.inode
            || sorted_on_meta
            || o.indicator == Indicator::Classify
            || o.color,
        kind: o.recursive || o.color || o.indicator != Indicator::None || o.group_directories_first,
        follow: o.deref == Deref::Always,
        target: long,
        // GNU reads targets for -F/--file-type, for the colors that depend on them, and
        // to group links to directories with them.
        target_meta: (long && o.indicator >= Indicator::FileType)
            || o.group_directories_first
            || colors.is_some_and(names::Colors::need_targets),
        marker: long,
    }
}


const HELP: &str = "\
Usage: ls [OPTION]... [FILE]...
List information about the FILEs (the current directory by default).
Entries are sorted by name (byte order) unless -tSUXv or --sort is given.

  -a, --all                  do not ignore entries starting with .
  -A, --almost-all           do not list implied . and ..
  -b, --escape               print C-style escapes for nongraphic characters
  -c                         with -lt: sort by, and show, ctime; with -l: show ctime;
                               otherwise: sort by ctime, newest first
  -C                         list entries by columns
      --color[=WHEN]         color the output (always, auto or never; LS_COLORS)
  -d, --directory            list directories themselves, not their contents
  -f                         do not sort, enable -a
  -F, --classify[=WHEN]      append indicator (one of */=@|) to entries
      --file-type            likewise, except do not append '*'
      --format=WORD          across -x, commas -m, horizontal -x, long -l,
                               single-column -1, verbose -l, vertical -C
      --full-time            like -l --time-style=full-iso
  -g                         like -l, but do not list owner
      --group-directories-first
                             group directories before files
  -G, --no-group             in a long listing, don't print group names
  -h, --human-readable       with -l and -s, print sizes like 1K 234M 2G etc.
      --si                   likewise, but use powers of 1000 not 1024
  -H, --dereference-command-line
                             follow symbolic links listed on the command line
      --dereference-command-line-symlink-to-dir
                             follow each command line symbolic link that points
                               to a directory (the default without -l, -d, -F)
      --hide=PATTERN         do not list entries matching PATTERN (overridden by -a or -A)
      --indicator-style=WORD append indicator with style WORD to entry names:
                               none, slash (-p), file-type (--file-type), classify (-F)
  -i, --inode                print the index number of each file
  -I, --ignore=PATTERN       do not list entries matching shell PATTERN
  -k, --kibibytes            1024-byte blocks for -s and totals (the default)
  -l                         use a long listing format
  -L, --dereference          show information for the file a symbolic link points to
  -m                         fill width with a comma separated list of entries
  -n, --numeric-uid-gid      like -l, but list numeric user and group IDs
  -N, --literal              print entry names without quoting
  -o                         like -l, but do not list group information
  -p, --indicator-style=slash
                             append / indicator to directories
  -q, --hide-control-chars   print ? instead of control characters
      --show-control-chars   show control characters as is
  -Q, --quote-name           enclose entry names in double quotes
      --quoting-style=WORD   literal, escape or c
  -r, --reverse              reverse order while sorting
  -R, --recursive            list subdirectories recursively
  -s, --size                 print the allocated size of each file, in blocks
  -S                         sort by file size, largest first
      --sort=WORD            none (-U), size (-S), time (-t), version (-v), extension (-X), name
      --time=WORD            with -l, show and sort by atime/access/use, ctime/status or
                               mtime/modification instead of the modification time
      --time-style=STYLE     full-iso, long-iso, iso, locale or +FORMAT (strftime; with a
                               newline, the first line for old files and the second for recent)
  -t                         sort by time, newest first
  -T, --tabsize=COLS         assume tab stops at each COLS instead of 8 (0: no tabs)
  -u                         with -lt: sort by, and show, access time; with -l: show access
                               time; otherwise: sort by access time, newest first
  -U                         do not sort; list entries in directory order
  -v                         natural sort of (version) numbers within text
  -w, --width=COLS           set output width to COLS; 0 means no limit
  -x                         list entries by lines instead of by columns
  -X                         sort alphabetically by entry extension
  -1                         list one file per line
      --help                 display this help and exit
      --version              output version information and exit

Exit status: 0 if OK, 1 if a subdirectory could not be listed, 2 if a command-line
argument could not be accessed or the command line is wrong.
";
