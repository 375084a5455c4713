//! `find`: search for files in a directory hierarchy (GNU findutils compatible).
//!
//! - [`expr`]: the command line and the expression tree.
//! - [`walk`]: the directory walk.
//! - [`matchers`], [`access`]: the tests (shell patterns are [`cleanstart_utils_core::fnmatch`],
//!   `-regex` is [`cleanstart_utils_pattern`]).
//! - [`printf`]: `-printf` and `-ls`; [`exec`]: `-exec` and friends.
//!
//! Errors are reported as GNU does (`find: 'x': No such file or directory`) and the walk goes on;
//! the exit status is 1 if anything went wrong. Names are bytes throughout: non-UTF-8 names work.
#![forbid(unsafe_code)]

pub mod access;
pub mod exec;
pub mod expr;
pub mod matchers;
pub mod printf;
pub mod walk;

use cleanstart_utils_core::accounts::Accounts;
use cleanstart_utils_core::cmdline::print_version;
use cleanstart_utils_core::messages::io_message;
use exec::Runner;
use expr::{Action, Environment, Expr, Test};
use matchers::{base_name, type_letter};
use printf::Lookups;
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};
use walk::{Entry, Follow, Verdict, Visitor, WalkError};

/// Runs `find` with `args` (without the program name).
pub fn main(args: impl Iterator<Item = OsString>) -> ExitCode {
    let args: Vec<OsString> = args.collect();
    if args.first().is_some_and(|a| a == "--help" || a == "--version") {
        print_version("find");
        return ExitCode::SUCCESS;
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or_default();
    let load_accounts = Accounts::load;
    let warn = io::stdin().is_terminal();
    let program = match expr::parse(&args, &Environment { now, warn, accounts: &load_accounts }) {
        Ok(program) => program,
        Err(message) => {
            eprintln!("find: {message}");
            return ExitCode::from(1);
        }
    };
    for warning in &program.warnings {
        eprintln!("find: {warning}");
    }
    let mut outputs: Vec<Box<dyn Write>> = vec![Box::new(BufWriter::with_capacity(64 * 1024, io::stdout()))];
    for path in &program.output_files {
        match File::create(path) {
            Ok(file) => outputs.push(Box::new(BufWriter::new(file))),
            Err(e) => {
                eprintln!("find: {}: {}", quote(&path.to_string_lossy()), io_message(&e));
                return ExitCode::from(1);
            }
        }
    }
    let mut eval = Evaluator {
        accounts: Accounts::load(),
        now,
        outputs,
        runners: program.execs.iter().cloned().map(Runner::new).collect(),
        failed: false,
        write_error: None,
        quit: false,
    };
    walk::walk(&program.roots, &program.walk, &mut Run { expr: &program.expr, eval: &mut eval });
    let _ = eval.flush_outputs();
    for runner in &mut eval.runners {
        runner.flush();
        eval.failed |= runner.failed;
    }
    if let Err(e) = eval.flush_outputs() {
        eval.write_error.get_or_insert(e);
    }
    if let Some(e) = eval.write_error {
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("find: write error: {}", io_message(&e));
        }
        return ExitCode::from(1);
    }
    ExitCode::from(u8::from(eval.failed))
}

struct Evaluator {
    accounts: Accounts,
    now: i128,
    outputs: Vec<Box<dyn Write>>,
    runners: Vec<Runner>,
    failed: bool,
    write_error: Option<io::Error>,
    quit: bool,
}

struct Run<'a> {
    expr: &'a Expr,
    eval: &'a mut Evaluator,
}

impl Visitor for Run<'_> {
    fn visit(&mut self, entry: &Entry) -> Verdict {
        let mut verdict = Verdict::default();
        self.eval.evaluate(self.expr, entry, &mut verdict);
        verdict.quit |= self.eval.quit || self.eval.write_error.is_some();
        verdict
    }

    fn error(&mut self, error: WalkError) {
        // Errors go to stderr after what was printed before them.
        let _ = self.eval.flush_outputs();
        self.eval.failed = true;
        match error {
            WalkError::Io { path, error } => eprintln!("find: {}: {}", quote(&path.to_string_lossy()), io_message(&error)),
            WalkError::Loop { path, ancestor } => eprintln!(
                "find: File system loop detected; {} is part of the same file system loop as {}.",
                quote(&path.to_string_lossy()),
                quote(&ancestor.to_string_lossy())
            ),
        }
    }
}

impl Evaluator {
    fn flush_outputs(&mut self) -> io::Result<()> {
        for out in &mut self.outputs {
            out.flush()?;
        }
        Ok(())
    }

    fn write(&mut self, out: usize, bytes: &[u8]) {
        if self.write_error.is_none() {
            if let Err(e) = self.outputs[out].write_all(bytes) {
                self.write_error = Some(e);
            }
        }
    }

    fn evaluate(&mut self, expr: &Expr, entry: &Entry, verdict: &mut Verdict) -> bool {
        if self.quit {
            return false;
        }
        match expr {
            Expr::And(a, b) => self.evaluate(a, entry, verdict) && self.evaluate(b, entry, verdict),
            Expr::Or(a, b) => self.evaluate(a, entry, verdict) || self.evaluate(b, entry, verdict),
            Expr::Comma(a, b) => {
                self.evaluate(a, entry, verdict);
                self.evaluate(b, entry, verdict)
            }
            Expr::Not(a) => !self.evaluate(a, entry, verdict),
            Expr::Test(test) => self.test(test, entry),
            Expr::Action(action) => self.act(action, entry, verdict),
        }
    }

    fn test(&self, test: &Test, entry: &Entry) -> bool {
        let meta = entry.meta;
        let path = entry.path.as_os_str().as_bytes();
        match test {
            Test::True => true,
            Test::False => false,
            Test::Name(p) => p.matches(base_name(path)),
            Test::Path(p) => p.matches(path),
            Test::Regex(r) => r.is_match(path),
            Test::Type(types) => types.contains(&type_letter(meta)),
            Test::XType(types) => types.contains(&other_type(entry)),
            Test::Size(size) => size.matches(meta.size()),
            Test::Empty => matchers::is_empty(entry.path, meta),
            Test::Newer(field, reference) => field.of(meta) > *reference,
            Test::Time(window) => window.matches(meta),
            Test::Perm(perm) => perm.matches(meta.mode()),
            Test::Uid(n) => n.matches(meta.uid() as u64),
            Test::Gid(n) => n.matches(meta.gid() as u64),
            Test::NoUser => self.accounts.user_by_uid(meta.uid()).is_none(),
            Test::NoGroup => self.accounts.group_by_gid(meta.gid()).is_none(),
            Test::Links(n) => n.matches(meta.nlink()),
            Test::Inum(n) => n.matches(meta.ino()),
            Test::SameFile { dev, ino } => meta.dev() == *dev && meta.ino() == *ino,
            Test::Readable => access::allowed(entry.path, access::Access::Read),
            Test::Writable => access::allowed(entry.path, access::Access::Write),
            Test::Executable => access::allowed(entry.path, access::Access::Execute),
        }
    }

    fn act(&mut self, action: &Action, entry: &Entry, verdict: &mut Verdict) -> bool {
        let path = entry.path.as_os_str().as_bytes();
        match action {
            Action::Print { out, terminator } => {
                let mut line = Vec::with_capacity(path.len() + 1);
                line.extend_from_slice(path);
                line.push(*terminator);
                self.write(*out, &line);
                true
            }
            Action::Printf { out, format } => {
                let mut text = Vec::new();
                format.render(entry, &Lookups { accounts: &self.accounts, now: self.now }, &mut text);
                self.write(*out, &text);
                true
            }
            Action::Ls { out } => {
                let mut line = printf::ls_line(entry, &Lookups { accounts: &self.accounts, now: self.now });
                line.push(b'\n');
                self.write(*out, &line);
                true
            }
            Action::Exec(i) => {
                let _ = self.flush_outputs();
                let result = self.runners[*i].apply(entry.path);
                self.failed |= self.runners[*i].failed;
                result
            }
            Action::Delete => self.delete(entry),
            Action::Prune => {
                verdict.prune = true;
                true
            }
            Action::Quit => {
                self.quit = true;
                verdict.quit = true;
                true
            }
        }
    }

    fn delete(&mut self, entry: &Entry) -> bool {
        // GNU never removes the starting point ".".
        if base_name(entry.path.as_os_str().as_bytes()) == b"." {
            return true;
        }
        let result = if entry.meta.is_dir() && !entry.followed {
            std::fs::remove_dir(entry.path)
        } else {
            std::fs::remove_file(entry.path)
        };
        match result {
            Ok(()) => true,
            Err(e) => {
                let _ = self.flush_outputs();
                eprintln!("find: cannot delete {}: {}", quote(&entry.path.to_string_lossy()), io_message(&e));
                self.failed = true;
                false
            }
        }
    }
}

use cleanstart_utils_core::messages::quote;

/// `-xtype`: the type seen through the other symlink policy (the target's under `-P`, the link's
/// own under `-L`); a dangling link stays `l`.
fn other_type(entry: &Entry) -> u8 {
    if entry.follow == Follow::Always || entry.followed {
        return match std::fs::symlink_metadata(entry.path) {
            Ok(meta) => type_letter(&meta),
            Err(_) => type_letter(entry.meta),
        };
    }
    if entry.meta.file_type().is_symlink() {
        return std::fs::metadata(entry.path).map_or(b'l', |meta| type_letter(&meta));
    }
    type_letter(entry.meta)
}
