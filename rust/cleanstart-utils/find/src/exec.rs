//! `-exec`, `-execdir`, `-ok` and `-okdir`: one command per file (`;`), or files gathered into
//! as few commands as the argument size allows (`+`; with `-execdir`, one batch per directory).

use super::matchers::base_name;
use super::printf::dir_name;
use cleanstart_utils_core::argv::replace_all;
use cleanstart_utils_core::messages::io_message;
use libcleanstart::command::command_for;
use std::ffi::{OsStr, OsString};
use std::io::{BufRead, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecKind {
    Exec,
    ExecDir,
    Ok,
    OkDir,
}

/// A parsed `-exec ... ;` or `-exec ... {} +`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecSpec {
    pub kind: ExecKind,
    /// The command and its arguments; for batches without the final `{}`.
    pub argv: Vec<OsString>,
    pub batch: bool,
}

/// Bytes of arguments per batched command: GNU xargs' and find's default buffer, well below
/// every kernel's limit (the environment comes on top).
const BATCH_BYTES: usize = 128 * 1024;

/// A running `-exec`: its pending batch and whether any of its commands failed.
pub struct Runner {
    spec: ExecSpec,
    pending: Vec<OsString>,
    pending_bytes: usize,
    pending_dir: Option<PathBuf>,
    /// A batched command failed or could not be started: find exits with 1.
    pub failed: bool,
}

impl Runner {
    pub fn new(spec: ExecSpec) -> Self {
        Runner { spec, pending: Vec::new(), pending_bytes: 0, pending_dir: None, failed: false }
    }

    /// Applies the action to `path`: runs the command (`;`, whose success is the result) or
    /// adds the file to the batch (`+`, always true).
    pub fn apply(&mut self, path: &Path) -> bool {
        let in_dir = matches!(self.spec.kind, ExecKind::ExecDir | ExecKind::OkDir);
        let (dir, arg) = if in_dir {
            let bytes = path.as_os_str().as_bytes();
            let dir = PathBuf::from(OsStr::from_bytes(dir_name(bytes)));
            let mut arg = b"./".to_vec();
            arg.extend_from_slice(base_name(bytes));
            (Some(dir), OsString::from_vec(arg))
        } else {
            (None, path.as_os_str().to_owned())
        };
        if !self.spec.batch {
            let argv: Vec<OsString> = self.spec.argv.iter().map(|a| replace_all(a, b"{}", arg.as_bytes())).collect();
            if matches!(self.spec.kind, ExecKind::Ok | ExecKind::OkDir) && !confirm(&argv) {
                return false;
            }
            return self.run(&argv, dir.as_deref()).unwrap_or(false);
        }
        if self.pending_dir != dir
            || self.pending_bytes + arg.len() + 1 > BATCH_BYTES.saturating_sub(self.fixed_bytes())
        {
            self.flush();
        }
        self.pending_dir = dir;
        self.pending_bytes += arg.len() + 1;
        self.pending.push(arg);
        true
    }

    fn fixed_bytes(&self) -> usize {
        self.spec.argv.iter().map(|a| a.len() + 1).sum()
    }

    /// Runs the pending batch, if any.
    pub fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let mut argv = self.spec.argv.clone();
        argv.append(&mut self.pending);
        self.pending_bytes = 0;
        let dir = self.pending_dir.take();
        if self.run(&argv, dir.as_deref()) != Some(true) {
            self.failed = true;
        }
    }

    /// Runs `argv`; None when it could not be started (reported here).
    fn run(&mut self, argv: &[OsString], dir: Option<&Path>) -> Option<bool> {
        // Our buffered output must come before the command's.
        let _ = std::io::stdout().flush();
        let started = command_for(&argv[0]).and_then(|mut command| {
            command.args(&argv[1..]);
            if let Some(dir) = dir {
                command.current_dir(dir);
            }
            command.status()
        });
        match started {
            Ok(status) => Some(status.success()),
            // Like GNU, whose child reports the failed exec: a false test for `;`, and for
            // `+` (through flush) a failed batch.
            Err(e) => {
                eprintln!("find: {}: {}", super::quote(&argv[0].to_string_lossy()), io_message(&e));
                None
            }
        }
    }
}

/// `-ok`: asks on standard error, answers come from standard input.
fn confirm(argv: &[OsString]) -> bool {
    let shown: Vec<String> = argv.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let _ = std::io::stdout().flush();
    eprint!("< {} ... {} > ? ", shown[0], shown[1..].join(" "));
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok() && answer.trim_start().starts_with(['y', 'Y'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_run_at_flush_and_report_failure() {
        let spec = ExecSpec { kind: ExecKind::Exec, argv: vec!["false".into()], batch: true };
        let mut runner = Runner::new(spec);
        assert!(runner.apply(Path::new("a")));
        assert!(!runner.failed, "nothing ran yet");
        runner.flush();
        assert!(runner.failed);
        let spec = ExecSpec { kind: ExecKind::Exec, argv: vec!["/nonexistent/cmd".into(), "{}".into()], batch: false };
        let mut runner = Runner::new(spec);
        assert!(!runner.apply(Path::new("a")));
        assert!(!runner.failed, "a command that cannot start is only false for `;`");
    }
}
