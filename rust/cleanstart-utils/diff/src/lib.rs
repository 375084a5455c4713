//! `diff`, as GNU diff 3.x: files and directories (`-r`, `-N`), the normal, `-u`, `-c` and `-e`
//! formats, `-i -w -b -Z -B`. The line comparison is GNU's algorithm, so hunks come out the
//! same; side by side (`-y`) is uutils diffutils'. Exit status 0 same, 1 different, 2 trouble
//! (trouble with one pair of files does not stop the others).
//!
//! - [`options`]: the command line.
//! - [`lines`]: lines and the equivalence the ignore options define.
//! - [`script`]: the edit script between two files' lines.
//! - [`format`]: the output formats.
//! - [`pair`]: one pair of files.
//! - [`tree`]: two directories, entry by entry.
#![forbid(unsafe_code)]

mod format;
mod lines;
mod options;
mod pair;
mod script;
mod tree;

use options::{Options, Request};
use std::borrow::Cow;
use std::ffi::OsString;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;
use tree::Side;

/// A comparison's outcome; the worst of several is the exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Status {
    Same = 0,
    Different = 1,
    Trouble = 2,
}

/// A run of `diff`: its options, its output, and the directories being walked.
struct Comparison<'o, W: Write> {
    options: &'o Options,
    out: W,
    /// Device and inode of each side's directories above the current one, to catch loops.
    ancestors: Vec<[Option<(u64, u64)>; 2]>,
}

impl<W: Write> Comparison<'_, W> {
    /// A message on standard error, after what standard output holds so far.
    fn trouble(&mut self, message: &str) -> io::Result<()> {
        self.out.flush()?;
        eprintln!("diff: {message}");
        Ok(())
    }

    fn identical(&mut self, names: &[Cow<str>; 2]) -> io::Result<Status> {
        if self.options.report_identical {
            writeln!(self.out, "Files {} and {} are identical", names[0], names[1])?;
        }
        Ok(Status::Same)
    }

    /// The command line's two operands.
    fn operands(&mut self) -> io::Result<Status> {
        let o = self.options;
        let mut paths = [o.from.clone(), o.to.clone()];
        let mut sides = Vec::with_capacity(2);
        for path in &paths {
            sides.push(if path == "-" {
                Ok(None)
            } else {
                std::fs::metadata(path).map(Some)
            });
        }
        let is_dir = |s: &io::Result<Option<std::fs::Metadata>>| matches!(s, Ok(Some(m)) if m.is_dir());
        // A directory and a file: the file is compared with the directory's entry of its name.
        match (is_dir(&sides[0]), is_dir(&sides[1])) {
            (true, false) | (false, true) => {
                let dir = usize::from(is_dir(&sides[1]));
                if paths[1 - dir] == "-" {
                    self.trouble("cannot compare '-' to a directory")?;
                    return Ok(Status::Trouble);
                }
                if sides[1 - dir].is_ok() {
                    paths[dir] = tree::inside(&paths[dir], &paths[1 - dir]).into_os_string();
                    sides[dir] = std::fs::metadata(&paths[dir]).map(Some);
                }
            }
            _ => {}
        }
        let mut status = Status::Same;
        let mut resolved = Vec::with_capacity(2);
        for f in 0..2 {
            match &sides[f] {
                Ok(Some(meta)) => resolved.push(Side::Present(meta.clone())),
                Ok(None) => resolved.push(Side::Stdin),
                Err(e) if o.new_file && e.kind() == io::ErrorKind::NotFound && sides[1 - f].is_ok() => resolved.push(Side::Absent),
                Err(e) => {
                    self.trouble(&format!("{}: {}", paths[f].to_string_lossy(), cleanstart_utils_core::messages::io_message(e)))?;
                    status = Status::Trouble;
                }
            }
        }
        if status == Status::Trouble {
            return Ok(status);
        }
        let (a, b) = (&resolved[0], &resolved[1]);
        if a.is_dir() || b.is_dir() {
            return self.directories([Path::new(&paths[0]), Path::new(&paths[1])], [a, b], 0);
        }
        pair::compare(self, [&paths[0], &paths[1]], [a, b], 0)
    }
}

/// Runs `diff` with `args` (the program name first, as `std::env::args_os` gives it).
pub fn main(mut args: impl Iterator<Item = OsString>) -> ExitCode {
    args.next();
    let options = match options::parse(args) {
        Ok(Request::Compare(options)) => options,
        Ok(Request::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Request::Version) => {
            cleanstart_utils_core::cmdline::print_version("diff");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("diff: {message}\ndiff: Try 'diff --help' for more information.");
            return ExitCode::from(Status::Trouble as u8);
        }
    };
    let mut comparison = Comparison { options: &options, out: BufWriter::new(io::stdout().lock()), ancestors: Vec::new() };
    let result = comparison.operands().and_then(|status| comparison.out.flush().map(|()| status));
    match result {
        Ok(status) => ExitCode::from(status as u8),
        // A closed pipe is the reader's choice, not trouble worth a message (GNU is silent too).
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(Status::Trouble as u8),
        Err(e) => {
            eprintln!("diff: {}", cleanstart_utils_core::messages::io_message(&e));
            ExitCode::from(Status::Trouble as u8)
        }
    }
}

const USAGE: &str = "\
Usage: diff [OPTION]... FILES
Compare FILES line by line.

  -q, --brief                   report only when files differ
  -s, --report-identical-files  report when two files are the same
  -c, -C NUM, --context[=NUM]   output NUM (default 3) lines of copied context
  -u, -U NUM, --unified[=NUM]   output NUM (default 3) lines of unified context
  -e, --ed                      output an ed script
      --normal                  output a normal diff (the default)
  -y, --side-by-side            output in two columns
  -W, --width=NUM               output at most NUM (default 130) print columns
  -t, --expand-tabs             expand tabs to spaces in output
      --tabsize=NUM             tab stops every NUM (default 8) print columns
  -L, --label LABEL             use LABEL instead of file name and timestamp
  -r, --recursive               recursively compare any subdirectories found
  -N, --new-file                treat absent files as empty
  -i, --ignore-case             ignore case differences in file contents
  -b, --ignore-space-change     ignore changes in the amount of white space
  -w, --ignore-all-space        ignore all white space
  -Z, --ignore-trailing-space   ignore white space at line end
  -B, --ignore-blank-lines      ignore changes where lines are all blank
  -a, --text                    treat all files as text
      --help                    display this help and exit
      --version                 output version information and exit

FILES are 'FILE1 FILE2' or 'DIR1 DIR2' or 'DIR FILE' or 'FILE DIR'.
If a FILE is '-', read standard input.
Exit status is 0 if inputs are the same, 1 if different, 2 if trouble.
";
